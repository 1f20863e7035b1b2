// The signed fields of a link: their types, and the extensions in their one order with the reader and writer of
// each value. The link format (link-format.ts) builds and reads links from this table.
import { isBase64Url, isCanonicalSignature } from '../util/base64url.js'
import { encodeFilename, readDisposition, readFilename, type Disposition } from './download-name.js'
import { readIpField } from './ip-range.js'
import { isKeyId } from '../crypto/keys.js'
import { toExpiry } from './link-lifetime.js'
import { encodeMediaTypes, readMediaTypes } from './media-types.js'

/**
 * The signed fields of a link besides its path. `kid` names the key that signed it; `scope`, when present, says
 * the signature grants the folder made of the path's first `scope` segments, and everything below it; `notBefore`
 * (Unix seconds) is when the link starts to work; `ip` the client addresses it serves (canonical text, `,`
 * between entries); `disposition` and `filename` the Content-Disposition it is served with. An upload link
 * (`method=put`) may carry `maxBytes`, `contentType` and `sha256` instead. `issued` (Unix seconds) says when the
 * link was made, so a folder's revocation can spare links made after it; `uses` how many times a GET link may be
 * used (see the store), with a random `nonce` so two such links are never one. All are extensions: a link without them is exactly v1 (ittybit's form, for GET or PUT).
 */
export interface SignedFields {
  readonly expiry: number
  readonly kid?: string
  readonly scope?: number
  readonly notBefore?: number
  readonly ip?: string
  readonly disposition?: Disposition
  readonly filename?: string
  /** `put` for an upload link (method=put); absent for a GET link. */
  readonly method?: 'put'
  readonly maxBytes?: number
  /** Media types, lower case, `,` between them. */
  readonly contentType?: string
  /** The base64url SHA-256 of the exact content. */
  readonly sha256?: string
  /** When the link was made (Unix seconds), if the signer stamps it. */
  readonly issued?: number
  /** How many uses the link allows (a GET link for one file). */
  readonly uses?: number
  /** 16 random base64url characters that make a limited-use link unique, however alike its other fields. */
  readonly nonce?: string
  /**
   * A resumable upload's id (22 base64url characters): on the upload link signedUpload answers a tus creation
   * with, so the link opens that one upload and no other.
   */
  readonly upload?: string
}

/** The signed fields, with the path: decoded, without its leading `/`. */
export interface LinkFields extends SignedFields {
  readonly path: string
}

/** The signed fields a query carries, and its signature (unchecked): a link without its path. */
export interface QueryFields extends SignedFields {
  readonly signature: string
}

/**
 * A link read back from a URL (or a grant cookie): its signed fields, the string they sign, and the signature it
 * carries (unchecked). For a grant, `path` is the path requested and `message` signs the granted folder.
 */
export interface ParsedLink extends LinkFields, QueryFields {
  readonly message: string
}

export type Extension = Exclude<keyof SignedFields, 'expiry' | 'method'>
type Value = NonNullable<SignedFields[Extension]>

/**
 * The extension fields, in the one order the string to sign and the link carry them: the property, the query
 * parameter, the reader of its query value (undefined when it is not the value's one spelling), and its writer. A
 * new signed field is one entry here and one in SignedFields.
 */
export const EXTENSIONS: ReadonlyArray<
  readonly [Extension, string, (text: string) => Value | undefined, ((value: never) => string)?]
> = [
  ['kid', 'kid', (text) => (isKeyId(text) ? text : undefined)],
  ['scope', 'scope', (text) => digits(text, 2)],
  ['notBefore', 'notbefore', (text) => digits(text, 11)],
  ['ip', 'ip', (text) => (readIpField(text) === undefined ? undefined : text)],
  ['disposition', 'disposition', readDisposition],
  ['filename', 'filename', readFilename, encodeFilename],
  ['maxBytes', 'maxbytes', readCount],
  ['contentType', 'contenttype', readMediaTypes, encodeMediaTypes],
  ['sha256', 'sha256', (text) => (isCanonicalSignature(text) ? text : undefined)],
  ['issued', 'issued', (text) => digits(text, 11)],
  ['uses', 'uses', (text) => digits(text, 6)],
  ['nonce', 'nonce', (text) => (text.length === 16 && isBase64Url(text) ? text : undefined)],
  ['upload', 'upload', (text) => (UPLOAD_ID.test(text) ? text : undefined)],
]

/** The fields only an upload link carries. */
export const UPLOAD_FIELDS: readonly Extension[] = ['maxBytes', 'contentType', 'sha256', 'upload']

/** A resumable upload's id: 16 random bytes in base64url. */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/

// A number of at most `most` digits without a leading zero (`^[1-9][0-9]{0,most-1}$`, what toExpiry reads), or
// undefined. Read by one loop rather than a regular expression: these fields are read on every request.
function digits(text: string, most: number): number | undefined {
  if (text.length > most) return undefined
  const value = toExpiry(text)
  return value === -1 ? undefined : value
}

// A byte count: `^[1-9][0-9]{0,14}$`, at most Number.MAX_SAFE_INTEGER.
function readCount(text: string): number | undefined {
  return /^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined
}

const EXTENSION_NAMES = EXTENSIONS.map(([, name]) => name)
/** Every signed field's name, as a query spells it: expiry, method, signature, then the extensions in order. */
export const SIGNED_FIELDS: readonly string[] = ['expiry', 'method', 'signature', ...EXTENSION_NAMES]
