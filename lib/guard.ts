import cluster from 'node:cluster'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { create as contentDisposition } from 'content-disposition'
import { grantsFromCookies } from './grant-cookie.js'
import { cookieName } from './set-grant-cookie.js'
import { stackless, type SignedUrlError } from './errors.js'
import { asOptions, assertKnownOptions, booleanOption, describeValue, kind } from './option-checks.js'
import { logRefusal } from './refusal-log.js'
import { clientAddress, readRequestTarget } from './request-target.js'
import { forwardRefusal, respondRefused } from './refusal.js'
import { decodePath } from './link-path.js'
import { localsOf } from './locals.js'
import { buildSigner, toleranceOf, type Signer } from './signer.js'
import { SIGNER_OPTIONS, type SignerOptions, type VerifyResult } from './signer-options.js'
import { MAX_CLOCK_TOLERANCE } from './link-lifetime.js'
import { defaultStore, STATE_SLACK_SECONDS, storeOf, type LinkStore } from './store.js'
import { keptOf, LEASE_SECONDS, TAIL_BYTES, type UseAsk } from './use-budget.js'

/** What a guard verified, on `res.locals.signedLink` for the handlers after it. */
export type VerifiedLink = Extract<VerifyResult, { ok: true }>

export type Next = (err?: unknown) => void
/** A Connect/Express middleware; `req`/`res` are Node's, so Express's and Connect's objects both fit. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Called instead of the default refusal; render a page, or pass the error on with `next(err)`. */
export type RejectHandler = (err: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Options shared by both guards: where the signer comes from, and how refusals look. */
export type GuardOptions = (
  | {
      /** A signer from `createSigner` (the guards only call its `verify`). */ signer: Pick<Signer, 'verify'>
      key?: never
      keys?: never
    }
  | (SignerOptions & { signer?: never })
) & {
  /** Status for every refusal: 403, or 404 to hide that the path exists. Default `403`. */
  status?: 403 | 404
  /** Status for a valid but expired link: 403, 404 or 410. Default: `status`. */
  expiredStatus?: 403 | 404 | 410
  /** Replaces the default refusal (a short text body with `Cache-Control: no-store`). */
  onReject?: RejectHandler
  /**
   * Sends every refusal to `next(err)` (a SignedUrlError with `status` set), so the app's error handler renders
   * it, instead of the default refusal. Not with `onReject`. Default `false`.
   */
  forwardRefusals?: boolean
  /** Name of the folder-grant cookie (see `res.locals.grantAccess`). Default `'signed-grant'`. */
  grantCookie?: string
  /**
   * Where revocations and use counts are kept: `createMemoryStore()` (one process) or `createRedisStore()` (many).
   * Default: one memory store shared by every guard of this process given none.
   */
  store?: LinkStore
  /**
   * Refuse every link (503, `ERR_STORE_UNAVAILABLE`) while this process's copy of the revocations may be behind
   * (cut off from a shared store). Default `false`: links are checked against the copy as it stands.
   */
  strictRevocation?: boolean
  /**
   * Serve a limited-use link without counting it when the store cannot answer. Default `false`: refused with 503
   * and `ERR_STORE_UNAVAILABLE`, as a link must never be served more often than it allows.
   */
  dangerouslyAllowWhenStoreDown?: boolean
}

/** Options of {@link requireSignature}. */
export type RequireSignatureOptions = GuardOptions

/** What a guard verified, and the headers of a served response: the link's lifetime, and its download name. */
export interface SignedHeaders {
  readonly cacheControl: string
  readonly contentDisposition?: string
  readonly link: VerifiedLink
  /** The target the next handler acts on (`req.url` in origin-form), as the guard read it once. */
  readonly served: string
}

/**
 * The file under `folder` (absolute) that a verified request acts on, as serve-static opens it: the served target
 * decoded once, and joined segment by segment. Undefined when the target does not decode.
 */
export function servedFile(folder: string, headers: SignedHeaders): { relative: string; file: string } | undefined {
  const relative = decodePath(headers.served.split('?')[0])
  return relative === undefined ? undefined : { relative, file: path.join(folder, ...relative.split('/')) }
}

/** A guard's per-request check: SignedHeaders, or undefined for a refusal it has answered (or passed on). */
export type Guard = ((req: IncomingMessage, res: ServerResponse, next: Next) => SignedHeaders | undefined) & {
  /** Refuses as the options say (a fixed `status` for refusals of a body, not of a link). */
  reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, status?: number): void
  /**
   * Holds what a response of a limited-use link may send (`ask`) in the store, then calls `proceed`; refuses when
   * the link has not that much left (410), when only its running responses hold it past a short wait (503 with
   * Retry-After), or when the store cannot answer (503). When the response ends it keeps what it sent: with
   * `bytes`, the body bytes that went out of the file's (`ask.size`), leaving the end of a response cut off (or
   * reset unread) as a claim a later request may be credited for; else all of `ask.amount` for a 2xx response.
   * Anything but a 2xx response keeps nothing.
   */
  count(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
    link: VerifiedLink,
    ask: UseAsk,
    meter: 'bytes' | 'response',
    proceed: () => void,
  ): void
}

