import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import parseUrl from 'parseurl'
import serveStatic from 'serve-static'
import { decodePath } from './canonical'
import { SignedUrlError } from './errors'
import { asOptions, assertKnownOptions, describe } from './options'
import { buildSigner, type Signer, type SignerOptions } from './signer'

type Next = (err?: unknown) => void
/** A Connect/Express middleware; `req`/`res` are Node's, so Express's and Connect's objects both fit. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Called instead of the default refusal; render a page, or pass the error on with `next(err)`. */
export type RejectHandler = (err: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Options shared by both guards: where the signer comes from, and how refusals look. */
export type GuardOptions = (
  | { /** A signer from `createSigner`. */ signer: Signer; key?: never; keys?: never }
  | (SignerOptions & { signer?: never })
) & {
  /** Status for every refusal: 403, or 404 to hide that the path exists. Default `403`. */
  status?: 403 | 404
  /** Status for a valid but expired link: 403, 404 or 410. Default: `status`. */
  expiredStatus?: 403 | 404 | 410
  /** Replaces the default refusal (a short text body with `Cache-Control: no-store`). */
  onReject?: RejectHandler
}

/** Options of {@link requireSignature}. */
export type RequireSignatureOptions = GuardOptions

/** Options of {@link signedStatic}: the guard's, plus serve-static's (`express.static`'s). */
export type SignedStaticOptions = GuardOptions & Omit<serveStatic.ServeStaticOptions, 'setHeaders'> & {
  /** As in serve-static; runs before the guard sets `Cache-Control`, which it cannot override. */
  setHeaders?: (res: ServerResponse, path: string, stat: import('node:fs').Stats) => void
}

const GUARD_OPTIONS = ['signer', 'key', 'keys', 'ttl', 'maxTtl', 'clockTolerance', 'baseUrl', 'now', 'status', 'expiredStatus', 'onReject']
const BOOLEAN = [(v: unknown) => typeof v === 'boolean', 'must be a boolean'] as const
const NAMES = [(v: unknown) => v === false || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  'must be false, a string or an array of strings'] as const
/** serve-static's options with their checks: send would check some only on the first request, and throw there. */
const STATIC_OPTIONS: Record<string, readonly [(v: unknown) => boolean, string]> = {
  acceptRanges: BOOLEAN, cacheControl: BOOLEAN, etag: BOOLEAN, fallthrough: BOOLEAN, immutable: BOOLEAN,
  lastModified: BOOLEAN, redirect: BOOLEAN, extensions: NAMES, index: NAMES,
  dotfiles: [(v) => v === 'allow' || v === 'deny' || v === 'ignore', "must be 'allow', 'deny' or 'ignore'"],
  maxAge: [(v) => (typeof v === 'number' && v >= 0) || typeof v === 'string', "must be milliseconds or a string such as '1d'"],
  setHeaders: [(v) => typeof v === 'function', 'must be a function'],
}
const kCacheControl = Symbol('express-signed-url.cacheControl')

/**
 * Refuses requests whose link is missing, forged, expired or for another path; passes the rest on with
 * `Cache-Control: private, max-age=<seconds left>`. Throws a TypeError on bad options.
 *
 * @example
 * app.get('/reports/:id.pdf', requireSignature({ key: process.env.SIGNING_KEY }), sendReport)
 */
export function requireSignature(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('requireSignature', options, new Set(GUARD_OPTIONS))
  return function requireSignatureMiddleware(req, res, next) {
    const cacheControl = guard(req, res, next, false)
    if (cacheControl === undefined) return
    res.setHeader('Cache-Control', cacheControl)
    next()
  }
}

/**
 * Serves a folder through serve-static (what `express.static` is) only to requests with a valid signed link
 * for the exact file. Defaults: dotfiles ignored, no directory redirect. Throws a TypeError on bad options.
 *
 * @example
 * app.use('/private', signedStatic(path.join(__dirname, 'private'), { key: process.env.SIGNING_KEY }))
 */
export function signedStatic(root: string, options: Readonly<SignedStaticOptions>): Middleware {
  if (typeof root !== 'string' || root.length === 0) {
    throw new TypeError(`signedStatic: "root" must be a folder path, got ${describe(root)}`)
  }
  const opts = asOptions<SignedStaticOptions>('signedStatic', options)
  const guard = createGuard('signedStatic', opts, new Set([...GUARD_OPTIONS, ...Object.keys(STATIC_OPTIONS)]))
  const userSetHeaders = opts.setHeaders
  const staticOptions: serveStatic.ServeStaticOptions<ServerResponse> = {}
  for (const [name, [isValid, expected]] of Object.entries(STATIC_OPTIONS)) {
    const value = (opts as Record<string, unknown>)[name]
    if (value === undefined) continue
    if (!isValid(value)) throw new TypeError(`signedStatic: "${name}" ${expected}, got ${describe(value)}`)
    ;(staticOptions as Record<string, unknown>)[name] = value
  }
  staticOptions.dotfiles = opts.dotfiles ?? 'ignore'
  // serve-static's redirect from /dir to /dir/ keeps the query but changes the signed path: off by default.
  staticOptions.redirect = opts.redirect ?? false
  // Runs only once a file was found (also before a 304), so a fall-through 404 gets no cacheable header; it
  // runs after the user's setHeaders so no maxAge or setHeaders outlives the link.
  staticOptions.setHeaders = function setSignedHeaders(res, path, stat) {
    if (userSetHeaders) userSetHeaders(res, path, stat)
    res.setHeader('Cache-Control', (res as ServerResponse & { [kCacheControl]: string })[kCacheControl])
  }
  const serve = serveStatic(root, staticOptions)

  return function signedStaticMiddleware(req, res, next) {
    const cacheControl = guard(req, res, next, true)
    if (cacheControl === undefined) return
    ;(res as ServerResponse & { [kCacheControl]: string })[kCacheControl] = cacheControl
    serve(req, res, next)
  }
}

type Guard = (req: IncomingMessage, res: ServerResponse, next: Next, servesFiles: boolean) => string | undefined

// Returns the Cache-Control value for an accepted request; for a refused one it has already answered (or
// called next(err)) and returns undefined.
function createGuard(factory: string, options: unknown, known: ReadonlySet<string>): Guard {
  const opts = asOptions<SignedStaticOptions>(factory, options)
  assertKnownOptions(factory, opts, known)
  const signer = toSigner(factory, opts)
  const status = pick(factory, 'status', opts.status, [403, 404], 403)
  const expiredStatus = pick(factory, 'expiredStatus', opts.expiredStatus, [403, 404, 410], status)
  const onReject = opts.onReject ?? respondRefused
  if (typeof onReject !== 'function') throw new TypeError(`${factory}: "onReject" must be a function, got ${describe(onReject)}`)

  function reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next): undefined {
    error.status = error.code === 'ERR_URL_EXPIRED' ? expiredStatus : status
    try {
      onReject(error, req, res, next)
    } catch (err) {
      next(err)
    }
    return undefined
  }

  return function guard(req, res, next, servesFiles) {
    let result
    try {
      // The original URL, not req.url: under a mount req.url has lost its prefix, and a signature for
      // /a/x.png must not open /b/x.png.
      result = signer.verify((req as { originalUrl?: string }).originalUrl ?? req.url ?? '', { method: req.method })
    } catch (err) {
      next(err)
      return undefined
    }
    if (!result.ok) return reject(result.error, req, res, next)
    if (servesFiles && !servesSignedPath(result.path, parseUrl(req)?.pathname ?? undefined)) {
      return reject(new SignedUrlError('ERR_PATH_MISMATCH'), req, res, next)
    }
    return `private, max-age=${result.secondsLeft}`
  }
}

