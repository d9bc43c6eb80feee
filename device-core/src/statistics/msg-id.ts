/**
 * Statistics window ids: 16 random hex digits fixed per process, then a counter. Unique across
 * restarts (fresh random prefix) and cheap within one (PROTOCOL: the hub dedupes on msgId).
 */
const randomBytes = (count: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(count));

export function msgIdSource(random: (count: number) => Uint8Array = randomBytes): () => string {
  const prefix = Array.from(random(8), (byte) => byte.toString(16).padStart(2, '0')).join('');
  let counter = 0;
  return () => `${prefix}-${(counter++).toString(36)}`;
}
