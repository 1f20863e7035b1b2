import type { SignedUrlErrorCode } from './errors.js'

/**
 * The signed fields of a link. `path` is the decoded URL path without its leading `/`; `kid` names the key that
 * signed it; `scope`, when present, says the signature grants the folder made of the path's first `scope`
 * segments, and everything below it (extensions: a link without them is exactly v1).
 */
export interface LinkFields {
  path: string
  expiry: number
  kid?: string
  scope?: number
}

/** A link read back from a URL: its signed fields, the string they sign, and the signature it carries (unchecked). */
export interface ParsedLink extends LinkFields {
  signature: string
  message: string
}

/**
 * The string to sign. Without extensions it is v1, byte for byte what ittybit's reference snippet signs:
 * `<path>?expiry=<expiry>&method=get`. Extensions follow in this fixed order: `&kid=<id>`, `&scope=<segments>`.
 * For a folder grant, `path` is the folder (ending in `/`).
 */
export function stringToSign(path: string, expiry: number, kid?: string, scope?: number): string {
  const v1 = `${path}?expiry=${expiry}&method=get`
  if (kid === undefined && scope === undefined) return v1
  return `${v1}${kid === undefined ? '' : `&kid=${kid}`}${scope === undefined ? '' : `&scope=${scope}`}`
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

const ABSOLUTE_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/
// Character tables, so the per-request checks are single passes without regular expressions.
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const SIXTET = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) SIXTET[BASE64URL.charCodeAt(i)] = i
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
    if (c === 47) {
      if (segment === 0 || (segment === dots && dots <= 2)) return NOT_CANONICAL
      segment = dots = 0
      continue
    }
    if (c < 32 || (c >= 127 && c <= 159) || c === 92) return NOT_CANONICAL
    if (c === 46) dots++
    else if (c >= 0xd800 && c <= 0xdfff) surrogates = true
    if (plain && (c >= 128 || UNRESERVED[c] === 0)) plain = false
    segment++
  }
  if (segment !== 0 && segment === dots && dots <= 2) return NOT_CANONICAL
  if (surrogates && !path.isWellFormed()) return NOT_CANONICAL
  return plain ? PLAIN : NEEDS_ENCODING
}

/** Decodes a raw URL path (starting with `/`) exactly once; `undefined` when it is not canonical. */
export function decodePath(rawPath: string): string | undefined {
  if (rawPath.charCodeAt(0) !== 47) return undefined
  let path = rawPath.slice(1)
  let escape = path.indexOf('%')
  if (escape !== -1) {
    // An encoded `/` or `\` would pass as one segment here but be opened as two by the file server.
    for (; escape !== -1; escape = path.indexOf('%', escape + 1)) {
      const hi = path.charCodeAt(escape + 1)
      const lo = path.charCodeAt(escape + 2) | 0x20
      if ((hi === 50 && lo === 102) || (hi === 53 && lo === 99)) return undefined
    }
    try {
      path = decodeURIComponent(path)
    } catch {
      return undefined // malformed or overlong escape, or bytes that are not UTF-8
    }
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
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
}

/**
 * Decodes a canonical 43-character base64url signature into `out` (32 bytes); false when it is not one. The last
 * character carries 4 bits, so only 16 letters are canonical there: without that check, four spellings would
 * decode to the same MAC.
 */
export function decodeSignature(signature: string, out: Uint8Array): boolean {
  if (signature.length !== 43) return false
  let o = 0
  for (let i = 0; i < 40; i += 4) {
    const a = sixtet(signature, i)
    const b = sixtet(signature, i + 1)
    const c = sixtet(signature, i + 2)
    const d = sixtet(signature, i + 3)
    if ((a | b | c | d) < 0) return false
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 15) << 4) | (c >> 2)
    out[o++] = ((c & 3) << 6) | d
  }
  const a = sixtet(signature, 40)
  const b = sixtet(signature, 41)
  const c = sixtet(signature, 42)
  if ((a | b | c) < 0 || (c & 3) !== 0) return false
  out[30] = (a << 2) | (b >> 4)
  out[31] = ((b & 15) << 4) | (c >> 2)
  return true
}

const SCRATCH = new Uint8Array(32)

/** Whether a signature is 43 base64url characters in their one canonical spelling: what decodeSignature accepts. */
export function isCanonicalSignature(signature: string): boolean {
  return decodeSignature(signature, SCRATCH)
}

// The 6-bit value of a base64url character, or -1.
function sixtet(text: string, i: number): number {
  const c = text.charCodeAt(i)
  return c < 128 ? SIXTET[c] : -1
}

