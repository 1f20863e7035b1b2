// The Web Crypto signer: the shared core and verification steps, with the MAC on crypto.subtle.
import { encodeGrant } from '../link/grant-cookie.js'
import { runAsync, verification } from './verification.js'
import { createSignerCore } from './signer-core.js'
import { checkVerifyOptions } from './link-options.js'
import { webMacBase64Url, webMacKey, webMacMatcher } from '../crypto/web-mac.js'
import type { Grant, GrantOptions, SignerOptions, SignOptions, VerifyOptions, VerifyResult } from './signer-options.js'

/** Makes and checks signed links with Web Crypto; the same links as the Node signer, asynchronously. */
export interface WebSigner {
  /** Resolves to a signed link for a decoded path; throws a TypeError (synchronously) on a non-canonical path or a bad expiry. */
  sign(path: string, options?: SignOptions): Promise<string>
  /** Checks a URL (path and query, or absolute), or the grants given with it; never rejects on a bad URL. */
  verify(url: string, options?: VerifyOptions): Promise<VerifyResult>
  /** Signs a grant of a whole folder (ending in `/`), for a cookie; throws a TypeError on a bad folder or expiry. */
  grant(folder: string, options?: GrantOptions): Promise<Grant>
}

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
  const core = createSignerCore('createWebSigner', options, (material) => webMacKey(subtle, material))
  const { ring } = core

  function sign(path: string, signOptions?: SignOptions): Promise<string> {
    const { message, link } = core.prepareSign(path, signOptions)
    return webMacBase64Url(subtle, ring.signing, message).then((signature) => link + signature)
  }

  function verify(url: string, verifyOptions?: VerifyOptions): Promise<VerifyResult> {
    // Bad options throw at once, as sign's do; only a bad URL is an answer.
    if (verifyOptions !== undefined) checkVerifyOptions(verifyOptions)
    return runAsync(verification(core, url, verifyOptions), webMacMatcher(subtle))
  }

  function grant(folder: string, grantOptions?: GrantOptions): Promise<Grant> {
    const { message, folder: relative, expiry, maxAge } = core.prepareGrant(folder, grantOptions)
    return webMacBase64Url(subtle, ring.signing, message).then((signature) => ({
      value: encodeGrant(relative, expiry, ring.signingId, signature),
      folder: relative,
      expiresAt: expiry,
      maxAge,
    }))
  }

  return { sign, verify, grant }
}
