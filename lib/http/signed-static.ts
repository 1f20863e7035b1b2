import { promises as fs, type Stats } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import parseRange from 'range-parser'
import serveStatic from 'serve-static'
import { createGuard, servedFile } from './guard.js'
import { GUARD_OPTIONS, type GuardOptions } from './guard-options.js'
import type { Middleware, SignedHeaders } from './middleware.js'
import { readCors, type CorsOptions, type CorsRules } from './cors.js'
import { asOptions, describeValue } from '../util/option-checks.js'
import { USE, useCost, type UseAsk } from '../store/use-budget.js'

/**
 * The serve-static (`express.static`) options signedStatic passes on, typed here so the package's types need no
 * `@types/serve-static` or `@types/express`. `extensions` is refused: a link names its exact file.
 */
export interface StaticOptions {
  /** Answer Range requests. Default `true`. */
  acceptRanges?: boolean
  /** Send serve-static's own `Cache-Control` (the guard replaces it with the link's lifetime). Default `true`. */
  cacheControl?: boolean
  /** Dotfiles: `'ignore'` (the default here), `'deny'` or `'allow'`. */
  dotfiles?: 'allow' | 'deny' | 'ignore'
  /** Send ETags. Default `true`. */
  etag?: boolean
  /** Always `false`: a link names its exact file. */
  extensions?: false
  /** Pass a missing file on with `next()` (true), or answer 404 (false). Default `true`. */
  fallthrough?: boolean
  /** Add `immutable` to serve-static's Cache-Control. Default `false`. */
  immutable?: boolean
  /** The folder index file(s), or `false`. Default `'index.html'`. */
  index?: false | string | string[]
  /** Send Last-Modified. Default `true`. */
  lastModified?: boolean
  /** serve-static's max-age (the guard caps the header at the link's lifetime): milliseconds or `'1d'`. */
  maxAge?: number | string
  /** Redirect a folder without its `/` (changes the signed path). Default `false` here. */
  redirect?: boolean
  /** As in serve-static; runs before the guard sets `Cache-Control` (and a link's `Content-Disposition`), which it cannot override. */
  setHeaders?: (res: ServerResponse, path: string, stat: Stats) => void
}

/** Options of {@link signedStatic}: the guard's, serve-static's (`express.static`'s), and who may read across origins. */
export type SignedStaticOptions = GuardOptions &
  StaticOptions & {
    /** Let pages on these origins read the files (fetch, canvas, `<video crossorigin>`). Default: none. */
    cors?: CorsOptions
  }

/** What a page on another origin needs to read a file: ranges, and the headers a player or a download reads. */
const CORS: CorsRules = {
  methods: ['GET', 'HEAD'],
  headers: ['Range', 'If-Range'],
  exposed: ['Accept-Ranges', 'Content-Range', 'Content-Disposition', 'ETag', 'Last-Modified', 'Retry-After'],
}

const BOOLEAN = [(v: unknown) => typeof v === 'boolean', 'must be a boolean'] as const
const NAMES = [
  (v: unknown) => v === false || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  'must be false, a string or an array of strings',
] as const
/** serve-static's options with their checks: send would check some only on the first request, and throw there. */
const STATIC_OPTIONS: Record<string, readonly [(v: unknown) => boolean, string]> = {
  acceptRanges: BOOLEAN,
  cacheControl: BOOLEAN,
  etag: BOOLEAN,
  fallthrough: BOOLEAN,
  immutable: BOOLEAN,
  lastModified: BOOLEAN,
  redirect: BOOLEAN,
  index: NAMES,
  // serve-static would answer a link for `report` with `report.pdf` or `report.txt`, whichever exists: a link
  // must open the file it names, so the option is refused rather than passed on.
  extensions: [
    (v) => v === false,
    'is not supported: a link must name the exact file (sign "report.pdf", not "report")',
  ],
  dotfiles: [(v) => v === 'allow' || v === 'deny' || v === 'ignore', "must be 'allow', 'deny' or 'ignore'"],
  maxAge: [
    (v) => (typeof v === 'number' && v >= 0) || typeof v === 'string',
    "must be milliseconds or a string such as '1d'",
  ],
  setHeaders: [(v) => typeof v === 'function', 'must be a function'],
}
const KNOWN = new Set([...GUARD_OPTIONS, ...Object.keys(STATIC_OPTIONS), 'cors'])
const kHeaders = Symbol('express-signed-url.headers')
const kUncounted = Symbol('express-signed-url.uncounted')
type SignedResponse = ServerResponse & { [kHeaders]?: SignedHeaders; [kUncounted]?: boolean }