// The mount-relative path serve-static will open must be the signed path, or its tail on a segment boundary
// (connect mounts `/private` also match `/private.png`, leaving `/.png` to serve).
function servesSignedPath(signedPath: string, rawServed: string | undefined): boolean {
  if (rawServed === undefined) return false
  if (rawServed === '/') return signedPath.endsWith('/')
  const served = decodePath(rawServed)
  if (served === undefined) return false
  const start = signedPath.length - served.length - 1
  if (start < -1) return false
  if (start === -1) return signedPath === served
  return signedPath.charCodeAt(start) === 47 && signedPath.endsWith(served)
}

function toSigner(factory: string, opts: Readonly<Partial<SignedStaticOptions>>): Signer {
  const { signer } = opts
  if (signer === undefined) return buildSigner(factory, pickSignerOptions(opts))
  if (opts.key !== undefined || opts.keys !== undefined) {
    throw new TypeError(`${factory}: give either "signer" or "key"/"keys", not both`)
  }
  if (typeof signer !== 'object' || signer === null || typeof signer.verify !== 'function') {
    throw new TypeError(`${factory}: "signer" must come from createSigner(), got ${describe(signer)}`)
  }
  return signer
}

function pickSignerOptions(opts: Readonly<Partial<SignedStaticOptions>>): Partial<SignerOptions> {
  const { key, keys, ttl, maxTtl, clockTolerance, baseUrl, now } = opts as Partial<SignerOptions>
  return { key, keys, ttl, maxTtl, clockTolerance, baseUrl, now } as Partial<SignerOptions>
}

function pick<T extends number>(factory: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${factory}: "${name}" must be one of ${allowed.join(', ')}, got ${describe(value)}`)
  }
  return value as T
}

const BODIES = new Map([403, 404, 410].map((code) => [code, Buffer.from(`${STATUS_CODES[code]}\n`)]))

/**
 * The default refusal: `err.status`, a short text body and `Cache-Control: no-store`; nothing about the link.
 * Call it from an `onReject` hook that only wants to log or count before refusing as usual.
 */
export function respondRefused(err: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next): void {
  if (res.headersSent) return next(err)
  const body = BODIES.get(err.status) ?? BODIES.get(403)!
  res.statusCode = err.status
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Content-Length', body.length)
  res.end(req.method === 'HEAD' ? undefined : body)
}
