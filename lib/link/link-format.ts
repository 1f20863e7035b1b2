import type { SignedUrlErrorCode } from '../util/errors.js'
import { fieldAt, spellsSignedField } from './field-spelling.js'
import {
  EXTENSIONS,
  SIGNED_FIELDS,
  UPLOAD_FIELDS,
  type Extension,
  type ParsedLink,
  type QueryFields,
  type SignedFields,
} from './link-fields.js'
import { toExpiry } from './link-lifetime.js'
import { decodePath, folderOf, fragmentStart, queryMark, targetStart } from './link-path.js'

/**
 * The string to sign: v1 (`<path>?expiry=<expiry>&method=get`, what ittybit's reference snippet signs), then each
 * extension in the order of EXTENSIONS as the link spells it (`&kid=<id>&scope=<n>&notbefore=<s>&ip=<ranges>
 * &disposition=<type>&filename=<name>`). For a folder grant, `path` is the folder (ending in `/`).
 */
export function stringToSign(path: string, fields: SignedFields): string {
  return path + signedQuery(fields)
}

/** The signed part of a link's query, which is also the string to sign after its path: `?expiry=...`. */
export function signedQuery(fields: SignedFields): string {
  let text = `?expiry=${fields.expiry}&method=${fields.method ?? 'get'}`
  for (let i = 0; i < EXTENSIONS.length; i++) {
    const extension = EXTENSIONS[i]
    const value = fields[extension[0]]
    if (value !== undefined)
      text += `&${extension[1]}=${extension[3] === undefined ? value : extension[3](value as never)}`
  }
  return text
}

/**
 * Reads the signed fields out of a query string strictly: exactly one `expiry`, `method` and `signature`, at most
 * one of each extension, each in its one valid spelling, the extensions after `expiry` and `method` in their order.
 * Other parameters (a cache-buster) are ignored: they are not signed and change nothing. Linear in the length of
 * the query, however it is built.
 */
export function parseQuery(query: string): QueryFields | SignedUrlErrorCode {
  // The raw value of each signed field, by its index in SIGNED_FIELDS.
  const found: (string | undefined)[] = new Array<string | undefined>(SIGNED_FIELDS.length)
  let any = false
  let pieces = 0
  let lastExtension = 2
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
    const field = fieldAt(query, start, nameEnd, SIGNED_FIELDS)
    if (field !== -1) {
      // Parameter pollution: a second value for a signed field is never a mistake worth guessing about.
      if (found[field] !== undefined) return 'ERR_QUERY_MALFORMED'
      // One order, the string to sign's: an extension after expiry and method, and after the extensions before it.
      if (field > 2) {
        if (field <= lastExtension || found[0] === undefined || found[1] === undefined) return 'ERR_QUERY_MALFORMED'
        lastExtension = field
      }
      found[field] = nameEnd === end ? '' : query.slice(nameEnd + 1, end)
      any = true
    } else if (spellsSignedField(query, start, nameEnd, SIGNED_FIELDS)) {
      // `[expiry]=`, `%65xpiry=` or `expiry[x]=` is ignored here but read as `expiry` by Express's query parser.
      return 'ERR_QUERY_MALFORMED'
    }
    start = end + 1
    pieces++
  }
  // Express's query parsers read 1000 parameters (qs's parameterLimit, querystring's maxKeys): a signed field
  // after them would be checked here but missing from the handler's req.query.
  if (pieces > 1000 && any) return 'ERR_QUERY_MALFORMED'
  const [expiryText, method, signature] = found
  // Half a link is not a missing one: a grant cookie must not carry signed fields the guard never checked
  // through to the handler's req.query.
  if (signature === undefined) return any ? 'ERR_QUERY_MALFORMED' : 'ERR_SIGNATURE_MISSING'
  const expiry = expiryText === undefined ? -1 : toExpiry(expiryText)
  if (expiry === -1 || (method !== 'get' && method !== 'put') || signature.length !== 43) return 'ERR_QUERY_MALFORMED'
  const fields: { -readonly [F in keyof QueryFields]: QueryFields[F] } = { expiry, signature }
  if (method === 'put') fields.method = 'put'
  for (let i = 0; i < EXTENSIONS.length; i++) {
    const [property, , read] = EXTENSIONS[i]
    const text = found[3 + i]
    if (text === undefined) continue
    const value = read(text)
    if (value === undefined) return 'ERR_QUERY_MALFORMED'
    ;(fields as Record<Extension, unknown>)[property] = value
  }
  return fields
}

/** A target that carries no signed field at all: its decoded path, for the grant-cookie fallback. */
export interface UnsignedTarget {
  readonly unsigned: string
}

/**
 * Reads a link back into its fields and the string they sign, or says why it is not a well-formed link. Performs
 * no cryptography. Takes origin-form (`/path?query`) or absolute-form (`https://host/path?query`); a fragment is
 * ignored.
 */
export function parseLink(url: string): ParsedLink | SignedUrlErrorCode {
  const link = readLink(url)
  return typeof link !== 'string' && 'unsigned' in link ? 'ERR_SIGNATURE_MISSING' : link
}

/** As parseLink, but a target without signed fields gives its decoded path, so it is decoded once for grants. */
export function readLink(url: string): ParsedLink | UnsignedTarget | SignedUrlErrorCode {
  const start = targetStart(url)
  if (start === -1) return 'ERR_PATH_NOT_CANONICAL'
  const end = fragmentStart(url, start)
  const mark = queryMark(url, start, end)
  const path = decodePath(url.slice(start, mark))
  if (path === undefined) return 'ERR_PATH_NOT_CANONICAL'
  const query = parseQuery(mark < end ? url.slice(mark + 1, end) : '')
  if (query === 'ERR_SIGNATURE_MISSING') return { unsigned: path }
  if (typeof query === 'string') return query
  // A folder grant: the signature covers the folder of the path's first `scope` segments, whatever lies below.
  const signed = query.scope === undefined ? path : folderOf(path, query.scope)
  if (signed === undefined || !fieldsAgree(query, signed)) return 'ERR_QUERY_MALFORMED'
  // The query's fields are a fresh object of parseQuery's: completed in place, not copied.
  const link = query as { -readonly [F in keyof ParsedLink]: ParsedLink[F] }
  link.path = path
  link.message = stringToSign(signed, query)
  return link
}

/**
 * Whether a link's fields agree with the path they sign. What no signer makes: a download name on a folder or scope
 * link (it is for one file); an upload link for a folder, a scope, or with a download name; a GET link with an
 * upload's fields; a use count on a folder, a scope or an upload link.
 */
export function fieldsAgree(query: QueryFields, signed: string): boolean {
  if (query.uses !== undefined && (query.method === 'put' || query.scope !== undefined || signed.endsWith('/')))
    return false
  // A nonce is a limited-use link's, and only its.
  if ((query.nonce === undefined) !== (query.uses === undefined)) return false
  if (query.method === 'put')
    return !signed.endsWith('/') && query.disposition === undefined && query.filename === undefined
  for (let i = 0; i < UPLOAD_FIELDS.length; i++) if (query[UPLOAD_FIELDS[i]] !== undefined) return false
  return !signed.endsWith('/') || (query.filename === undefined && query.disposition === undefined)
}