/**
 * Serves a folder through serve-static (what `express.static` is) only to requests with a valid signed link
 * for the exact file. Defaults: dotfiles ignored, no directory redirect. Throws a TypeError on bad options.
 *
 * @example
 * app.use('/private', signedStatic(path.join(__dirname, 'private'), { key: process.env.SIGNING_KEY }))
 */
export function signedStatic(root: string, options: Readonly<SignedStaticOptions>): Middleware {
  if (typeof root !== 'string' || root.length === 0) {
    throw new TypeError(`signedStatic: "root" must be a folder path, got ${describeValue(root)}`)
  }
  const opts = asOptions<SignedStaticOptions>('signedStatic', options)
  const guard = createGuard('signedStatic', opts, KNOWN)
  const cors = readCors('signedStatic', opts.cors, CORS)
  const staticOptions: serveStatic.ServeStaticOptions = {}
  for (const [name, [isValid, expected]] of Object.entries(STATIC_OPTIONS)) {
    const value = (opts as Record<string, unknown>)[name]
    if (value === undefined) continue
    if (!isValid(value)) throw new TypeError(`signedStatic: "${name}" ${expected}, got ${describeValue(value)}`)
    ;(staticOptions as Record<string, unknown>)[name] = value
  }
  staticOptions.dotfiles = opts.dotfiles ?? 'ignore'
  // serve-static's redirect from /dir to /dir/ keeps the query but changes the signed path: off by default.
  staticOptions.redirect = opts.redirect ?? false
  const userSetHeaders = opts.setHeaders
  // Runs only once a file was found (also before a 304), so a fall-through 404 gets no cacheable header; it
  // runs after the user's setHeaders so no maxAge or setHeaders outlives the link, and the link's download name
  // replaces any Content-Disposition set before (res.attachment) or by setHeaders.
  staticOptions.setHeaders = function setSignedHeaders(res: SignedResponse, path: string, stat: Stats) {
    if (userSetHeaders) userSetHeaders(res, path, stat)
    const headers = res[kHeaders]
    if (headers === undefined) return
    // A limited-use link whose file was not there when the guard looked (so nothing was counted): a file that
    // appeared since is not served uncounted. The client asks again, and is counted then.
    if (res[kUncounted] === true) {
      res.destroy()
      return
    }
    res.setHeader('Cache-Control', headers.cacheControl)
    // A private file is what its type says, never sniffed into a page (an uploaded .txt holding HTML).
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (headers.contentDisposition !== undefined) res.setHeader('Content-Disposition', headers.contentDisposition)
  }
  const serve = serveStatic(root, staticOptions)
  const folder = path.resolve(root)
  const ranges = staticOptions.acceptRanges !== false

  return function signedStaticMiddleware(req, res: SignedResponse, next) {
    if (cors?.(req, res) === true) return
    const headers = guard(req, res, next)
    if (headers === undefined) return
    res[kHeaders] = headers
    const { uses } = headers.link
    if (uses === undefined) {
      serve(req, res, next)
      return
    }
    // A limited-use link: its uses are counted in bytes (a use is the whole file's worth), reserved before
    // serving. Anything but a regular file serves no bytes (a 404, or next()), so is not counted.
    const target = servedFile(folder, headers)
    void (target === undefined ? Promise.resolve(undefined) : fs.stat(target.file).catch(() => undefined)).then(
      (stat) => {
        if (stat === undefined || !stat.isFile()) {
          res[kUncounted] = true
          serve(req, res, next)
          return
        }
        guard.count(req, res, next, headers.link, cost(req, stat.size, uses, ranges), 'bytes', () => {
          serve(req, res, next)
        })
      },
      next,
    )
  }
}

/**
 * What a request to a limited-use link asks of its budget (use-budget.ts), in millionths of a use: a use is the
 * file's whole size, as it is when each request comes (so a file that grows or shrinks does not reopen a used-up
 * link). A GET holds what serve-static may send: the one range asked for (as send reads Range, without If-Range),
 * else the whole file; and keeps what it sent. A HEAD holds nothing, though it is refused once nothing is left.
 */
function cost(req: IncomingMessage, size: number, uses: number, acceptRanges: boolean): UseAsk {
  const whole = useCost(size, uses)
  // Refused once the link's uses are spent, the rounding's allowance aside.
  if (req.method === 'HEAD') return { ...whole, amount: 0, limit: uses * USE, start: 0, end: 0, size }
  const range = req.headers.range
  if (size > 0 && acceptRanges && typeof range === 'string' && /^ *bytes=/.test(range) && !req.headers['if-range']) {
    const parsed = parseRange(size, range, { combine: true })
    if (typeof parsed !== 'number' && parsed.length === 1) {
      const { start, end } = parsed[0]
      return { ...useCost(size, uses, end - start + 1), start, end: end + 1, size }
    }
  }
  return { ...whole, start: 0, end: size, size }
}
