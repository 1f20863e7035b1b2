// Every well-formed link read in one pass, for the Node signer's fast path: a path (plain, or decoded once),
// `expiry`, `method`, the extension fields in their one order and the signature last. It agrees with
// link-format.ts's parser on every link it reads (a property test holds it to that) and reads no other: a link with
// a parameter that is not signed, a fragment, absolute-form, or anything that parser would refuse goes to it, so
// every refusal is that parser's.
import type { Disposition } from './download-name.js'
import { EXTENSIONS, type ParsedLink } from './link-fields.js'
import { fieldsAgree } from './link-format.js'
import { toExpiry } from './link-lifetime.js'
import { decodePath, folderOf } from './link-path.js'
import type { Mutable } from '../util/option-checks.js'

/** A link read by {@link readSignedLink}: its signature is the URL's last 43 characters, from `signatureAt`. */
export interface ReadLink extends ParsedLink {
  /** Where the signature begins in the URL. */
  readonly signatureAt: number
}

// A canonical path that needs no decoding, up to the first `?`: `/`, then segments of RFC 3986 unreserved characters
// (`\w` is A-Z a-z 0-9 _) that do not start with `.`, so none is empty, `.` or `..`; the last `/` optional. No
// lookahead: each segment ends at the one `/` or `?` its characters exclude, so nothing backtracks across one. A
// path it does not take (a dotfile, `...`, an escape) is decoded and checked by decodePath.
const PLAIN_PATH = /^\/(?:[\w~-][\w.~-]*\/)*(?:[\w~-][\w.~-]*)?\?/
const EXPIRY_FIELD = '?expiry='
const SIGNATURE_FIELD = '&signature='

/**
 * A link in the shape a signer writes, read in one pass, or undefined for any other URL (the general parser then
 * decides, so this only ever agrees with it): `/<path>?expiry=<s>&method=get|put[&<extension>=<value>]...
 * &signature=<43 characters>`, every field in its one spelling and the extensions in their one order. The string
 * to sign is made of the URL's own text: the query's fields are already in the spelling the signer wrote, so
 * nothing is encoded again; only a path with escapes or non-ASCII characters is decoded. The signature's
 * characters are left to its decoder.
 */
export function readSignedLink(url: string): ReadLink | undefined {
  const signatureAt = url.length - 43
  const fieldAt = signatureAt - SIGNATURE_FIELD.length
  if (url.charCodeAt(0) !== 0x2f /* / */ || fieldAt < 2 || !url.startsWith(SIGNATURE_FIELD, fieldAt)) return undefined
  const mark = url.indexOf('?')
  if (mark < 2 || mark > fieldAt || !url.startsWith(EXPIRY_FIELD, mark)) return undefined
  // A `#` would end the target early for the general parser. In a plain link it can stand only in the signature,
  // whose decoder refuses it (each field's reader refuses it too); a path to decode is looked through for one.
  const plain = isPlainPath(url, mark)
  if (!plain && url.includes('#')) return undefined
  const path = plain ? url.slice(1, mark) : decodePath(url.slice(0, mark))
  if (path === undefined) return undefined
  const link = readFields(url, mark + EXPIRY_FIELD.length, fieldAt)
  if (link === undefined) return undefined
  // A folder grant: the signature covers the folder of the path's first `scope` segments.
  const signed = link.scope === undefined ? path : folderOf(path, link.scope)
  // A GET link without extensions is what every signer makes of any path (fieldsAgree would say so).
  if (signed === undefined || ((link.method !== undefined || link.extensions !== 0) && !fieldsAgree(link, signed)))
    return undefined
  link.path = path
  link.message = plain && signed === path ? url.slice(1, fieldAt) : signed + url.slice(mark, fieldAt)
  link.signature = url.slice(signatureAt)
  link.signatureAt = signatureAt
  return link
}

// The unreserved characters: what a plain path's segments hold.
const UNRESERVED = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1

/**
 * Whether the path before `mark` is what PLAIN_PATH takes. Two ways to one answer (a property test holds them to
 * it), for speed alone: a loop over the characters starts at once, and wins on a short path, as most are (100 ns
 * of a regular expression's start-up on a 40-character path, measured); the expression walks a long one in
 * about half the time a loop does.
 */
