// Link paths: canonical decoded paths, decoding a raw path once, percent-encoding, folders (scopes), and where a
// request target's path, query and fragment begin.
import { describeValue } from '../util/option-checks.js'
import { percentDecode } from '../util/percent-decode.js'

const UNRESERVED = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/') UNRESERVED[c.charCodeAt(0)] = 1

/**
 * True when a decoded path (no leading `/`) is one this project will sign or serve: not empty, well-formed
 * Unicode, no control characters (C0, DEL, C1) or `\\` (which url.parse and some servers read as `/`), no `.`,
 * `..` or empty segments (a trailing `/` is allowed, for a folder).
 */
export function isCanonicalPath(path: string): boolean {
  return pathKind(path) !== NOT_CANONICAL
}

/** A canonical path's link form: itself when it has only unreserved characters, else percent-encoded. */
export function canonicalLinkPath(path: string): string | undefined {
  const kind = pathKind(path)
  return kind === NOT_CANONICAL ? undefined : kind === PLAIN ? path : encodePath(path)
}

const NOT_CANONICAL = 0
const NEEDS_ENCODING = 1
const PLAIN = 2

// One pass: whether the path is canonical, and whether it needs percent-encoding in a link.
function pathKind(path: string): number {
  const length = path.length
  if (length === 0) return NOT_CANONICAL
  let segment = 0 // length of the current segment
  let dots = 0 // how many of its characters are dots
  let surrogates = false
  let plain = true
  for (let i = 0; i < length; i++) {
    const c = path.charCodeAt(i)
    if (c === 0x2f /* / */) {
      if (segment === 0 || (segment === dots && dots <= 2)) return NOT_CANONICAL
      segment = dots = 0
      continue
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c /* \ */) return NOT_CANONICAL // C0, DEL, C1
    if (c === 0x2e /* . */) dots++
    else if (c >= 0xd800 && c <= 0xdfff) surrogates = true
    if (plain && (c >= 128 || UNRESERVED[c] === 0)) plain = false
    segment++
  }
  if (segment !== 0 && segment === dots && dots <= 2) return NOT_CANONICAL
  if (surrogates && !path.isWellFormed()) return NOT_CANONICAL
  return plain ? PLAIN : NEEDS_ENCODING
}

const ENCODED_SEPARATOR = /%(?:2[fF]|5[cC])/

/** Decodes a raw URL path (starting with `/`) exactly once; `undefined` when it is not canonical. */
export function decodePath(rawPath: string): string | undefined {
  if (rawPath.charCodeAt(0) !== 47) return undefined
  let path = rawPath.slice(1)
  if (path.indexOf('%') !== -1) {
    // An encoded `/` or `\` would pass as one segment here but be opened as two by the file server. (One scan by a
    // regular expression: a loop of indexOf over a path of many escapes cost 30 µs at 8000 characters.)
    if (ENCODED_SEPARATOR.test(path)) return undefined
    const decoded = percentDecode(path)
    if (decoded === undefined) return undefined // malformed or overlong escape, or bytes that are not UTF-8
    path = decoded
  }
  return isCanonicalPath(path) ? path : undefined
}

/** Percent-encodes a canonical path segment by segment, leaving only RFC 3986 unreserved characters. */
export function encodePath(path: string): string {
  let plain = true
  for (let i = 0; i < path.length && plain; i++) {
    const c = path.charCodeAt(i)
    plain = c < 128 && UNRESERVED[c] === 1
  }
  if (plain) return path
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/')
}

/** Whether a decoded path has a segment starting with `.`: a dotfile or dot folder, which serve-static hides. */
export function hasDotSegment(path: string): boolean {
  return path.charCodeAt(0) === 0x2e /* . */ || path.includes('/.')
}

/** The deepest folder a scope may grant: `scope` is one or two digits. */
export const MAX_SCOPE = 99

/** How many segments a folder (ending in `/`) has: its `scope`. */
export function folderDepth(folder: string): number {
  let depth = 0
  for (let i = folder.indexOf('/'); i !== -1; i = folder.indexOf('/', i + 1)) depth++
  return depth
}

/** The folder made of a path's first `segments` segments (with its trailing `/`), or undefined if it has fewer. */
export function folderOf(path: string, segments: number): string | undefined {
  let end = -1
  for (let i = 0; i < segments; i++) {
    end = path.indexOf('/', end + 1)
    if (end === -1) return undefined
  }
  return path.slice(0, end + 1)
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

const ABSOLUTE_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/

/** Where the path of a request target begins: 0 in origin-form, after the authority in absolute-form; else -1. */
export function targetStart(url: string): number {
  if (url.charCodeAt(0) === 0x2f /* / */) return 0
  const origin = ABSOLUTE_PREFIX.exec(url)
  return origin === null ? -1 : origin[0].length
}

/** Where the fragment begins (the end of path and query). */
export function fragmentStart(url: string, start: number): number {
  const hash = url.indexOf('#', start)
  return hash === -1 ? url.length : hash
}

/** Where the query's `?` stands, or `end` when there is no query. */
export function queryMark(url: string, start: number, end: number): number {
  const mark = url.indexOf('?', start)
  return mark === -1 || mark > end ? end : mark
}
