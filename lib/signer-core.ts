import { parseGrant } from './grant-cookie.js'
import { linkQuery, parseLink, readPath, stringToSign, type ParsedLink } from './link-format.js'
import { canonicalLinkPath, folderDepth, folderOf, isCanonicalPath, MAX_SCOPE } from './link-path.js'
import { SignedUrlError, type SignedUrlErrorCode } from './errors.js'
import { createKeyRing, type KeyMaterial, type KeyRing } from './keys.js'
import { asOptions, assertKnownOptions, describeValue, kind, toSeconds, type Duration } from './option-checks.js'
import {
  SIGNER_OPTIONS,
  type GrantOptions,
  type Refusal,
  type SignerOptions,
  type SignOptions,
  type VerifyOptions,
  type VerifyResult,
} from './signer-options.js'

/** Everything a signer does that is not cryptography, shared by the Node and the Web Crypto signers. */
export interface SignerCore<K> {
  readonly ring: KeyRing<K>
  /** The string to sign for a path and options, and the link it becomes once the signature is appended. */
  prepareSign(path: string, options: SignOptions | undefined): { message: string; link: string }
  /** The link read from a URL, with its string to sign; or the refusal (method, path, query). */
  prepareVerify(url: string, options: VerifyOptions | undefined): ParsedLink | Refusal
  /** The result for a link whose signature has been checked: refused, expired, or good. */
  finishVerify(link: ParsedLink, matched: boolean): VerifyResult
  /** The string to sign for a folder grant, and what the grant will say once signed. */
  prepareGrant(
    folder: string,
    options: GrantOptions | undefined,
  ): { message: string; folder: string; expiry: number; maxAge: number }
  /** The grants whose folder covers the URL's path (at most 8), as links to check; empty when none does. */
  grantsFor(url: string, grants: VerifyOptions['grants']): ParsedLink[]
}