/** Unix seconds from `^[1-9][0-9]{0,10}$`, or -1. */
function toExpiry(text: string): number {
  const length = text.length
  if (length === 0 || length > 11 || text.charCodeAt(0) === 48) return -1
  let value = 0
  for (let i = 0; i < length; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}

/** A folder depth from `^[1-9][0-9]?$`, or -1. */
function toSegments(text: string): number {
  const value = toExpiry(text)
  return text.length <= 2 ? value : -1
}

/** True for a key id: 1 to 32 characters of `A-Z a-z 0-9 _ -`. */
export function isKeyId(text: string): boolean {
  if (text.length === 0 || text.length > 32) return false
  for (let i = 0; i < text.length; i++) if (sixtet(text, i) < 0) return false
  return true
}

/**
 * Reads the signed fields out of a query string strictly: exactly one `expiry`, `method` and `signature`, at most
 * one `kid`, each in its one valid spelling. Other parameters (a cache-buster) are ignored: they are not signed and
 * change nothing. Linear in the length of the query, however it is built.
 */
export function parseQuery(query: string): ParsedLink | SignedUrlErrorCode {
  let expiry: string | undefined
  let method: string | undefined
  let signature: string | undefined
  let kid: string | undefined
  let scope: string | undefined
  let equals = -1
  let start = 0
  while (start <= query.length) {
    let end = query.indexOf('&', start)
    if (end === -1) end = query.length
    // Each search starts past the last one, so a query of many `&a` costs one pass, not one pass per parameter.
    if (equals !== Infinity && equals < start) {
      equals = query.indexOf('=', start)
      if (equals === -1) equals = Infinity
    }
    const nameEnd = equals < end ? equals : end
    const length = nameEnd - start
    const value = nameEnd === end ? '' : query.slice(nameEnd + 1, end)
    // Parameter pollution: a second value for a signed field is never a mistake worth guessing about.
    if (length === 6 && query.startsWith('expiry', start)) {
      if (expiry !== undefined) return 'ERR_QUERY_MALFORMED'
      expiry = value
    } else if (length === 6 && query.startsWith('method', start)) {
      if (method !== undefined) return 'ERR_QUERY_MALFORMED'
      method = value
    } else if (length === 9 && query.startsWith('signature', start)) {
      if (signature !== undefined) return 'ERR_QUERY_MALFORMED'
      signature = value
    } else if (length === 3 && query.startsWith('kid', start)) {
      if (kid !== undefined) return 'ERR_QUERY_MALFORMED'
      kid = value
    } else if (length === 5 && query.startsWith('scope', start)) {
      if (scope !== undefined) return 'ERR_QUERY_MALFORMED'
      scope = value
    } else if (spellsSignedField(query, start, nameEnd)) {
      // `[expiry]=`, `%65xpiry=` or `expiry[x]=` is ignored here but read as `expiry` by Express's query parser.
      return 'ERR_QUERY_MALFORMED'
    }
    start = end + 1
  }
  if (signature === undefined) return 'ERR_SIGNATURE_MISSING'
  const seconds = expiry === undefined ? -1 : toExpiry(expiry)
  const segments = scope === undefined ? undefined : toSegments(scope)
  if (seconds === -1 || method !== 'get' || signature.length !== 43 || (kid !== undefined && !isKeyId(kid)) || segments === -1) {
    return 'ERR_QUERY_MALFORMED'
  }
  // The path and message are filled in by parseLink: one object per link.
  return { path: '', expiry: seconds, kid, scope: segments, signature, message: '' }
}

const SIGNED_FIELDS = ['expiry', 'method', 'signature', 'kid', 'scope']

/**
 * Whether a parameter name that is not a signed field's plain spelling is read as one by some query parser an
 * app may use. qs (Express 4's parser, and Express 5's 'extended') decodes the whole key first (`+` as space,
 * then percent escapes), then takes as the field the text before the first `[...]` group, or the first group's
 * content when the key starts with one (`[expiry]`, `expiry[\n]`, `%5Bexpiry%5D`); with `allowDots`, `.x` is read
 * as `[x]` first (`.expiry`, `expiry.x`). node:querystring (Express 5's 'simple') uses the decoded key. So every such
 * spelling, once decoded, starts with the field's name, after any `[` and `.`, followed by the end or a character no
 * name holds. Refusing that whole class (case-insensitively, in case an app's parser folds case) is a superset of
 * what any of them reads.
 */
function spellsSignedField(query: string, start: number, end: number): boolean {
  let name = query.slice(start, end)
  if (name.indexOf('%') !== -1) name = decodeEveryEscape(name)
  let from = 0
  while (name.charCodeAt(from) === 0x5b /* [ */ || name.charCodeAt(from) === 0x2e /* . */) from++
  for (const field of SIGNED_FIELDS) {
    if (name.length - from < field.length || name.slice(from, from + field.length).toLowerCase() !== field) continue
    const next = name.charCodeAt(from + field.length)
    if (Number.isNaN(next) || !isNameCharacter(next)) return true
  }
  return false
}

function isNameCharacter(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f /* _ */ || c === 0x2d /* - */
}

// Every well-formed `%XX` as one character (a byte), the rest as it is: the most a lenient decoder makes of it.
function decodeEveryEscape(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/** The decoded path of a request target (origin- or absolute-form), or undefined when it is not canonical. */
export function readPath(url: string): string | undefined {
  const start = targetStart(url)
  return start === -1 ? undefined : decodePath(url.slice(start, queryMark(url, start, fragmentStart(url, start))))
}

// Where the path of a request target begins: 0 in origin-form, after the authority in absolute-form; -1 for
// anything else.
function targetStart(url: string): number {
  if (url.charCodeAt(0) === 47) return 0
  const origin = ABSOLUTE_PREFIX.exec(url)
  return origin === null ? -1 : origin[0].length
}

// Where the fragment begins (the end of path and query).
function fragmentStart(url: string, start: number): number {
  const hash = url.indexOf('#', start)
  return hash === -1 ? url.length : hash
}

// Where the query's `?` stands, or `end` when there is no query.
function queryMark(url: string, start: number, end: number): number {
  const mark = url.indexOf('?', start)
  return mark === -1 || mark > end ? end : mark
}

/**
 * A folder grant as a cookie value: `<folder, UTF-8 in base64url>.<expiry>.<kid or empty>.<signature>`, only
 * characters a cookie may hold. It signs what a `scope` link for the folder signs.
 */
export function encodeGrant(folder: string, expiry: number, kid: string | undefined, signature: string): string {
  return `${toBase64Url(new TextEncoder().encode(folder))}.${expiry}.${kid ?? ''}.${signature}`
}

/** Reads a grant cookie value back into the link fields it signs (path: the folder), or undefined. */
export function parseGrant(value: string): ParsedLink | undefined {
  const parts = value.split('.')
  if (parts.length !== 4) return undefined
  const [encodedFolder, expiryText, kid, signature] = parts
  const bytes = fromBase64Url(encodedFolder)
  let folder: string
  try {
    folder = bytes === undefined ? '' : new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
  const expiry = toExpiry(expiryText)
  if (!folder.endsWith('/') || !isCanonicalPath(folder) || expiry === -1 || (kid !== '' && !isKeyId(kid)) || !isCanonicalSignature(signature)) return undefined
  const scope = folderDepth(folder)
  if (scope > MAX_SCOPE) return undefined
  const id = kid === '' ? undefined : kid
  return { path: folder, expiry, kid: id, scope, signature, message: stringToSign(folder, expiry, id, scope) }
}

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63] + BASE64URL[(n >>> 6) & 63] + BASE64URL[n & 63]
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63]
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += BASE64URL[n >>> 18] + BASE64URL[(n >>> 12) & 63] + BASE64URL[(n >>> 6) & 63]
  }
  return out
}