/** Every option a guard takes: the signer's (one list, in signer-options), or a signer, and the guard's own. */
export const GUARD_OPTIONS: readonly string[] = [
  'signer',
  ...SIGNER_OPTIONS,
  'status',
  'expiredStatus',
  'onReject',
  'forwardRefusals',
  'grantCookie',
  'store',
  'strictRevocation',
  'dangerouslyAllowWhenStoreDown',
]

/**
 * Refuses requests whose link is missing, forged, expired, not yet valid or bound to other addresses; passes the
 * rest on with `Cache-Control: private, max-age=<seconds left>` (and the link's `Content-Disposition`, which the
 * handler may still replace). Throws a TypeError on bad options.
 *
 * @example
 * app.get('/reports/:id.pdf', requireSignature({ key: process.env.SIGNING_KEY }), sendReport)
 */
export function requireSignature(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('requireSignature', options, new Set(GUARD_OPTIONS))
  return function requireSignatureMiddleware(req, res, next) {
    const headers = guard(req, res, next)
    if (headers === undefined) return
    res.setHeader('Cache-Control', headers.cacheControl)
    if (headers.contentDisposition !== undefined) res.setHeader('Content-Disposition', headers.contentDisposition)
    // A limited-use link: here one use is one request the handler answers 2xx.
    const { uses } = headers.link
    if (uses === undefined) next()
    else guard.count(req, res, next, headers.link, requestUses(uses), 'response', () => next())
  }
}

/**
 * Answers whether a link may be served, without serving or counting it: 204, or the guard's refusal (revoked,
 * forged, expired...). For a front server that serves the files itself and asks the app first, such as nginx's
 * `auth_request` (examples/nginx/revocation.conf), which sends the original target as this request's. Limited-use
 * links are let through uncounted: the front server must count or refuse them (nginx refuses them). Throws a
 * TypeError on bad options.
 */
export function revocationCheck(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('revocationCheck', options, new Set(GUARD_OPTIONS))
  return function revocationCheckMiddleware(req, res, next) {
    if (guard(req, res, next) === undefined) return
    res.statusCode = 204
    res.setHeader('Cache-Control', 'no-store')
    res.end()
  }
}

