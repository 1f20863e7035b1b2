// The Web Crypto MAC: HMAC-SHA256 on crypto.subtle, for the web signer (no `node:` imports).
import { toBase64Url } from '../util/base64url.js'
import type { KeyMaterial } from './keys.js'

const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const
const encoder = new TextEncoder()

/** Imports a validated secret once, at signer creation; throws a TypeError for a Node KeyObject. */
export function webMacKey(subtle: SubtleCrypto, material: KeyMaterial): Promise<CryptoKey> {
  if (material.bytes === undefined)
    throw new TypeError('createWebSigner: a KeyObject is Node-only; pass the secret as a string or bytes')
  const key = subtle.importKey('raw', material.bytes as Uint8Array<ArrayBuffer>, HMAC, false, ['sign', 'verify'])
  key.catch(() => {}) // the error surfaces where the key is awaited; no unhandled rejection meanwhile
  return key
}

/** The MAC of a message (its UTF-8 bytes), in base64url: a link's signature. */
export async function webMacBase64Url(subtle: SubtleCrypto, key: Promise<CryptoKey>, message: string): Promise<string> {
  return toBase64Url(new Uint8Array(await subtle.sign('HMAC', await key, encoder.encode(message))))
}

/**
 * A MAC check for one verification: whether `signature` (32 bytes) is the MAC of `message`. subtle.verify compares
 * in constant time; the message is encoded once per link, not once per key tried.
 */
export function webMacMatcher(
  subtle: SubtleCrypto,
): (check: { key: Promise<CryptoKey>; message: string; signature: Uint8Array }) => Promise<boolean> {
  let encodedFor: string | undefined
  let encoded = new Uint8Array(0)
  return async ({ key, message, signature }) => {
    const cryptoKey = await key
    if (message !== encodedFor) {
      encoded = encoder.encode(message)
      encodedFor = message
    }
    return subtle.verify('HMAC', cryptoKey, signature as Uint8Array<ArrayBuffer>, encoded)
  }
}
