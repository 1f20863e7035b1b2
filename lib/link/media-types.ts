// Media types, runtime-neutral: the `contenttype` field of an upload link (the types it may be sent as), checked the
// same way when sign is asked for one and when a link carrying one is read back, and the type a request declares.
import { encodePath } from './link-path.js'

/** At most this many types in one link. */
export const MAX_MEDIA_TYPES = 16

// RFC 9110: type "/" subtype, each a token. Lower case only: types are compared without case.
const MEDIA_TYPE = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/

// A type as a link spells it: as sign encodes a path (encodePath), the `/` raw and `+` as %2B, which a query
// parser would read as a space.
const encodeType = encodePath

/** Sign's `contentType` option (one type or a list), as the link carries it; throws a TypeError naming it. */
export function contentTypeField(value: unknown): string {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_MEDIA_TYPES)
    throw new TypeError(`sign: "contentType" must be a media type ('image/png'), or a list of 1 to ${MAX_MEDIA_TYPES}`)
  const types: string[] = []
  for (const item of list as unknown[]) {
    const type = typeof item === 'string' ? item.toLowerCase() : ''
    if (!MEDIA_TYPE.test(type))
      throw new TypeError(`sign: "contentType" entries must be media types without parameters, such as 'image/png'`)
    if (types.includes(type)) throw new TypeError(`sign: "contentType" lists ${type} twice`)
    types.push(type)
  }
  return types.join(',')
}

/** The link spelling of a `contentType` field. */
export function encodeMediaTypes(types: string): string {
  return types.split(',').map(encodeType).join(',')
}

/** The types of a link's `contenttype` value (lower case, `,` between them), or undefined unless canonical. */
export function readMediaTypes(text: string): string | undefined {
  const entries = text.split(',')
  if (entries.length > MAX_MEDIA_TYPES) return undefined
  const types: string[] = []
  for (const entry of entries) {
    let type: string
    try {
      type = decodeURIComponent(entry)
    } catch {
      return undefined
    }
    if (!MEDIA_TYPE.test(type) || encodeType(type) !== entry || types.includes(type)) return undefined
    types.push(type)
  }
  return types.join(',')
}

/**
 * The media type a request's Content-Type header names, lower case and without parameters (`text/plain;
 * charset=utf-8` is `text/plain`), or undefined when there is none or it is not one.
 */
export function requestMediaType(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined
  const semicolon = header.indexOf(';')
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase()
  return MEDIA_TYPE.test(type) ? type : undefined
}
