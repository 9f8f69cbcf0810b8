// WireGuard keys are 32 bytes: base64 (44 characters, one '=') in wg(8)
// output and config files, lowercase hex (64 characters) on the UAPI socket.
// Decoding is strict, as wg's key_from_base64 is: wrong length, bad
// characters or non-zero padding bits are rejected.

export const KEY_LEN = 32;
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function keyToBase64(key: Uint8Array): string {
  if (key.length !== KEY_LEN) throw new TypeError(`key must be ${KEY_LEN} bytes, got ${key.length}`);
  let out = "";
  for (let i = 0; i < 30; i += 3) {
    const n = (key[i] << 16) | (key[i + 1] << 8) | key[i + 2];
    out += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + B64[n & 63];
  }
  const n = (key[30] << 16) | (key[31] << 8);
  return out + B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + "=";
}

/** The key, or null when the text is not exactly a canonical base64 encoding of 32 bytes. */
export function keyFromBase64(text: string): Uint8Array | null {
  if (text.length !== 44 || text[43] !== "=") return null;
  const key = new Uint8Array(KEY_LEN);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < 43; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      key[o++] = (acc >>> bits) & 0xff;
    }
  }
  // 43 characters carry 258 bits: the last 2 must be zero.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return key;
}

export function keyToHex(key: Uint8Array): string {
  let out = "";
  for (const b of key) out += (b < 16 ? "0" : "") + b.toString(16);
  return out;
}

/** The key, or null unless the text is exactly 64 hex digits. */
export function keyFromHex(text: string): Uint8Array | null {
  if (text.length !== 64 || !/^[0-9a-fA-F]+$/.test(text)) return null;
  const key = new Uint8Array(KEY_LEN);
  for (let i = 0; i < KEY_LEN; i++) key[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return key;
}

export function isZeroKey(key: Uint8Array): boolean {
  let acc = 0;
  for (const b of key) acc |= b;
  return acc === 0;
}
