import type { SignedUrlErrorCode } from './errors'

/** The signed fields of a v1 link. `path` is the decoded URL path without its leading `/`. */
export interface LinkFields {
  path: string
  expiry: number
}

/** A link read back from a URL: its signed fields and the signature it carries (base64url, unchecked). */
export interface ParsedLink extends LinkFields {
  signature: string
}

/** The v1 string to sign, byte for byte what ittybit's reference snippet signs. */
export function stringToSign(path: string, expiry: number): string {
  return `${path}?expiry=${expiry}&method=get`
}

// Control characters (C0, DEL, C1) and the backslash, which some servers and url.parse treat as `/`.
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\\]/
// In the raw path: an encoded `/` or `\` would pass as one segment but be served as two.
const FORBIDDEN_ESCAPE = /%(?:2f|5c)/i
const EXPIRY = /^[1-9][0-9]{0,10}$/
// 32 bytes in base64url: 43 characters, the last carrying 4 bits so only 16 letters are canonical there.
// Without that check, four different strings would decode to the same MAC.
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
const OTHER_SPELLING = /^(?:expiry|method|signature)(?:\[.*)?$/
const ABSOLUTE_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/

/**
 * True when a decoded path (no leading `/`) is one this project will sign or serve: not empty, well-formed
 * Unicode, no control characters or `\`, no `.`, `..` or empty segments (a trailing `/` is allowed).
 */
export function isCanonicalPath(path: string): boolean {
  if (path.length === 0 || FORBIDDEN_CHAR.test(path) || !path.isWellFormed()) return false
  let start = 0
  while (start <= path.length) {
    let end = path.indexOf('/', start)
    if (end === -1) end = path.length
    const length = end - start
    if (length === 0 && end !== path.length) return false
    if (length === 0 && start === 0) return false
    if (length === 1 && path.charCodeAt(start) === 46) return false
    if (length === 2 && path.charCodeAt(start) === 46 && path.charCodeAt(start + 1) === 46) return false
    start = end + 1
  }
  return true
}

/** Decodes a raw URL path (starting with `/`) exactly once; `undefined` when it is not canonical. */
export function decodePath(rawPath: string): string | undefined {
  if (rawPath.charCodeAt(0) !== 47 || FORBIDDEN_ESCAPE.test(rawPath)) return undefined
  let path = rawPath.slice(1)
  if (path.includes('%')) {
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
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
}

/** The raw path and query of a request target (origin-form, or absolute-form with its origin dropped). */
export function splitTarget(url: string): { rawPath: string; query: string } | undefined {
  let rest = url
  if (rest.charCodeAt(0) !== 47) {
    const origin = ABSOLUTE_PREFIX.exec(rest)
    if (origin === null) return undefined
    rest = rest.slice(origin[0].length)
  }
  const hash = rest.indexOf('#')
  if (hash !== -1) rest = rest.slice(0, hash)
  const mark = rest.indexOf('?')
  if (mark === -1) return { rawPath: rest, query: '' }
  return { rawPath: rest.slice(0, mark), query: rest.slice(mark + 1) }
}

/**
 * Reads the signed fields out of a query string strictly: exactly one `expiry`, `method` and `signature`, each in
 * its one valid spelling. Other parameters (a cache-buster) are ignored; they are not signed and change nothing.
 */
export function parseQuery(query: string): { expiry: number; signature: string } | SignedUrlErrorCode {
  let expiry: string | undefined
  let method: string | undefined
  let signature: string | undefined
  let start = 0
  while (start <= query.length) {
    let end = query.indexOf('&', start)
    if (end === -1) end = query.length
    const equals = query.indexOf('=', start)
    const nameEnd = equals === -1 || equals > end ? end : equals
    const name = query.slice(start, nameEnd)
    const value = nameEnd === end ? '' : query.slice(nameEnd + 1, end)
    // Parameter pollution: a second value for a signed field is never a mistake worth guessing about.
    if (name === 'expiry') {
      if (expiry !== undefined) return 'ERR_QUERY_MALFORMED'
      expiry = value
    } else if (name === 'method') {
      if (method !== undefined) return 'ERR_QUERY_MALFORMED'
      method = value
    } else if (name === 'signature') {
      if (signature !== undefined) return 'ERR_QUERY_MALFORMED'
      signature = value
    } else if ((name.includes('%') || name.includes('[')) && OTHER_SPELLING.test(safeDecode(name))) {
      // `%65xpiry=` or `expiry[]=` is ignored here but read as `expiry` by Express's query parser.
      return 'ERR_QUERY_MALFORMED'
    }
    start = end + 1
  }
  if (signature === undefined) return 'ERR_SIGNATURE_MISSING'
  if (expiry === undefined || method !== 'get' || !EXPIRY.test(expiry) || !SIGNATURE.test(signature)) {
    return 'ERR_QUERY_MALFORMED'
  }
  return { expiry: Number(expiry), signature }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Reads a link back into fields, or says why it is not a well-formed v1 link. Performs no cryptography. */
export function parseLink(url: string): ParsedLink | SignedUrlErrorCode {
  const target = splitTarget(url)
  if (target === undefined) return 'ERR_PATH_NOT_CANONICAL'
  const path = decodePath(target.rawPath)
  if (path === undefined) return 'ERR_PATH_NOT_CANONICAL'
  const query = parseQuery(target.query)
  if (typeof query === 'string') return query
  return { path, expiry: query.expiry, signature: query.signature }
}
