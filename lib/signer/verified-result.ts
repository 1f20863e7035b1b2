// A good verification result: what a link grants, made once its signature, its times and its addresses have passed.
import type { LinkFields } from '../link/link-fields.js'
import { folderOf } from '../link/link-path.js'
import type { Mutable } from '../util/option-checks.js'
import type { VerifyResult } from './signer-options.js'

/**
 * A good result. Its `signature` is a getter over a private field: kept out of a JSON dump of
 * res.locals.signedLink into a page or a log, and, unlike a property defined as not enumerable (about 300 ns per
 * verify, measured), as cheap to make as a plain object.
 */
class Verified {
  readonly ok = true as const
  readonly #signature: string
  constructor(
    readonly path: string,
    readonly expiresAt: number,
    readonly secondsLeft: number,
    signature: string,
  ) {
    this.#signature = signature
  }

  get signature(): string {
    return this.#signature
  }
}

/** The result for a link that passed every check, with `secondsLeft` of its lifetime; only the fields it carries. */
export function verifiedResult(
  link: LinkFields & { readonly signature: string },
  secondsLeft: number,
): Extract<VerifyResult, { ok: true }> {
  const result: Mutable<Extract<VerifyResult, { ok: true }>> = new Verified(
    link.path,
    link.expiry,
    secondsLeft,
    link.signature,
  )
  // Only the fields the link has: a folder for a grant or scope link, the id of the key that signed it if named.
  if (link.scope !== undefined) result.folder = folderOf(link.path, link.scope)
  if (link.kid !== undefined) result.kid = link.kid
  if (link.notBefore !== undefined) result.notBefore = link.notBefore
  if (link.ip !== undefined) result.ip = link.ip
  if (link.disposition !== undefined || link.filename !== undefined)
    result.disposition = link.disposition ?? 'attachment'
  if (link.filename !== undefined) result.filename = link.filename
  if (link.method !== undefined) result.method = link.method
  if (link.maxBytes !== undefined) result.maxBytes = link.maxBytes
  if (link.contentType !== undefined) result.contentType = link.contentType
  if (link.sha256 !== undefined) result.sha256 = link.sha256
  if (link.upload !== undefined) result.upload = link.upload
  if (link.issued !== undefined) result.issued = link.issued
  if (link.uses !== undefined) result.uses = link.uses
  return result
}
