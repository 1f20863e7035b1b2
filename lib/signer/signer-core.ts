import { parseGrant } from '../link/grant-cookie.js'
import type { LinkFields, ParsedLink, SignedFields } from '../link/link-fields.js'
import { readLink, signedQuery, stringToSign, type UnsignedTarget } from '../link/link-format.js'
import { canonicalLinkPath, folderDepth, hasDotSegment, scopeFolder } from '../link/link-path.js'
import { clientAllowed } from '../link/ip-range.js'
import type { KeyMaterial, KeyRing } from '../crypto/keys.js'
import { refuse, type Refusal } from '../util/errors.js'
import { describeValue, type Mutable } from '../util/option-checks.js'
import { extensionFields, grantOptionsOf, signOptionsOf } from './link-options.js'
import {
  SIGNER_OPTIONS,
  type GrantOptions,
  type SignOptions,
  type VerifyOptions,
  type VerifyResult,
} from './signer-options.js'
import { readSignerSettings } from './signer-settings.js'
import { verifiedResult } from './verified-result.js'

/** Everything a signer does that is not cryptography, shared by the Node and the Web Crypto signers. */
export interface SignerCore<K> {
  readonly ring: KeyRing<K>
  /** Seconds a link stays good past its expiry (its `clockTolerance`, checked). */
  readonly tolerance: number
  /** The string to sign for a path and options, and the link it becomes once the signature is appended. */
  prepareSign(path: string, options: SignOptions | undefined): { message: string; link: string }
  /** The link read from a URL, with its string to sign; or the refusal (method, path, query). */
  prepareVerify(url: string, options: VerifyOptions | undefined): ParsedLink | UnsignedTarget | Refusal
  /** The keys to try for a link: the one it names (none for an unknown id), else every key without an id. */
  keysFor(kid: string | undefined): readonly K[]
  /** The result for a link whose signature has been checked: refused (expired, not yet valid, bound elsewhere), or good. */
  finishVerify(
    link: LinkFields & { readonly signature: string },
    matched: boolean,
    options: VerifyOptions | undefined,
  ): VerifyResult
  /** The string to sign for a folder grant, and what the grant will say once signed. */
  prepareGrant(
    folder: string,
    options: GrantOptions | undefined,
  ): { message: string; folder: string; expiry: number; maxAge: number }
  /** The grants whose folder covers a decoded path (at most 8), as links to check; empty when none does. */
  grantsFor(path: string, grants: VerifyOptions['grants']): ParsedLink[]
}

/** Validates signer options (throwing TypeErrors that name them) and builds the shared core. */
export function createSignerCore<K>(
  factory: string,
  options: unknown,
  toKey: (material: KeyMaterial) => K,
  known = SIGNER_OPTIONS,
): SignerCore<K> {
  const { ring, now, tolerance, timesOf, origin, stampIssued } = readSignerSettings(factory, options, toKey, known)

  function prepareSign(path: string, signOptions: SignOptions | undefined): { message: string; link: string } {
    if (typeof path !== 'string') throw new TypeError(`sign: path must be a string, got ${describeValue(path)}`)
    const relative = path.charCodeAt(0) === 0x2f /* / */ ? path.slice(1) : path
    const linkPath = canonicalLinkPath(relative)
    if (linkPath === undefined) {
      throw new TypeError(
        `sign: path ${JSON.stringify(path.slice(0, 200))} is not canonical (empty, ".", ".." or empty segments, "\\" or control characters)`,
      )
    }
    // Names and values first, so a typo or a null is reported as such.
    const opts = signOptions === undefined ? undefined : signOptionsOf(signOptions)
    // With a stableFor window, issued is the window's start: the links of one window stay identical.
    const { expiry, issued } = timesOf(signOptions)
    if (opts === undefined) {
      // The common call from a template: v1 and the key id, as signedQuery writes them; nothing else to check.
      let query = `?expiry=${expiry}&method=get${ring.signingId === undefined ? '' : `&kid=${ring.signingId}`}`
      if (stampIssued) query += `&issued=${issued}`
      return { message: relative + query, link: `${origin}/${linkPath}${query}&signature=` }
    }
    const fields = extensionFields(opts, expiry)
    fields.expiry = expiry
    fields.kid = ring.signingId
    if (stampIssued) fields.issued = issued
    assertFieldsFitPath(fields, relative)
    let signed = relative
    if (opts.scope !== undefined) {
      signed = scopeFolder(relative, opts.scope)
      fields.scope = folderDepth(signed)
    }
    // One query for both: the string to sign is the signed path and the query the link carries.
    const query = signedQuery(fields as LinkFields)
    return { message: signed + query, link: `${origin}/${linkPath}${query}&signature=` }
  }

  // A link that names its key costs one HMAC, whatever the number of keys; an unknown id is just a bad signature.
  function keysFor(kid: string | undefined): readonly K[] {
    if (kid === undefined) return ring.anonymous
    const named = ring.byId.get(kid)
    return named === undefined ? [] : [named]
  }

  function finishVerify(
    link: LinkFields & { readonly signature: string },
    matched: boolean,
    verifyOptions: VerifyOptions | undefined,
  ): VerifyResult {
    // The MAC is checked before every other field, so none can be probed without a valid signature.
    if (!matched) return refuse('ERR_SIGNATURE_INVALID')
    const nowS = now() / 1000
    if (Math.floor(nowS) >= link.expiry + tolerance) return refuse('ERR_URL_EXPIRED')
    if (link.notBefore !== undefined && Math.floor(nowS) + tolerance < link.notBefore)
      return refuse('ERR_URL_NOT_YET_VALID')
    if (link.ip !== undefined && !clientAllowed(link.ip, verifyOptions?.ip)) return refuse('ERR_IP_NOT_ALLOWED')
    // Rounded down, so a cache lifetime never outlasts the link by a fraction of a second.
    return verifiedResult(link, Math.max(0, Math.floor(link.expiry - nowS)))
  }

  function prepareGrant(folder: string, grantOptions: GrantOptions | undefined) {
    if (typeof folder !== 'string') throw new TypeError(`grant: folder must be a string, got ${describeValue(folder)}`)
    const relative = scopeFolder(folder.charCodeAt(0) === 0x2f /* / */ ? folder.slice(1) : folder, 'prefix')
    grantOptionsOf(grantOptions)
    const { expiry } = timesOf(grantOptions, 'grant')
    return {
      message: stringToSign(relative, { expiry, kid: ring.signingId, scope: folderDepth(relative) }),
      folder: relative,
      expiry,
      maxAge: expiry - Math.floor(now() / 1000),
    }
  }

  return { ring, tolerance, prepareSign, prepareVerify, keysFor, finishVerify, prepareGrant, grantsFor }
}

