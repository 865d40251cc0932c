/**
 * What a machine is called wherever it is named (pages, plans, logs, exports): the name the user gave it,
 * else the hostname it reported over SSH, else the name reverse DNS gave it when a scan saw one, else its
 * address. Empty strings fall through like missing ones.
 */
export function hostLabel(h: {
  displayName?: string | null;
  hostname?: string | null;
  address: string;
  fingerprints?: readonly { source: string; evidence: string }[];
}): string {
  return h.displayName || h.hostname || reverseDnsName(h.fingerprints) || h.address;
}

/** The first name a scan's reverse lookup found (its evidence lists them comma-separated), without the root dot. */
export function reverseDnsName(fingerprints: readonly { source: string; evidence: string }[] | undefined): string | null {
  const evidence = fingerprints?.find((f) => f.source === 'rdns')?.evidence;
  const first = evidence?.split(',')[0]?.trim().replace(/\.$/, '');
  return first || null;
}
