/** The text a store keeps for a failed call: the core's message without the error class in front. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