/** Validates the guard options once and returns the per-request check; throws a TypeError on bad options. */
export function createGuard(
  factory: string,
  options: unknown,
  known: ReadonlySet<string>,
  takes: 'reads' | 'PUT' = 'reads',
): Guard {
  const opts = asOptions<GuardOptions>(factory, options)
  assertKnownOptions(factory, opts, known)
  const signer = guardSigner(factory, opts)
  // A use count must outlive the last second the guard accepts its link: the signer's tolerance, or for a signer
  // not made by createSigner (one that cannot say), the most any may have.
  const tolerance = toleranceOf(signer, MAX_CLOCK_TOLERANCE)
  const status = pick(factory, 'status', opts.status, [403, 404], 403)
  const expiredStatus = pick(factory, 'expiredStatus', opts.expiredStatus, [403, 404, 410], status)
  const grantCookie = cookieName(factory, opts.grantCookie)
  const forward = booleanOption(factory, 'forwardRefusals', opts.forwardRefusals)
  if (forward && opts.onReject !== undefined)
    throw new TypeError(`${factory}: give either "onReject" or "forwardRefusals", not both`)
  const onReject = forward ? forwardRefusal : (opts.onReject ?? respondRefused)
  if (typeof onReject !== 'function')
    throw new TypeError(`${factory}: "onReject" must be a function, got ${describeValue(onReject)}`)
  const given = storeOf(factory, opts.store)
  const store = given ?? defaultStore()
  const strict = booleanOption(factory, 'strictRevocation', opts.strictRevocation)
  const allowWhenDown = booleanOption(factory, 'dangerouslyAllowWhenStoreDown', opts.dangerouslyAllowWhenStoreDown)

  function reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, fixed?: number): void {
    error.status = fixed ?? (error.code === 'ERR_URL_EXPIRED' ? expiredStatus : status)
    logRefusal(error, req)
    // What an earlier guard verified no longer holds for this request.
    const locals = (res as { locals?: Record<string, unknown> }).locals
    if (locals !== undefined && 'signedLink' in locals) delete locals.signedLink
    try {
      onReject(error, req, res, next)
    } catch (err) {
      next(err)
    }
  }

  return Object.assign(
    function check(req: IncomingMessage, res: ServerResponse, next: Next) {
      // One reading of the target, before any other work: the string verified is the one the routers cut their
      // mounts from and serve-static opens, and req.url is exactly what the mounts left of it.
      const target = readRequestTarget(req)
      if (typeof target === 'string') {
        reject(stackless(target), req, res, next)
        return undefined
      }
      let result
      try {
        // A signature in the URL is checked first; grant cookies are read only when the URL carries none.
        // Only a header as Node parses it (a string): a request object built by other code may hold anything.
        const cookie = (req.headers as IncomingMessage['headers'] | undefined)?.cookie
        const grants = typeof cookie === 'string' ? () => grantsFromCookies(cookie, grantCookie) : undefined
        // A request object without a method (made by other code) is refused, never taken as a GET.
        const method = typeof req.method === 'string' ? req.method : ''
        result = signer.verify(target.target, { method, grants, ip: () => clientAddress(req) })
      } catch (err) {
        next(err)
        return undefined
      }
      if (!result.ok) {
        reject(result.error, req, res, next)
        return undefined
      }
      // The guards only read: an upload link, even on a PUT it allows, is signedUpload's, never theirs.
      if ((result.method === 'put') !== (takes === 'PUT')) {
        reject(stackless('ERR_METHOD_NOT_ALLOWED'), req, res, next)
        return undefined
      }
      let revoked: boolean
      try {
        revoked = store.revoked(result)
      } catch {
        // A store that cannot say (one of the app's own making, failing): refused, never served on a guess.
        unavailable(req, res, next)
        return undefined
      }
      if (revoked) {
        reject(stackless('ERR_LINK_REVOKED'), req, res, next)
        return undefined
      }
      if (strict && !store.current) {
        unavailable(req, res, next)
        return undefined
      }
      localsOf(res).signedLink = result
      const cacheControl = `private, max-age=${result.secondsLeft}`
      // The name was checked when the link was read (no control characters, at most 255 bytes): this cannot throw.
      const { served } = target
      if (result.disposition === undefined) return { cacheControl, link: result, served }
      const disposition = contentDisposition(result.filename, { type: result.disposition })
      return { cacheControl, contentDisposition: disposition, link: result, served }
    },
    { reject, count },
  )

  function unavailable(req: IncomingMessage, res: ServerResponse, next: Next): void {
    res.setHeader('Retry-After', '5')
    reject(stackless('ERR_STORE_UNAVAILABLE'), req, res, next, 503)
  }

  function count(...[req, res, next, link, ask, meter, proceed]: Parameters<Guard['count']>): void {
    if (given === undefined) warnIfShared(factory)
    const { signature } = link
    const until = link.expiresAt + tolerance + STATE_SLACK_SECONDS
    // The client may have gone before this was called (signedStatic reads the file's size first), or while the
    // store answers: a request whose response closed holds nothing, and stops waiting.
    const gone = () =>
      res.destroyed || res.writableEnded || (req.socket as { destroyed?: boolean } | null)?.destroyed === true
    const attempt = (tries: number): void => {
      if (gone()) return
      store.take(signature, ask, until).then(
        (answer) => {
          if (answer === 'spent') reject(stackless('ERR_USES_EXHAUSTED'), req, res, next, 410)
          else if (typeof answer === 'number') serveCounted(answer)
          // Held only by responses still running: most end within moments (a client cut them off to ask again).
          else if (gone()) return
          else if (tries < WAITS.length) setTimeout(() => attempt(tries + 1), WAITS[tries]).unref()
          else {
            res.setHeader('Retry-After', '1')
            reject(stackless('ERR_USES_BUSY'), req, res, next, 503)
          }
        },
        () => {
          if (allowWhenDown) go()
          else unavailable(req, res, next)
        },
      )
    }
    attempt(0)

    function go(): void {
      try {
        proceed()
      } catch (err) {
        next(err)
      }
    }

    function serveCounted(ticket: number): void {
      if (ask.amount === 0) {
        go()
        return
      }
      // The client went away while the store answered: nothing was sent.
      if (gone()) {
        store.settle(signature, ticket, ask, 0).catch(() => undefined)
        return
      }
      let sent = 0
      // Never more than was held: a file that grew since its size was read is cut off there.
      if (meter === 'bytes') countBody(res, ask.size === 0 ? 0 : ask.end - ask.start, (length) => (sent += length))
      // A response that runs longer than a lease says again that it holds what it holds.
      const renewing = setInterval(() => void store.renew(signature).catch(() => undefined), (LEASE_SECONDS * 1000) / 3)
      renewing.unref()
      let settled = false
      const settle = () => {
        if (settled) return
        settled = true
        clearInterval(renewing)
        const served = res.headersSent && res.statusCode >= 200 && res.statusCode < 300
        let kept = 0
        let tail: [number, number] | undefined
        if (served && meter === 'response') kept = ask.amount
        else if (served) {
          kept = ask.size === 0 ? ask.amount : keptOf(sent, ask.size)
          const start = firstByte(res)
          // Cut off: the end of what went out may still have been in the kernel's buffers when it closed.
          if (!res.writableFinished) tail = tailOf(start, sent)
          else if (ask.size > 0) watchUnread(req, { store, signature, ticket, ask, tail: tailOf(start, sent) })
        }
        store.settle(signature, ticket, ask, kept, tail).catch(() => undefined)
      }
      res.once('finish', settle).once('close', settle)
      go()
    }
  }
}

