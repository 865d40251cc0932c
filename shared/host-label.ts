/**
 * What a machine is called wherever it is named (pages, plans, logs, exports): the name the user gave it,
 * else the hostname it reported, else its address. Empty strings fall through like missing ones.
 */
export function hostLabel(h: { displayName?: string | null; hostname?: string | null; address: string }): string {
  return h.displayName || h.hostname || h.address;
}
