import { createHmac, timingSafeEqual } from 'node:crypto'
import { decodeSignature, encodePath, isCanonicalPath, parseLink, stringToSign } from './canonical'
import { SignedUrlError } from './errors'
import { createKeyRing, type IdentifiedSecret, type Secret } from './keys'
import { asOptions, assertKnownOptions, describe, kind, toSeconds, type Duration } from './options'

/** Options of {@link createSigner}. Exactly one of `key` or `keys` is required. */
export type SignerOptions = KeyOptions & {
  /** Lifetime of a link when `sign` is given neither `ttl` nor `expiresAt`: seconds or `'10m'`. Default `'1h'`. */
  ttl?: Duration
  /** Longest lifetime `sign` will grant: seconds or `'7d'`. Default `'7d'`. */
  maxTtl?: Duration
  /** Seconds a link stays good past its expiry, for clocks that disagree between servers. Default `0`. */
  clockTolerance?: Duration
  /** Origin that makes links absolute, such as `'https://files.example.com'`. Default: none (links start `/`). */
  baseUrl?: string
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. Inject one in tests. */
  now?: () => number
}

/**
 * The secret(s): `key` for one, or `keys: [newest, ...older]` to rotate (the first signs, all verify). A key given
 * as `{ id, secret }` signs links that carry `kid=<id>`; those cost one HMAC to verify whatever the ring's size.
 */
export type KeyOptions =
  | { key: Secret | IdentifiedSecret; keys?: never }
  | { keys: readonly (Secret | IdentifiedSecret)[]; key?: never }

/** Per-link options of `sign`: a lifetime (`ttl`) or an absolute expiry (`expiresAt`), not both. */
export type SignOptions =
  | { ttl?: Duration; expiresAt?: never }
  | { /** A Date, or Unix time in seconds. */ expiresAt: Date | number; ttl?: never }

/** Options of `verify`. */
export interface VerifyOptions {
  /** The request method; only `GET` and `HEAD` are allowed by a v1 link. Default `'GET'`. */
  method?: string
}

/** What `verify` found: the signed path and expiry, or the reason for refusal. */
export type VerifyResult =
  | { ok: true; /** Decoded path without its leading `/`. */ path: string; /** Unix seconds. */ expiresAt: number; secondsLeft: number }
  | { ok: false; error: SignedUrlError }

/** Makes and checks signed links; pure and synchronous, with no dependency on Express. */
export interface Signer {
  /** Returns a signed link for a decoded path; throws a TypeError on a non-canonical path or a bad expiry. */
  sign(path: string, options?: SignOptions): string
  /** Checks a URL (path and query, or absolute); never throws on a bad URL. */
  verify(url: string, options?: VerifyOptions): VerifyResult
}

