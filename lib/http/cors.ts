// Cross-origin requests to a guarded folder: a page on one origin (an app) reading or uploading files on another (a
// files host). The guards answer the browser's preflight themselves for the methods they handle, and mark their
// answers to a listed origin as readable by it. Written here rather than taken from the `cors` package: a guard
// must answer only for its own methods and pass the rest on, which that package cannot do, and the rules are few.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { headerPairs, headersAt } from './header-pairs.js'
import {
  asOptions,
  assertKnownOptions,
  booleanOption,
  describeValue,
  toSeconds,
  type Duration,
} from '../util/option-checks.js'

/** Options of `cors` on {@link signedStatic} and {@link signedUpload}. */
export interface CorsOptions {
  /**
   * The origins whose pages may use the links, each as a browser sends it in `Origin`: `'https://app.example'`
   * (scheme, host and a port other than the default; no path). Or `['*']` for any origin, without credentials.
   */
  origins: readonly string[]
  /** Let the browser send cookies (a grant cookie) and read the answer: `Access-Control-Allow-Credentials`. Default `false`. */
  credentials?: boolean
  /** How long a browser may keep a preflight's answer: seconds or `'10m'`. Default `'10m'`. */
  maxAge?: Duration
}

/** What a middleware handles: the methods it answers, the request headers they need, the answer's headers to show. */
export interface CorsRules {
  readonly methods: readonly string[]
  readonly headers: readonly string[]
  readonly exposed: readonly string[]
  /**
   * Methods claimed only for requests that carry a header (lower case), or preflights that ask for it: tus's, which
   * all send Tus-Resumable, so a HEAD without it is signedStatic's and a POST without it the app's own route's.
   */
  readonly claims?: Readonly<Record<string, string>>
}

/**
 * Runs first for every request a middleware sees: `true` when it answered (a preflight for one of its methods),
 * `false` to go on (with the CORS headers set when the origin is listed and the method is the middleware's).
 */
export type Cors = (req: IncomingMessage, res: ServerResponse) => boolean

const KNOWN = new Set(['origins', 'credentials', 'maxAge'])

/** The `cors` option of `factory` read into its per-request check (undefined when the option is absent). */
export function readCors(factory: string, value: unknown, rules: CorsRules): Cors | undefined {
  if (value === undefined) return undefined
  const name = `${factory}: "cors"`
  const opts = asOptions<CorsOptions>(`${factory} cors`, value)
  assertKnownOptions(`${factory} cors`, opts, KNOWN)
  const origins = opts.origins
  if (!Array.isArray(origins) || origins.length === 0)
    throw new TypeError(`${name} needs "origins", a non-empty list such as ['https://app.example']`)
  const credentials = booleanOption(`${factory} cors`, 'credentials', opts.credentials)
  const any = origins.includes('*')
  if (any && origins.length > 1) throw new TypeError(`${name}: '*' stands alone in "origins"`)
  // '*' with credentials would let every site read what the user's cookies open: browsers refuse it, and so do we.
  if (any && credentials) throw new TypeError(`${name}: '*' cannot go with "credentials" (list the origins)`)
  if (!any) for (const origin of origins) checkOrigin(name, origin)
  const maxAge = toSeconds(opts.maxAge ?? '10m')
  if (maxAge === undefined)
    throw new TypeError(
      `${name}: "maxAge" must be whole seconds or a string such as '10m', got ${describeValue(opts.maxAge)}`,
    )
  return corsCheck({ allowed: new Set(origins), any, credentials, maxAge }, rules)
}

/** An origin exactly as a browser serializes it, or a TypeError saying what to write instead. */
function checkOrigin(name: string, origin: unknown): void {
  if (typeof origin !== 'string')
    throw new TypeError(
      `${name}: each origin must be a string such as 'https://app.example', got ${describeValue(origin)}`,
    )
  let url: URL | undefined
  try {
    url = new URL(origin)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new TypeError(
      `${name}: ${describeValue(origin)} is not an http or https origin such as 'https://app.example'`,
    )
  // An origin a browser never sends would never match: a trailing '/', a path, upper case, a default port.
  if (url.origin !== origin)
    throw new TypeError(`${name}: write ${describeValue(origin)} as a browser sends it: ${JSON.stringify(url.origin)}`)
}

interface CorsSettings {
  allowed: ReadonlySet<string>
  any: boolean
  credentials: boolean
  maxAge: number
}

function corsCheck(settings: CorsSettings, rules: CorsRules): Cors {
  const methods = rules.methods.join(', ')
  const headers = rules.headers.join(', ')
  const exposed = rules.exposed.join(', ')
  return function cors(req, res) {
    const origin = req.headers.origin
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
    const method = preflight ? req.headers['access-control-request-method'] : req.method
    // Not this middleware's method: another one's answer, with its own rules.
    if (typeof method !== 'string' || !rules.methods.includes(method)) return false
    const needs = rules.claims?.[method]
    if (needs !== undefined && !carries(req, preflight, needs)) return false
    if (origin === undefined) return false
    vary(res, 'Origin')
    const listed = settings.any || settings.allowed.has(origin)
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', settings.any ? '*' : origin)
      if (settings.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true')
    }
    if (!preflight) {
      if (listed) res.setHeader('Access-Control-Expose-Headers', exposed)
      return false
    }
    // A preflight is answered here, listed or not: an unlisted origin gets no Allow-Origin, and the browser stops.
    vary(res, 'Access-Control-Request-Method')
    vary(res, 'Access-Control-Request-Headers')
    if (listed) {
      res.setHeader('Access-Control-Allow-Methods', methods)
      res.setHeader('Access-Control-Allow-Headers', headers)
      res.setHeader('Access-Control-Max-Age', String(settings.maxAge))
    }
    res.statusCode = listed ? 204 : 403
    res.setHeader('Content-Length', '0')
    res.end()
    return true
  }
}

/** Whether a request carries a header, or (a preflight) asks to send it. */
function carries(req: IncomingMessage, preflight: boolean, name: string): boolean {
  if (!preflight) return req.headers[name] !== undefined
  const asked = req.headers['access-control-request-headers']
  return typeof asked === 'string' && asked.split(',').some((item) => item.trim().toLowerCase() === name)
}

/** Adds a name to the `Vary` header once. */
function vary(res: ServerResponse, name: string): void {
  const current = res.getHeader('Vary')
  const list = current === undefined ? '' : String(current)
  if (list.split(',').some((item) => item.trim().toLowerCase() === name.toLowerCase())) return
  res.setHeader('Vary', list === '' ? name : `${list}, ${name}`)
}

/**
 * Drops the CORS headers another library writes into its answer with writeHead (@tus/server answers an origin it
 * does not allow with the first allowed one, and `*` when none is set), so only the guard's own, set before, reach
 * the browser.
 */
export function dropForeignCors(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  ;(res as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
    const at = headersAt(args)
    if (at !== -1)
      args[at] = headerPairs(args[at])
        .filter(([name]) => !/^access-control-/i.test(name))
        .flat()
    return writeHead(...args)
  }
}