export function isPlainPath(url: string, mark: number): boolean {
  if (mark > 256) return PLAIN_PATH.test(url)
  let segmentStart = true
  for (let i = 1; i < mark; i++) {
    const c = url.charCodeAt(i)
    if (c === 0x2f /* / */) {
      if (segmentStart) return false
      segmentStart = true
    } else if (c >= 128 || UNRESERVED[c] === 0 || (segmentStart && c === 0x2e) /* . */) {
      return false
    } else {
      segmentStart = false
    }
  }
  return true
}

// A link as it is read: every field there from the start (undefined until read), so that reading one is a store
// into a slot the object already has, never a new shape per field, and every link read has one shape.
class Reading {
  method: 'put' | undefined = undefined
  kid: string | undefined = undefined
  scope: number | undefined = undefined
  notBefore: number | undefined = undefined
  ip: string | undefined = undefined
  disposition: Disposition | undefined = undefined
  filename: string | undefined = undefined
  maxBytes: number | undefined = undefined
  contentType: string | undefined = undefined
  sha256: string | undefined = undefined
  issued: number | undefined = undefined
  uses: number | undefined = undefined
  nonce: string | undefined = undefined
  upload: string | undefined = undefined
  path = ''
  message = ''
  signature = ''
  signatureAt = 0
  /** How many extension fields were read. */
  extensions = 0
  constructor(readonly expiry: number) {}
}

// `expiry`'s digits from `at`, then `&method=get|put` and the extensions in their order, up to `end`.
function readFields(url: string, at: number, end: number): (Reading & Mutable<ReadLink>) | undefined {
  let amp = url.indexOf('&', at)
  const expiry = toExpiry(url.slice(at, amp))
  if (expiry === -1 || !url.startsWith('&method=', amp)) return undefined
  const fields = new Reading(expiry) as Reading & Mutable<ReadLink>
  if (url.startsWith('put', amp + 8)) fields.method = 'put'
  else if (!url.startsWith('get', amp + 8)) return undefined
  amp += 11
  for (let next = 0; amp !== end;) {
    if (url.charCodeAt(amp) !== 0x26 /* & */) return undefined
    const valueEnd = url.indexOf('&', amp + 1)
    let k = next
    while (k < EXTENSIONS.length && !isFieldAt(url, amp + 1, EXTENSIONS[k][1])) k++
    if (k === EXTENSIONS.length) return undefined
    const [, name, read] = EXTENSIONS[k]
    const value = read(url.slice(amp + 2 + name.length, valueEnd))
    if (value === undefined) return undefined
    assign(fields, k, value as never)
    fields.extensions++
    next = k + 1
    amp = valueEnd
  }
  return fields
}

/**
 * Stores the value of EXTENSIONS[k] in its property. A store by name per field, not `fields[property]`: a store by a
 * computed name is one site for every field, and it cost 10-12% of a verify with an extension (measured). The
 * suite checks every entry of EXTENSIONS lands in its own property.
 */
function assign(fields: Reading, k: number, value: never): void {
  switch (k) {
    case 0:
      return void (fields.kid = value)
    case 1:
      return void (fields.scope = value)
    case 2:
      return void (fields.notBefore = value)
    case 3:
      return void (fields.ip = value)
    case 4:
      return void (fields.disposition = value)
    case 5:
      return void (fields.filename = value)
    case 6:
      return void (fields.maxBytes = value)
    case 7:
      return void (fields.contentType = value)
    case 8:
      return void (fields.sha256 = value)
    case 9:
      return void (fields.issued = value)
    case 10:
      return void (fields.uses = value)
    case 11:
      return void (fields.nonce = value)
    case 12:
      return void (fields.upload = value)
  }
}

// Whether the parameter at `at` is `<name>=`.
function isFieldAt(url: string, at: number, name: string): boolean {
  return url.charCodeAt(at + name.length) === 0x3d /* = */ && url.startsWith(name, at)
}
