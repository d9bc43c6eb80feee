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

/** Each char code's 6-bit value, or 255 for a char outside the alphabet ('=' included). */
const BASE64_VALUES = (() => {
  const values = new Uint8Array(256).fill(255);
  BASE64_ALPHABET.forEach((code, value) => (values[code] = value));
  return values;
})();

/**
 * Strict base64 decode: returns null for anything but standard base64 with its padding (length a
 * multiple of 4, one or two '=' only at the end). One pass over the char codes: a regex with a
 * repeated group backtracks through the whole string and overflowed the stack on payloads of
 * about 4.5 MB (issue 16), which made every device refuse such a document with E_SCHEMA.
 */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const end = text.length - padding;
  let o = 0;
  let buffer = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 256 ? (BASE64_VALUES[code] as number) : 255;
    if (value === 255) return null;
    buffer = (buffer << 6) | value;
    if ((i & 3) === 3) {
      out[o++] = buffer >>> 16;
      out[o++] = (buffer >>> 8) & 255;
      out[o++] = buffer & 255;
      buffer = 0;
    }
  }
  // The last quantum: two chars give one byte, three give two (their low bits are not checked, as atob does not).
  if (padding === 2) out[o] = buffer >>> 4;
  else if (padding === 1) {
    out[o++] = buffer >>> 10;
    out[o] = (buffer >>> 2) & 255;
  }
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
