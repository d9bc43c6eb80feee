/**
 * Traffic ramp-up on one device (ROLLOUTS "Shadow", issue 17 item 4): while a deployment doc
 * names a shadow candidate with a `trafficShare`, the candidate answers that share of the
 * requests and the serving release the rest. Which way one request goes is decided here.
 *
 * - With a request key the choice is sticky: the key's point in [0, 1) is a hash of the key, and
 *   the request goes to the candidate when that point is below the share. So the same key always
 *   goes the same way at a given share, and a key on the candidate at 10% stays there at 50%
 *   (raising the share only adds keys): a user does not flip between versions as the ramp goes up.
 * - Without a key each request is drawn on its own (`random`).
 *
 * The hash is FNV-1a 32-bit over the key's UTF-8 bytes, then MurmurHash3's 32-bit finalizer
 * (FNV-1a alone maps keys that differ only in their last character, `user-1`, `user-2`, to
 * neighbouring points), divided by 2^32. Pure arithmetic, no crypto: it runs in the browser too,
 * and anyone (the hub, a test) can compute which keys a share sends to the candidate.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit of `key`'s UTF-8 encoding, encoded on the fly (no TextEncoder buffer per request). */
function fnv1a(key: string): number {
  let hash = FNV_OFFSET;
  const add = (byte: number): void => {
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  };
  for (let i = 0; i < key.length; i++) {
    let code = key.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < key.length) {
      const low = key.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // A lone surrogate is encoded as its own three bytes, as it stands: the hash stays defined for every string.
    if (code < 0x80) add(code);
    else if (code < 0x800) {
      add(0xc0 | (code >> 6));
      add(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      add(0xe0 | (code >> 12));
      add(0x80 | ((code >> 6) & 0x3f));
      add(0x80 | (code & 0x3f));
    } else {
      add(0xf0 | (code >> 18));
      add(0x80 | ((code >> 12) & 0x3f));
      add(0x80 | ((code >> 6) & 0x3f));
      add(0x80 | (code & 0x3f));
    }
  }
  return hash >>> 0;
}

/** MurmurHash3's fmix32: every input bit moves every output bit. */
function mix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The key's fixed point in [0, 1): it goes to the candidate at every share above it. */
export const trafficPointOf = (key: string): number => mix32(fnv1a(key)) / 0x1_0000_0000;

/**
 * Whether this request goes to the candidate at `share` (0 < share < 1; 0 or less: never, 1 or
 * more: always). `key`: the request key (sticky); without one, `random()` (uniform in [0, 1)) decides.
 */
export function routeToCandidate(share: number, key: string | undefined, random: () => number): boolean {
  if (!(share > 0)) return false;
  if (share >= 1) return true;
  return (key === undefined ? random() : trafficPointOf(key)) < share;
}
