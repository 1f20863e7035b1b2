// base64url without padding, strict: the 43-character signature, and the grant cookie's folder.
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
// A character table, so the per-request checks are single passes without regular expressions.
const SIXTET = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) SIXTET[BASE64URL.charCodeAt(i)] = i

/**
 * Decodes a canonical 43-character base64url signature into `out` (32 bytes); false when it is not one. The last
 * character carries 4 bits, so only 16 letters are canonical there: without that check, four spellings would
 * decode to the same MAC. With `at`, the signature is the rest of `signature` from that index.
 */
export function decodeSignature(signature: string, out: Uint8Array, at = 0): boolean {
  if (signature.length - at !== 43) return false
  let o = 0
  for (let i = at; i < at + 40; i += 4) {
    const a = sixtet(signature, i)
    const b = sixtet(signature, i + 1)
    const c = sixtet(signature, i + 2)
    const d = sixtet(signature, i + 3)
    if ((a | b | c | d) < 0) return false
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 15) << 4) | (c >> 2)
    out[o++] = ((c & 3) << 6) | d
  }
  const a = sixtet(signature, at + 40)
  const b = sixtet(signature, at + 41)
  const c = sixtet(signature, at + 42)
  if ((a | b | c) < 0 || (c & 3) !== 0) return false
  out[30] = (a << 2) | (b >> 4)
  out[31] = ((b & 15) << 4) | (c >> 2)
  return true
}

const SCRATCH = new Uint8Array(32)

/** Whether a signature is 43 base64url characters in their one canonical spelling: what decodeSignature accepts. */
export function isCanonicalSignature(signature: string): boolean {
  return decodeSignature(signature, SCRATCH)
}

/** Whether every character of `text` is one of base64url's 64. */
export function isBase64Url(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (sixtet(text, i) < 0) return false
  return true
}

/** The 6-bit value of the base64url character at `i`, or -1. */
export function sixtet(text: string, i: number): number {
  const c = text.charCodeAt(i)
  return c < 128 ? SIXTET[c] : -1
}

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63] + BASE64URL[(n >>> 6) & 63] + BASE64URL[n & 63]
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63]
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63] + BASE64URL[(n >>> 6) & 63]
  }
  return out
}

/** Strict base64url (no padding, canonical last character) decoded, or undefined. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let value = 0
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const v = sixtet(text, i)
    if (v < 0) return undefined
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >> bits) & 255
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return undefined
  return out
}