// The fields that name one file (a use budget, an upload, a download name) refused on a folder's path.
function assertFieldsFitPath(fields: Partial<SignedFields>, relative: string): void {
  if (fields.uses !== undefined && relative.endsWith('/'))
    throw new TypeError('sign: "uses" is for a link to one file, not a folder (a path ending in "/")')
  if (fields.method === 'put' && (relative.endsWith('/') || hasDotSegment(relative)))
    throw new TypeError("sign: an upload link (method: 'put') names a file: not a folder, nor a dotfile")
  if (fields.disposition !== undefined && relative.endsWith('/'))
    throw new TypeError('sign: "filename" and "disposition" are for one file, not a folder (a path ending in "/")')
}

// The link read from a URL (or the refusal): the same for every signer, so outside the factory.
function prepareVerify(url: string, verifyOptions: VerifyOptions | undefined): ParsedLink | UnsignedTarget | Refusal {
  const method = verifyOptions?.method ?? 'GET'
  // GET and HEAD read, PUT writes; the method a link allows is signed, so a request of the other kind is refused.
  const reads = method === 'GET' || method === 'HEAD' || (typeof method === 'string' && /^(?:get|head)$/i.test(method))
  const writes = !reads && typeof method === 'string' && /^put$/i.test(method)
  if (!reads && !writes) return refuse('ERR_METHOD_NOT_ALLOWED')
  if (typeof url !== 'string') return refuse('ERR_PATH_NOT_CANONICAL')
  const link = readLink(url)
  if (typeof link === 'string') return refuse(link)
  // An upload is never allowed by a folder grant: only by its own link.
  if ('unsigned' in link) return writes ? refuse('ERR_SIGNATURE_MISSING') : link
  return (link.method === 'put') === writes ? link : refuse('ERR_METHOD_NOT_ALLOWED')
}

function grantsFor(path: string, given: VerifyOptions['grants']): ParsedLink[] {
  const found: ParsedLink[] = []
  const grants = typeof given === 'function' ? given() : given
  if (grants === undefined || grants.length === 0) return found
  // Values that do not parse or do not cover the path cost no HMAC and are skipped before counting, so junk
  // cookies with deeper Paths (sent first) cannot push a good grant out; at most 8 HMACs per request.
  for (let i = 0; i < grants.length && found.length < 8; i++) {
    const grant = typeof grants[i] === 'string' ? parseGrant(grants[i]) : undefined
    if (grant === undefined || !path.startsWith(grant.path)) continue
    // The grant's message signs its folder; what it serves is the path requested (the grant is a fresh object).
    ;(grant as Mutable<ParsedLink>).path = path
    found.push(grant)
  }
  return found
}