// Strict base64url (no padding, canonical last character), or undefined.
function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let value = 0
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const v = sixtet(text, i)
    if (v < 0) return undefined
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >> bits) & 255
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return undefined
  return out
}

/**
 * Reads a link back into its fields and the string they sign, or says why it is not a well-formed link. Performs
 * no cryptography. Takes origin-form (`/path?query`) or absolute-form (`https://host/path?query`); a fragment is
 * ignored.
 */
export function parseLink(url: string): ParsedLink | SignedUrlErrorCode {
  const start = targetStart(url)
  if (start === -1) return 'ERR_PATH_NOT_CANONICAL'
  const end = fragmentStart(url, start)
  const mark = queryMark(url, start, end)
  const path = decodePath(url.slice(start, mark))
  if (path === undefined) return 'ERR_PATH_NOT_CANONICAL'
  const query = parseQuery(mark < end ? url.slice(mark + 1, end) : '')
  if (typeof query === 'string') return query
  query.path = path
  if (query.scope === undefined) {
    query.message = stringToSign(path, query.expiry, query.kid)
    return query
  }
  // A folder grant: the signature covers the folder of the path's first `scope` segments, whatever lies below.
  const folder = folderOf(path, query.scope)
  if (folder === undefined) return 'ERR_QUERY_MALFORMED'
  query.message = stringToSign(folder, query.expiry, query.kid, query.scope)
  return query
}
