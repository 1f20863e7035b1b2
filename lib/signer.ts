import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto'
import { decodeSignature } from './base64url.js'
import { encodeGrant } from './grant-cookie.js'
import type { KeyMaterial } from './keys.js'
import type { ParsedLink } from './link-format.js'
import { createSignerCore, refuse, type Grant, type GrantOptions, type SignerOptions, type SignOptions, type VerifyOptions, type VerifyResult } from './signer-core.js'

export type { Grant, GrantOptions, KeyOptions, SignerOptions, SignOptions, VerifyOptions, VerifyResult } from './signer-core.js'

/** Makes and checks signed links; pure and synchronous, with no dependency on Express. */
export interface Signer {
  /** Returns a signed link for a decoded path; throws a TypeError on a non-canonical path or a bad expiry. */
  sign(path: string, options?: SignOptions): string
  /** Checks a URL (path and query, or absolute), or the grants given with it; never throws on a bad URL. */
  verify(url: string, options?: VerifyOptions): VerifyResult
  /** Signs a grant of a whole folder (ending in `/`), for a cookie; throws a TypeError on a bad folder or expiry. */
  grant(folder: string, options?: GrantOptions): Grant
}

/**
 * Creates a signer from validated options; throws a TypeError naming any bad option.
 *
 * @example
 * const signer = createSigner({ key: process.env.SIGNING_KEY, ttl: '10m' })
 * signer.sign('private/image.png') // '/private/image.png?expiry=1765432100&method=get&signature=…'
 * signer.verify('/private/image.png?expiry=1765432100&method=get&signature=…') // { ok: true, … }
 */
export function createSigner(options: Readonly<SignerOptions>): Signer {
  return buildSigner('createSigner', options)
}

/** Builds a signer for a factory; `known` lists the option names it accepts (the guards accept more). */
export function buildSigner(factory: string, options: unknown, known?: ReadonlySet<string>): Signer {
  const core = createSignerCore(factory, options, toKeyObject, known)
  const { ring } = core
  // Reused by every verify: verification is synchronous, so no two calls can share it at once.
  const expected = Buffer.alloc(32)

  function sign(path: string, signOptions?: SignOptions): string {
    const { message, link } = core.prepareSign(path, signOptions)
    return link + createHmac('sha256', ring.signing).update(message).digest('base64url')
  }

  function verify(url: string, verifyOptions?: VerifyOptions): VerifyResult {
    const link = core.prepareVerify(url, verifyOptions)
    if ('ok' in link) {
      const grants = verifyOptions?.grants
      return link.error.code === 'ERR_SIGNATURE_MISSING' && grants !== undefined ? verifyGrants(url, grants, link) : link
    }
    return check(link)
  }

  // A URL without a signature may be covered by a folder grant: the first good one wins; otherwise the refusal
  // of the last grant that covered the path (forged, expired), or the missing signature if none did.
  function verifyGrants(url: string, grants: NonNullable<VerifyOptions['grants']>, missing: VerifyResult): VerifyResult {
    let result = missing
    for (const grant of core.grantsFor(url, grants)) {
      result = check(grant)
      if (result.ok) return result
    }
    return result
  }

  function check(link: ParsedLink): VerifyResult {
    const { message } = link
    if (!decodeSignature(link.signature, expected)) return refuse('ERR_QUERY_MALFORMED')
    let matched = false
    if (link.kid !== undefined) {
      // The link names its key: one HMAC, whatever the number of keys. An unknown id is just a bad signature.
      const key = ring.byId.get(link.kid)
      matched = key !== undefined && timingSafeEqual(createHmac('sha256', key).update(message).digest(), expected)
    } else {
      for (const key of ring.anonymous) {
        if (timingSafeEqual(createHmac('sha256', key).update(message).digest(), expected)) {
          matched = true
          break
        }
      }
    }
    return core.finishVerify(link, matched)
  }

  function grant(folder: string, grantOptions?: GrantOptions): Grant {
    const { message, folder: relative, expiry, maxAge } = core.prepareGrant(folder, grantOptions)
    const signature = createHmac('sha256', ring.signing).update(message).digest('base64url')
    return { value: encodeGrant(relative, expiry, ring.signingId, signature), folder: relative, expiresAt: expiry, maxAge }
  }

  return { sign, verify, grant }
}

function toKeyObject(material: KeyMaterial): KeyObject {
  if (material.keyObject === undefined) return createSecretKey(material.bytes)
  if (!(material.keyObject instanceof KeyObject)) throw new TypeError('createSigner: a KeyObject must come from node:crypto')
  return material.keyObject
}