// A request at requireSignature is one use of `uses`, kept when the handler answers 2xx.
function requestUses(uses: number): UseAsk {
  return { amount: 1, limit: uses, resend: 0, start: 0, end: 0, size: 0 }
}

// How long a request whose budget only running responses hold waits for it, step by step (ms; 4.6 s in all),
// before 503. A resumed or seeking client asks again once it has cut its earlier response off, and that response
// ends within milliseconds; a download manager's segments on a one-use link wait for its first response (aria2c's,
// at 8 MB/s on loopback, about 2 s, until that response had sent the whole file and they got 410).
const WAITS = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000]

// The bytes of the file a response sends from: a 206's Content-Range start, else 0.
function firstByte(res: ServerResponse): number {
  const range = res.statusCode === 206 ? res.getHeader('Content-Range') : undefined
  const start = typeof range === 'string' ? /^bytes (\d+)-/.exec(range)?.[1] : undefined
  return start === undefined ? 0 : Number(start)
}

function tailOf(start: number, sent: number): [number, number] {
  return [start + Math.max(0, sent - TAIL_BYTES), start + sent]
}

// Counts the body bytes handed to the connection (as they are written, which is at least what reached the kernel),
// and cuts the response off (destroys it) rather than write past `cap` bytes.
function countBody(res: ServerResponse, cap: number, add: (length: number) => void): void {
  let sent = 0
  // The length of a chunk, or -1 when it would pass the cap (the response is then destroyed, the chunk unsent).
  const measure = (chunk: unknown, encoding: unknown): number => {
    let length = 0
    if (typeof chunk === 'string')
      length = Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    else if (chunk instanceof Uint8Array) length = chunk.byteLength
    // Only a 2xx body is the file's (an error page keeps nothing).
    if (res.statusCode < 200 || res.statusCode >= 300) return length
    if (sent + length > cap) {
      res.destroy()
      return -1
    }
    sent += length
    add(length)
    return length
  }
  // Called on the response as Node's own are: `this` is the response.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { write, end } = res
  res.write = function countedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (measure(chunk, rest[0]) < 0) return false
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof res.write
  res.end = function countedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function' && measure(chunk, rest[0]) < 0) return this
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest)
  } as typeof res.end
}

