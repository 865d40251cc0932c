/**
 * When the morning digest is due: once a day at a local time of day. Pure, so the clock is the caller's.
 */

/** The last moment at or before `now` when the local clock read `timeOfDay` ("HH:MM"). */
export function lastSlot(now: number, timeOfDay: string): number {
  const [h, m] = timeOfDay.split(':').map(Number) as [number, number];
  const slot = new Date(now);
  slot.setHours(h, m, 0, 0);
  // setDate rather than subtracting 24 hours: a day with a daylight-saving change is 23 or 25 hours long.
  if (slot.getTime() > now) slot.setDate(slot.getDate() - 1);
  return slot.getTime();
}

/**
 * True when the digest's time of day has passed since it was last sent. Never sent (null): due at the first
 * slot. Missed slots (the computer was off) give one digest, not one per missed day.
 */
export function digestDue(now: number, lastSentAt: number | null, timeOfDay: string): boolean {
  const slot = lastSlot(now, timeOfDay);
  return lastSentAt === null || lastSentAt < slot;
}
