// The Web Crypto entry point, `express-signed-url/web`: no `node:` imports and no Express, for edge runtimes,
// server actions, workers and browsers. Same options and same links as `createSigner`.
import { toBase64Url } from './base64url.js'
import { encodeGrant } from './grant-cookie.js'
import type { KeyMaterial } from './keys.js'
import { runAsync, verification } from './verification.js'
import { createSignerCore } from './signer-core.js'
import type { Grant, GrantOptions, SignerOptions, SignOptions, VerifyOptions, VerifyResult } from './signer-options.js'

export { SignedUrlError } from './errors.js'
export type { SignedUrlErrorCode } from './errors.js'
export { parseKeyList } from './keys.js'
export { grantsFromCookies } from './grant-cookie.js'
export type { IdentifiedSecret, Secret } from './keys.js'
export type { Duration } from './option-checks.js'
export type {
  Grant,
  GrantOptions,
  KeyOptions,
  SignerOptions,
  SignOptions,
  VerifyOptions,
  VerifyResult,
} from './signer-options.js'

/** Makes and checks signed links with Web Crypto; the same links as the Node signer, asynchronously. */
export interface WebSigner {
  /** Resolves to a signed link for a decoded path; throws a TypeError (synchronously) on a non-canonical path or a bad expiry. */
  sign(path: string, options?: SignOptions): Promise<string>
  /** Checks a URL (path and query, or absolute), or the grants given with it; never rejects on a bad URL. */
  verify(url: string, options?: VerifyOptions): Promise<VerifyResult>
  /** Signs a grant of a whole folder (ending in `/`), for a cookie; throws a TypeError on a bad folder or expiry. */
  grant(folder: string, options?: GrantOptions): Promise<Grant>
}

const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const
const encoder = new TextEncoder()

/**
 * Creates a signer on `crypto.subtle` (HMAC-SHA256); throws a TypeError naming any bad option. Keys are imported
 * once, at creation.
 *
 * @example
 * import { createWebSigner } from 'express-signed-url/web'
 * const signer = createWebSigner({ key: process.env.SIGNING_KEY, ttl: '10m' })
 * const link = await signer.sign('private/image.png')
 */
export function createWebSigner(options: Readonly<SignerOptions>): WebSigner {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined)
    throw new TypeError('createWebSigner: this runtime has no Web Crypto (globalThis.crypto.subtle)')
  const core = createSignerCore('createWebSigner', options, (material) => importKey(subtle, material))
  const { ring } = core

  function sign(path: string, signOptions?: SignOptions): Promise<string> {
    const { message, link } = core.prepareSign(path, signOptions)
    return ring.signing.then(
      async (key) => link + toBase64Url(new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(message)))),
    )
  }

  function verify(url: string, verifyOptions?: VerifyOptions): Promise<VerifyResult> {
    // The message is encoded once per link, not once per key tried; subtle.verify compares in constant time.
    let encodedFor: string | undefined
    let encoded = new Uint8Array(0)
    return runAsync(verification(core, url, verifyOptions), async ({ key, message, signature }) => {
      const cryptoKey = await key
      if (message !== encodedFor) {
        encoded = encoder.encode(message)
        encodedFor = message
      }
      return subtle.verify('HMAC', cryptoKey, signature as Uint8Array<ArrayBuffer>, encoded)
    })
  }

  function grant(folder: string, grantOptions?: GrantOptions): Promise<Grant> {
    const { message, folder: relative, expiry, maxAge } = core.prepareGrant(folder, grantOptions)
    return ring.signing.then(async (key) => {
      const signature = toBase64Url(new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(message))))
      return {
        value: encodeGrant(relative, expiry, ring.signingId, signature),
        folder: relative,
        expiresAt: expiry,
        maxAge,
      }
    })
  }

  return { sign, verify, grant }
}

function importKey(subtle: SubtleCrypto, material: KeyMaterial): Promise<CryptoKey> {
  if (material.bytes === undefined)
    throw new TypeError('createWebSigner: a KeyObject is Node-only; pass the secret as a string or bytes')
  const key = subtle.importKey('raw', material.bytes as Uint8Array<ArrayBuffer>, HMAC, false, ['sign', 'verify'])
  key.catch(() => {}) // the error surfaces where the key is awaited; no unhandled rejection meanwhile
  return key
}
