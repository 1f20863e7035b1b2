// The common link shape read in one pass, for the Node signer's fast path: a plain path, `expiry`, `method=get`,
// an optional `kid` and the signature last. It agrees with link-format.ts's parser on every link it reads (a test
// holds it to that) and reads no other: any other link, with any other field, goes to that parser.
import { isKeyId } from '../crypto/keys.js'
import type { LinkFields } from './link-fields.js'
import { toExpiry } from './link-lifetime.js'

/** A link of the common shape, read by {@link plainLink}: its signature is the URL's last 43 characters. */
export interface PlainLink extends LinkFields {
  readonly message: string
  /** Where the signature begins in the URL. */
  readonly signatureAt: number
  /** The signature's 43 characters. */
  readonly signature: string
}

// `/`, then segments of unreserved characters (`\w` is A-Z a-z 0-9 _), none `.` or `..`, the last `/` optional.
const PLAIN_PATH = /^\/(?:(?!\.{1,2}[/?])[\w.~-]+\/)*(?:(?!\.{1,2}\?)[\w.~-]+)?\?/
const EXPIRY_FIELD = '?expiry='
const METHOD_FIELD = '&method=get'
const KID_FIELD = '&kid='
const SIGNATURE_FIELD = '&signature='

/**
 * The common link shape read in one pass, or undefined for any other (the general parser then decides, so this
 * only ever agrees with it): `/<path>?expiry=<seconds>&method=get[&kid=<id>]&signature=<43 characters>` and
 * nothing more, the path of RFC 3986 unreserved characters and `/` only, canonical. The signature's characters
 * are left to its decoder. The string to sign is then the URL itself, from after the `/` to `&signature=`.
 */
export function plainLink(url: string): PlainLink | undefined {
  const signatureAt = url.length - 43
  const fieldAt = signatureAt - SIGNATURE_FIELD.length
  if (url.charCodeAt(0) !== 0x2f /* / */ || fieldAt < 2 || !url.startsWith(SIGNATURE_FIELD, fieldAt)) return undefined
  // The path: canonical (no empty, `.` or `..` segment), of characters that need no decoding, checked by one
  // regular expression on the URL itself: it walks a long path several times faster than a loop over its
  // characters, in linear time (each segment's characters exclude `/`, so nothing backtracks across one).
  const query = url.indexOf('?')
  if (query < 2 || query > fieldAt || !url.startsWith(EXPIRY_FIELD, query) || !PLAIN_PATH.test(url)) return undefined
  // expiry, in link-format's one grammar of it, up to the first `&method=get`.
  const digitsAt = query + EXPIRY_FIELD.length
  const methodAt = url.indexOf(METHOD_FIELD, digitsAt)
  if (methodAt === -1 || methodAt > fieldAt) return undefined
  const expiry = toExpiry(url.slice(digitsAt, methodAt))
  if (expiry === -1) return undefined
  const at = methodAt + METHOD_FIELD.length
  let kid: string | undefined
  if (at !== fieldAt) {
    if (!url.startsWith(KID_FIELD, at)) return undefined
    kid = url.slice(at + KID_FIELD.length, fieldAt)
    if (!isKeyId(kid)) return undefined
  }
  const path = url.slice(1, query)
  const message = url.slice(1, fieldAt)
  const signature = url.slice(signatureAt)
  return kid === undefined
    ? { path, expiry, message, signatureAt, signature }
    : { path, expiry, kid, message, signatureAt, signature }
}
