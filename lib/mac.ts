// The Node MAC: HMAC-SHA256 on node:crypto, computed and compared for the Node signer.
import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto'
import type { KeyMaterial } from './keys.js'

/** A key ready for HMAC-SHA256. */
export type MacKey = KeyObject

/** Prepares a validated secret once, at signer creation; throws a TypeError for a KeyObject from elsewhere. */
export function macKey(material: KeyMaterial): MacKey {
  if (material.keyObject === undefined) return createSecretKey(material.bytes)
  if (!(material.keyObject instanceof KeyObject))
    throw new TypeError('createSigner: a KeyObject must come from node:crypto')
  return material.keyObject
}

/** The MAC of a message (its UTF-8 bytes), in base64url: a link's signature. */
export function macBase64Url(key: MacKey, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url')
}

/** Whether `signature` (32 bytes) is the MAC of `message`; constant time (timingSafeEqual on 32 bytes each). */
export function macMatches(key: MacKey, message: string, signature: Uint8Array): boolean {
  return timingSafeEqual(createHmac('sha256', key).update(message).digest(), signature)
}
