/** Byte helpers that work the same in Node and browsers (no Buffer, no node: imports). */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8Encode = (text: string): Uint8Array => encoder.encode(text);

/** Throws on invalid UTF-8 instead of silently substituting U+FFFD. */
export const utf8Decode = (bytes: Uint8Array): string => decoder.decode(bytes);

const BASE64_ALPHABET = encoder.encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const PAD = 61; // '='

/**
 * Standard base64 with padding. Written out rather than through btoa: btoa needs a binary string,
 * and building one from a 100 KB deployment doc (every assignment signs one) cost milliseconds.
 */
export function toBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = BASE64_ALPHABET[n >>> 18] as number;
    out[o++] = BASE64_ALPHABET[(n >>> 12) & 63] as number;
    out[o++] = BASE64_ALPHABET[(n >>> 6) & 63] as number;
    out[o++] = BASE64_ALPHABET[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = BASE64_ALPHABET[n >>> 18] as number;
    out[o++] = BASE64_ALPHABET[(n >>> 12) & 63] as number;
    out[o++] = rest === 2 ? (BASE64_ALPHABET[(n >>> 6) & 63] as number) : PAD;
    out[o++] = PAD;
  }
  return decoder.decode(out);
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 decode: returns null for anything that is not canonical base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!BASE64_PATTERN.test(text)) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return toHex(new Uint8Array(digest));
}