const KNOWN = new Set(['key', 'keys', 'ttl', 'maxTtl', 'clockTolerance', 'baseUrl', 'now'])
const LOOKS_LIKE_MILLISECONDS = 1e11 // Unix seconds reach 1e11 in the year 5138
const ORIGIN = /^https?:\/\/[^/?#@\s]+\/?$/

/**
 * Creates a signer from validated options; throws a TypeError naming any bad option.
 *
 * @example
 * const signer = createSigner({ key: process.env.SIGNING_KEY, ttl: '10m' })
 * signer.sign('private/image.png') // '/private/image.png?expiry=1765432100&method=get&signature=…'
 * signer.verify('/private/image.png?expiry=1765432100&method=get&signature=…') // { ok: true, … }
 */
export function createSigner(options: Readonly<SignerOptions>): Signer {
  const opts = asOptions<SignerOptions>('createSigner', options)
  assertKnownOptions('createSigner', opts, KNOWN)
  return buildSigner('createSigner', opts)
}

/** Builds a signer from options already checked for unknown names (the guards accept more options). */
export function buildSigner(factory: string, opts: Readonly<Partial<SignerOptions>>): Signer {
  const ring = createKeyRing(factory, opts)
  const maxTtl = seconds(factory, 'maxTtl', opts.maxTtl ?? '7d', 1)
  const ttl = seconds(factory, 'ttl', opts.ttl ?? Math.min(3600, maxTtl), 1)
  if (ttl > maxTtl) throw new TypeError(`${factory}: "ttl" (${ttl} s) must not exceed "maxTtl" (${maxTtl} s)`)
  const tolerance = seconds(factory, 'clockTolerance', opts.clockTolerance ?? 0, 0)
  const now = opts.now ?? Date.now
  if (typeof now !== 'function') throw new TypeError(`${factory}: "now" must be a function returning milliseconds, got ${describe(now)}`)
  const origin = toOrigin(factory, opts.baseUrl)
  // Reused by every verify: verification is synchronous, so no two calls can share it at once.
  const expected = Buffer.alloc(32)
  const kidParam = ring.signingId === undefined ? '' : `&kid=${ring.signingId}`

  function nowSeconds(): number {
    return Math.floor(now() / 1000)
  }

  function sign(path: string, signOptions?: SignOptions): string {
    if (typeof path !== 'string') throw new TypeError(`sign: path must be a string, got ${describe(path)}`)
    const relative = path.charCodeAt(0) === 47 ? path.slice(1) : path
    if (!isCanonicalPath(relative)) {
      throw new TypeError(`sign: path ${JSON.stringify(path.slice(0, 200))} is not canonical (empty, ".", ".." or empty segments, "\\" or control characters)`)
    }
    const expiry = expiryOf(signOptions)
    const signature = createHmac('sha256', ring.signing).update(stringToSign(relative, expiry, ring.signingId)).digest('base64url')
    return `${origin}/${encodePath(relative)}?expiry=${expiry}&method=get${kidParam}&signature=${signature}`
  }

  function expiryOf(signOptions: SignOptions | undefined): number {
    if (signOptions === undefined) return nowSeconds() + ttl
    const o = asOptions<{ ttl: Duration; expiresAt: Date | number }>('sign', signOptions)
    if (o.ttl !== undefined && o.expiresAt !== undefined) throw new TypeError('sign: give either "ttl" or "expiresAt", not both')
    const current = nowSeconds()
    if (o.expiresAt === undefined) {
      const lifetime = o.ttl === undefined ? ttl : seconds('sign', 'ttl', o.ttl, 1)
      if (lifetime > maxTtl) throw new TypeError(`sign: "ttl" (${lifetime} s) exceeds "maxTtl" (${maxTtl} s)`)
      return current + lifetime
    }
    const expiry = toExpiry(o.expiresAt)
    if (expiry <= current) throw new TypeError(`sign: "expiresAt" (${expiry}) is not in the future`)
    if (expiry - current > maxTtl) throw new TypeError(`sign: "expiresAt" is ${expiry - current} s away, beyond "maxTtl" (${maxTtl} s)`)
    return expiry
  }

  function verify(url: string, verifyOptions?: VerifyOptions): VerifyResult {
    const method = verifyOptions?.method ?? 'GET'
    if (method !== 'GET' && method !== 'HEAD' && !(typeof method === 'string' && /^(?:get|head)$/i.test(method))) {
      return refuse('ERR_METHOD_NOT_ALLOWED')
    }
    if (typeof url !== 'string') return refuse('ERR_PATH_NOT_CANONICAL')
    const link = parseLink(url)
    if (typeof link === 'string') return refuse(link)

    if (!decodeSignature(link.signature, expected)) return refuse('ERR_QUERY_MALFORMED')
    const message = stringToSign(link.path, link.expiry, link.kid)
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
    // The MAC is checked before the expiry, so an expiry can't be probed without a valid signature.
    if (!matched) return refuse('ERR_SIGNATURE_INVALID')
    const nowS = now() / 1000
    if (Math.floor(nowS) >= link.expiry + tolerance) return refuse('ERR_URL_EXPIRED')
    // Rounded down, so a cache lifetime never outlasts the link by a fraction of a second.
    const secondsLeft = Math.max(0, Math.floor(link.expiry - nowS))
    return { ok: true, path: link.path, expiresAt: link.expiry, secondsLeft }
  }

  return { sign, verify }
}

function refuse(code: SignedUrlError['code']): VerifyResult {
  return { ok: false, error: new SignedUrlError(code) }
}

function seconds(factory: string, name: string, value: unknown, min: number): number {
  const result = toSeconds(value)
  if (result === undefined || result < min) {
    const what = min > 0 ? 'a positive whole number of seconds' : 'a whole number of seconds'
    throw new TypeError(`${factory}: "${name}" must be ${what} or a string such as '10m', got ${describe(value)}`)
  }
  return result
}

function toExpiry(value: unknown): number {
  const expiry = value instanceof Date ? Math.floor(value.getTime() / 1000) : value
  if (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry <= 0) {
    throw new TypeError(`sign: "expiresAt" must be a Date or whole Unix seconds, got ${describe(value)}`)
  }
  if (expiry >= LOOKS_LIKE_MILLISECONDS) {
    throw new TypeError(`sign: "expiresAt" must be Unix time in seconds; ${expiry} looks like milliseconds`)
  }
  return expiry
}

function toOrigin(factory: string, baseUrl: unknown): string {
  if (baseUrl === undefined) return ''
  if (typeof baseUrl !== 'string' || !ORIGIN.test(baseUrl)) {
    throw new TypeError(`${factory}: "baseUrl" must be an http(s) origin such as 'https://files.example.com', got ${kind(baseUrl)}`)
  }
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new TypeError(`${factory}: "baseUrl" is not a valid URL, got ${kind(baseUrl)}`)
  }
  return url.origin
}