const kUnread = Symbol('express-signed-url.unread')
interface Unread {
  store: LinkStore
  signature: string
  ticket: number
  ask: UseAsk
  tail: [number, number]
  read?: number
}
type WatchedSocket = NonNullable<IncomingMessage['socket']> & { [kUnread]?: Unread }

// A response that finished may still sit unread in the kernel's buffers: a client that closes a connection with
// data unread resets it (a video player seeking elsewhere). A reset before another request comes on the connection
// leaves the response's end as a claim. One listener per connection, for its latest response.
function watchUnread(req: IncomingMessage, unread: Unread): void {
  const socket = req.socket as WatchedSocket | null
  if (socket === null || socket.destroyed) return
  if (socket[kUnread] === undefined)
    socket.once('close', (hadError: boolean) => {
      const last = socket[kUnread]
      // Bytes read after the response finished are a later request: this one was read to its end.
      if (hadError && last !== undefined && socket.bytesRead === last.read)
        last.store.settle(last.signature, last.ticket, { ...last.ask, amount: 0 }, 0, last.tail).catch(() => undefined)
    })
  socket[kUnread] = { ...unread, read: socket.bytesRead }
}

let warned = false
// A guard without a store counts uses in this process alone: wrong when the app runs as several processes, which
// it can tell for Node's cluster. Once per process.
function warnIfShared(factory: string): void {
  if (warned || !cluster.isWorker) return
  warned = true
  process.emitWarning(
    `${factory}: limited-use links are counted in this process's memory, but this is a cluster worker: each ` +
      'worker counts on its own, so a link may be used more often than it allows. Give the guards a shared store ' +
      '(createRedisStore).',
    { code: 'EXPRESS_SIGNED_URL_MEMORY_STORE' },
  )
}

// The guard's signer: the one given, or one built from the signer options among the guard's (SIGNER_OPTIONS, so an
// option added to the signer reaches the guards without a second list).
function guardSigner(factory: string, opts: Readonly<Partial<GuardOptions>>): Pick<Signer, 'verify'> {
  const { signer } = opts as { signer?: Pick<Signer, 'verify'> }
  const signerOptions: Record<string, unknown> = {}
  for (const name of SIGNER_OPTIONS) signerOptions[name] = (opts as Record<string, unknown>)[name]
  if (signer === undefined) return buildSigner(factory, signerOptions)
  // Options beside a signer would be silently ignored: the signer was configured when it was created.
  const ignored = Object.keys(signerOptions).filter((name) => signerOptions[name] !== undefined)
  if (ignored.length > 0) {
    throw new TypeError(
      `${factory}: give either "signer" or signer options, not both: set ${ignored.map((n) => `"${n}"`).join(', ')} in createSigner()`,
    )
  }
  if (typeof signer !== 'object' || signer === null || typeof signer.verify !== 'function') {
    throw new TypeError(`${factory}: "signer" must come from createSigner(), got ${kind(signer)}`)
  }
  return signer
}

function pick<T extends number>(factory: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${factory}: "${name}" must be one of ${allowed.join(', ')}, got ${describeValue(value)}`)
  }
  return value as T
}