const LOOKS_LIKE_MILLISECONDS = 1e11 // Unix seconds reach 1e11 in the year 5138
const ORIGIN = /^https?:\/\/[^/?#@\s]+\/?$/

/** Validates signer options (throwing TypeErrors that name them) and builds the shared core. */
export function createSignerCore<K>(
  factory: string,
  options: unknown,
  toKey: (material: KeyMaterial) => K,
  known = SIGNER_OPTIONS,
): SignerCore<K> {
  const opts = asOptions<SignerOptions>(factory, options)
  assertKnownOptions(factory, opts, known)
  const ring = createKeyRing(factory, opts, toKey)
  const maxTtl = seconds(factory, 'maxTtl', opts.maxTtl ?? '7d', 1)
  const ttl = seconds(factory, 'ttl', opts.ttl ?? Math.min(3600, maxTtl), 1)
  if (ttl > maxTtl) throw new TypeError(`${factory}: "ttl" (${ttl} s) must not exceed "maxTtl" (${maxTtl} s)`)
  const tolerance = seconds(factory, 'clockTolerance', opts.clockTolerance ?? 0, 0)
  const now = opts.now ?? Date.now
  if (typeof now !== 'function')
    throw new TypeError(`${factory}: "now" must be a function returning milliseconds, got ${describeValue(now)}`)
  const origin = toOrigin(factory, opts.baseUrl)

  function prepareSign(path: string, signOptions: SignOptions | undefined): { message: string; link: string } {
    if (typeof path !== 'string') throw new TypeError(`sign: path must be a string, got ${describeValue(path)}`)
    const relative = path.charCodeAt(0) === 0x2f /* / */ ? path.slice(1) : path
    const linkPath = canonicalLinkPath(relative)
    if (linkPath === undefined) {
      throw new TypeError(
        `sign: path ${JSON.stringify(path.slice(0, 200))} is not canonical (empty, ".", ".." or empty segments, "\\" or control characters)`,
      )
    }
    const expiry = expiryOf(signOptions)
    if (signOptions?.scope === undefined) {
      return {
        message: stringToSign(relative, expiry, ring.signingId),
        link: `${origin}/${linkPath}${linkQuery(expiry, ring.signingId)}`,
      }
    }
    const folder = scopeFolder(relative, signOptions.scope)
    const segments = folderDepth(folder)
    return {
      message: stringToSign(folder, expiry, ring.signingId, segments),
      link: `${origin}/${linkPath}${linkQuery(expiry, ring.signingId, segments)}`,
    }
  }

  function expiryOf(signOptions: SignOptions | undefined): number {
    const current = Math.floor(now() / 1000)
    if (signOptions === undefined) return current + ttl
    const o = asOptions<{ ttl: Duration; expiresAt: Date | number }>('sign', signOptions)
    if (o.ttl !== undefined && o.expiresAt !== undefined)
      throw new TypeError('sign: give either "ttl" or "expiresAt", not both')
    if (o.expiresAt === undefined) {
      const lifetime = o.ttl === undefined ? ttl : seconds('sign', 'ttl', o.ttl, 1)
      if (lifetime > maxTtl) throw new TypeError(`sign: "ttl" (${lifetime} s) exceeds "maxTtl" (${maxTtl} s)`)
      return current + lifetime
    }
    const expiry = expiresAtSeconds(o.expiresAt)
    if (expiry <= current) throw new TypeError(`sign: "expiresAt" (${expiry}) is not in the future`)
    if (expiry - current > maxTtl)
      throw new TypeError(`sign: "expiresAt" is ${expiry - current} s away, beyond "maxTtl" (${maxTtl} s)`)
    return expiry
  }

  function prepareVerify(url: string, verifyOptions: VerifyOptions | undefined): ParsedLink | Refusal {
    const method = verifyOptions?.method ?? 'GET'
    if (method !== 'GET' && method !== 'HEAD' && !(typeof method === 'string' && /^(?:get|head)$/i.test(method))) {
      return refuse('ERR_METHOD_NOT_ALLOWED')
    }
    if (typeof url !== 'string') return refuse('ERR_PATH_NOT_CANONICAL')
    const link = parseLink(url)
    return typeof link === 'string' ? refuse(link) : link
  }

  function finishVerify(link: ParsedLink, matched: boolean): VerifyResult {
    // The MAC is checked before the expiry, so an expiry can't be probed without a valid signature.
    if (!matched) return refuse('ERR_SIGNATURE_INVALID')
    const nowS = now() / 1000
    if (Math.floor(nowS) >= link.expiry + tolerance) return refuse('ERR_URL_EXPIRED')
    // Rounded down, so a cache lifetime never outlasts the link by a fraction of a second.
    const secondsLeft = Math.max(0, Math.floor(link.expiry - nowS))
    if (link.scope === undefined) return { ok: true, path: link.path, expiresAt: link.expiry, secondsLeft }
    return { ok: true, path: link.path, expiresAt: link.expiry, secondsLeft, folder: folderOf(link.path, link.scope) }
  }

  function prepareGrant(folder: string, grantOptions: GrantOptions | undefined) {
    if (typeof folder !== 'string') throw new TypeError(`grant: folder must be a string, got ${describeValue(folder)}`)
    const relative = scopeFolder(folder.charCodeAt(0) === 0x2f /* / */ ? folder.slice(1) : folder, 'prefix')
    const expiry = expiryOf(grantOptions)
    const segments = folderDepth(relative)
    return {
      message: stringToSign(relative, expiry, ring.signingId, segments),
      folder: relative,
      expiry,
      maxAge: expiry - Math.floor(now() / 1000),
    }
  }

  function grantsFor(url: string, given: VerifyOptions['grants']): ParsedLink[] {
    const found: ParsedLink[] = []
    const grants = typeof given === 'function' ? given() : given
    if (grants === undefined || grants.length === 0) return found
    const path = readPath(url)
    if (path === undefined) return found
    // Values that do not parse or do not cover the path cost no HMAC and are skipped before counting, so junk
    // cookies with deeper Paths (sent first) cannot push a good grant out; at most 8 HMACs per request.
    for (let i = 0; i < grants.length && found.length < 8; i++) {
      const grant = typeof grants[i] === 'string' ? parseGrant(grants[i]) : undefined
      if (grant === undefined || !path.startsWith(grant.path)) continue
      // The grant's message signs its folder; what it serves is the path requested.
      found.push({ ...grant, path })
    }
    return found
  }

  return { ring, prepareSign, prepareVerify, finishVerify, prepareGrant, grantsFor }
}

/** The folder a `scope` option names, checked: a canonical folder (ending in `/`) that contains the path. */
export function scopeFolder(relative: string, scope: unknown): string {
  const folder =
    scope === 'prefix'
      ? relative
      : typeof scope === 'string' && scope.charCodeAt(0) === 0x2f /* / */
        ? scope.slice(1)
        : scope
  if (typeof folder !== 'string' || !folder.endsWith('/') || !isCanonicalPath(folder)) {
    const what = scope === 'prefix' ? `the folder ${JSON.stringify(relative.slice(0, 200))}` : describeValue(scope)
    throw new TypeError(
      `sign: "scope" must be 'prefix' (for a path ending in "/") or a folder ending in "/", got ${what}`,
    )
  }
  if (!relative.startsWith(folder))
    throw new TypeError(`sign: "scope" ${JSON.stringify(folder)} does not contain the path`)
  if (folderDepth(folder) > MAX_SCOPE) throw new TypeError(`sign: "scope" may be at most ${MAX_SCOPE} folders deep`)
  return folder
}

/** A refusal with a fresh SignedUrlError. */
export function refuse(code: SignedUrlErrorCode): Refusal {
  return { ok: false, error: new SignedUrlError(code) }
}

function seconds(factory: string, name: string, value: unknown, min: number): number {
  const result = toSeconds(value)
  if (result === undefined || result < min) {
    const what = min > 0 ? 'a positive whole number of seconds' : 'a whole number of seconds'
    throw new TypeError(`${factory}: "${name}" must be ${what} or a string such as '10m', got ${describeValue(value)}`)
  }
  return result
}

function expiresAtSeconds(value: unknown): number {
  const expiry = value instanceof Date ? Math.floor(value.getTime() / 1000) : value
  if (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry <= 0) {
    throw new TypeError(`sign: "expiresAt" must be a Date or whole Unix seconds, got ${describeValue(value)}`)
  }
  if (expiry >= LOOKS_LIKE_MILLISECONDS) {
    throw new TypeError(`sign: "expiresAt" must be Unix time in seconds; ${expiry} looks like milliseconds`)
  }
  return expiry
}

function toOrigin(factory: string, baseUrl: unknown): string {
  if (baseUrl === undefined) return ''
  if (typeof baseUrl !== 'string' || !ORIGIN.test(baseUrl)) {
    throw new TypeError(
      `${factory}: "baseUrl" must be an http(s) origin such as 'https://files.example.com', got ${kind(baseUrl)}`,
    )
  }
  try {
    return new URL(baseUrl).origin
  } catch {
    throw new TypeError(`${factory}: "baseUrl" is not a valid URL, got ${kind(baseUrl)}`)
  }
}
