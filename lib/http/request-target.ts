import type { IncomingMessage } from 'node:http'
import parseUrl from 'parseurl'
import type { SignedUrlErrorCode } from '../util/errors.js'

/**
 * A request target read once, in the one form every parser behind the guard reads alike. `target` is the
 * original target in origin-form (`/path?query`: what the guard verifies); `served` is the current `req.url` in
 * origin-form, a raw tail of `target` that starts at a `/` of its path: what the router left after stripping its
 * mounts, and what serve-static decodes and opens.
 */
export interface RequestTarget {
  target: string
  served: string
}

/**
 * Reads the original and the current target of a request, or says why they cannot be trusted to mean one file.
 *
 * The guard verifies one string, the routers cut their mount off `req.url` by lengths measured on parseurl's
 * result, and serve-static opens parseurl's pathname. Those agree only when parseurl returns the raw text
 * unchanged, which it does for origin-form targets without whitespace or `#` (its fast path) and for absolute-form
 * targets whose `url.parse` result is the raw text after the authority. Anything else (`#`, `\`, spaces, control
 * or non-ASCII characters, a leading `//`, an authority with userinfo or odd characters, a path that `url.parse`
 * escapes) is refused here, before any other work. The served target must then be an exact raw tail of the
 * verified one, cut at a `/` of its path with the query unchanged: the router stripped a mount, nothing else.
 */
export function readRequestTarget(req: IncomingMessage): RequestTarget | SignedUrlErrorCode {
  const original = (req as { originalUrl?: unknown }).originalUrl
  const raw = typeof original === 'string' ? original : req.url
  if (typeof raw !== 'string') return 'ERR_TARGET_NOT_CANONICAL'
  const target = originForm(raw, () => parseUrl.original(req))
  if (target === undefined) return 'ERR_TARGET_NOT_CANONICAL'
  const current = req.url
  if (typeof current !== 'string') return 'ERR_TARGET_NOT_CANONICAL'
  const served = current === raw ? target : originForm(current, () => parseUrl(req))
  if (served === undefined) return 'ERR_TARGET_NOT_CANONICAL'
  if (!isMountTail(target, served)) return 'ERR_PATH_MISMATCH'
  if (served !== target && spansSegments((req as { params?: unknown }).params)) return 'ERR_PATH_MISMATCH'
  return { target, served }
}

/**
 * Whether the router's parameters for this middleware matched across a `/` (a wildcard mount: Express 5's
 * `*splat`, an array; Express 4's `*`, a string with `/`). Such a mount strips a different length from each path,
 * so what it leaves says nothing about which folder it maps to: a folder link for `/files/mine/` under
 * `'/files/*splat'` leaves `/`, exactly what `app.use('/files/mine', ...)` leaves, with the same baseUrl. Refused,
 * as no mapping from the tail to the signed path can be proven. Parameters of one segment (`/:tenant/files`) pass.
 */
function spansSegments(params: unknown): boolean {
  if (typeof params !== 'object' || params === null) return false
  for (const value of Object.values(params)) {
    if (Array.isArray(value) || (typeof value === 'string' && value.includes('/'))) return true
  }
  return false
}

/**
 * Whether `served` is what a router leaves of `target` after stripping a mount: the same characters from a `/`
 * of the path on, query included. A router that had to add a `/`, because the mount took the whole path of a
 * file, leaves something that is not a tail (the folder's index, never signed). For a path ending in `/` the added
 * `/` is a tail, which is right for a literal mount of that folder and wrong for a wildcard: see spansSegments.
 */
function isMountTail(target: string, served: string): boolean {
  const cut = target.length - served.length
  if (cut < 0 || !target.endsWith(served)) return false
  const mark = target.indexOf('?')
  return mark === -1 || cut <= mark
}

/**
 * A raw target in origin-form, when every parser behind the guard reads it as its raw text; else undefined.
 * `parsed` is parseurl's reading of it, asked for only for absolute-form (origin-form is proven by the scan).
 */
function originForm(raw: string, parsed: () => ReturnType<typeof parseUrl>): string | undefined {
  if (!isPlainText(raw)) return undefined
  if (raw.charCodeAt(0) === 0x2f /* / */) {
    // url.parse reads `//user@host/x` as an authority; the path rules refuse empty segments anyway.
    return raw.charCodeAt(1) === 0x2f /* / */ ? undefined : raw
  }
  const start = pathStart(raw)
  if (start === -1) return undefined
  const rest = raw.slice(start)
  let url
  try {
    url = parsed()
  } catch {
    return undefined // url.parse throws on some hosts (`xn--a`, `[::1`): a refusal, never a 500
  }
  if (url === undefined || url.pathname === null || url.pathname === undefined) return undefined
  // Proof, not a model of url.parse: its path and query must be the raw text, or the router's cut would differ.
  return `${url.pathname}${url.search ?? ''}` === rest && url.path === rest ? rest : undefined
}

/**
 * Only visible ASCII, without `#` and `\`: what parseurl's fast path passes through unchanged. Whitespace,
 * U+00A0 and U+FEFF send parseurl to url.parse, which escapes and rewrites; a fragment has no place in a request
 * target; `\` is read as `/` by url.parse and some file servers. Node's HTTP parser refuses raw bytes above
 * 0x7E and controls already; a target set by other code (a test, a proxy library) is held to the same rule.
 */
function isPlainText(raw: string): boolean {
  const length = raw.length
  if (length === 0) return false
  for (let i = 0; i < length; i++) {
    const c = raw.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f || c === 0x23 /* # */ || c === 0x5c /* \ */) return false
  }
  return true
}

/**
 * Where the path of an absolute-form target starts: after `http://` or `https://` and a plain authority (a host
 * name, IPv4 or bracketed IPv6 address, and an optional port); -1 for any other scheme or authority, userinfo
 * included (RFC 9110 forbids it in http URIs, and url.parse and the routers find its end differently). A host with
 * an IDNA label (`xn--`) is refused too: url.parse checks those with the runtime's IDNA code, which differs between
 * Node versions (Node 20 and 22 throw on `xn--a`, Node 24 reads it), so the answer must not depend on it.
 */
function pathStart(raw: string): number {
  const scheme = /^https?:\/\//i.exec(raw)
  if (scheme === null) return -1
  const authority = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?=\/)/.exec(
    raw.slice(scheme[0].length),
  )
  if (authority === null || /(?:^|\.)xn--/i.test(authority[0])) return -1
  return scheme[0].length + authority[0].length
}

/**
 * The client's address: under Express `req.ip`, so the app's `trust proxy` setting decides; under Connect (no
 * `req.app`), the socket's, as no proxy is trusted there.
 */
export function clientAddress(req: IncomingMessage): string | undefined {
  const { app, ip } = req as { app?: { get?: unknown }; ip?: unknown }
  if (typeof app === 'function' || (typeof app === 'object' && app !== null)) {
    if (typeof app.get === 'function') return typeof ip === 'string' ? ip : undefined
  }
  return req.socket?.remoteAddress
}
