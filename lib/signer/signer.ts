import { encodeGrant } from '../link/grant-cookie.js'
import { macBase64Url, macKey, macMatches, macMatchesText, type MacKey } from '../crypto/mac.js'
import { runSync, verification, verifyPlainSync, type MacCheck } from './verification.js'
import { createSignerCore } from './signer-core.js'
import { checkVerifyOptions } from './link-options.js'
import type { Grant, GrantOptions, SignerOptions, SignOptions, VerifyOptions, VerifyResult } from './signer-options.js'

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
  const core = createSignerCore(factory, options, macKey, known)
  const { ring } = core

  function sign(path: string, signOptions?: SignOptions): string {
    const { message, link } = core.prepareSign(path, signOptions)
    return link + macBase64Url(ring.signing, message)
  }

  function verify(url: string, verifyOptions?: VerifyOptions): VerifyResult {
    // Once, before either path: a misspelt option must not verify a link for any method, fast path or not.
    if (verifyOptions !== undefined) checkVerifyOptions(verifyOptions)
    // The common shape is read in one pass; every other URL, and every refusal, takes the general steps.
    return (
      verifyPlainSync(core, url, verifyOptions, macMatchesText) ??
      runSync(verification(core, url, verifyOptions), matches)
    )
  }

  function grant(folder: string, grantOptions?: GrantOptions): Grant {
    const { message, folder: relative, expiry, maxAge } = core.prepareGrant(folder, grantOptions)
    const signature = macBase64Url(ring.signing, message)
    return {
      value: encodeGrant(relative, expiry, ring.signingId, signature),
      folder: relative,
      expiresAt: expiry,
      maxAge,
    }
  }

  const signer = { sign, verify, grant }
  TOLERANCE.set(signer, core.tolerance)
  return signer
}

// The clockTolerance of each signer built here, for a guard given one: its use counts must outlive the last second
// the signer accepts a link. Kept beside the signer, not on it: the Signer type stays sign, verify and grant.
const TOLERANCE = new WeakMap<object, number>()

/** A signer's clockTolerance in seconds; `fallback` for one not built by this package (it cannot say). */
export function toleranceOf(signer: object, fallback: number): number {
  return TOLERANCE.get(signer) ?? fallback
}

function matches({ key, message, signature }: MacCheck<MacKey>): boolean {
  return macMatches(key, message, signature)
}
