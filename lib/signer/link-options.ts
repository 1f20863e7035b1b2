// Per-link options of sign and grant: their names (an unknown one throws, so a typo never makes a weaker link) and
// the signed fields the options of sign become.
import { dispositionOption, filenameOption } from '../link/download-name.js'
import { ipField } from '../link/ip-range.js'
import { UPLOAD_ID, type SignedFields } from '../link/link-fields.js'
import { unixSeconds } from '../link/link-lifetime.js'
import { asOptions, assertKnownOptions, describeValue, type Mutable } from '../util/option-checks.js'
import { isCanonicalSignature, toBase64Url } from '../util/base64url.js'
import { contentTypeField } from '../link/media-types.js'
import type { GrantOptions, SignOptions, VerifyOptions } from './signer-options.js'

type Keys<T> = T extends unknown ? keyof T : never

const SIGN_OPTIONS: ReadonlySet<string> = new Set([
  'ttl',
  'expiresAt',
  'stableFor',
  'scope',
  'notBefore',
  'ip',
  'filename',
  'disposition',
  'method',
  'maxBytes',
  'contentType',
  'sha256',
  'uses',
  'upload',
] satisfies Array<Keys<SignOptions>>)
const GRANT_OPTIONS: ReadonlySet<string> = new Set(['ttl', 'expiresAt'] satisfies Array<Keys<GrantOptions>>)

/** Sign's options, checked as an object of known names (a TypeError with a "did you mean" otherwise). */
export function signOptionsOf(options: unknown): Readonly<Partial<SignOptions>> {
  const opts = asOptions<SignOptions>('sign', options)
  assertKnownOptions('sign', opts, SIGN_OPTIONS)
  return opts
}

const VERIFY_OPTIONS: ReadonlySet<string> = new Set(['method', 'grants', 'ip'] satisfies Array<keyof VerifyOptions>)

/** verify's options, checked likewise: a misspelt `Method` must not verify a link for every method. */
export function checkVerifyOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Object.getPrototypeOf(options) !== Object.prototype)
    asOptions('verify', options)
  assertKnownOptions('verify', options as object, VERIFY_OPTIONS)
}

/** Grant's options, checked likewise. */
export function grantOptionsOf(options: unknown): Readonly<Partial<GrantOptions>> {
  const opts = asOptions<GrantOptions>('grant', options)
  assertKnownOptions('grant', opts, GRANT_OPTIONS)
  return opts
}

/** 16 base64url characters from 12 random bytes (Web Crypto: the Node and the Web signers alike). */
function randomNonce(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(12)))
}

/** The most uses a link may allow (the field's grammar: at most six digits). */
const MAX_USES = 999_999

/**
 * The signed fields of sign's options beside the expiry, key id and scope: `notBefore`, `ip`, `disposition` and
 * `filename`, each checked (a TypeError names a bad one).
 */
export function extensionFields(opts: Readonly<Partial<SignOptions>>, expiry: number): Mutable<Partial<SignedFields>> {
  const fields: Mutable<Partial<SignedFields>> = {}
  if (opts.notBefore !== undefined) {
    // Rounded up: a link must not start working before the time asked for.
    const notBefore = unixSeconds('sign', 'notBefore', opts.notBefore, true)
    if (notBefore >= expiry)
      throw new TypeError(`sign: "notBefore" (${notBefore}) must come before the link's expiry (${expiry})`)
    fields.notBefore = notBefore
  }
  if (opts.ip !== undefined) fields.ip = ipField(opts.ip)
  if (opts.filename !== undefined || opts.disposition !== undefined) {
    if (opts.scope !== undefined)
      throw new TypeError('sign: "filename" and "disposition" are for one file, not a folder link ("scope")')
    fields.disposition = opts.disposition === undefined ? 'attachment' : dispositionOption(opts.disposition)
    if (opts.filename !== undefined) fields.filename = filenameOption(opts.filename)
  }
  if (opts.uses !== undefined) {
    if (!Number.isSafeInteger(opts.uses) || opts.uses < 1 || opts.uses > MAX_USES)
      throw new TypeError(`sign: "uses" must be a whole number from 1 to ${MAX_USES}, got ${describeValue(opts.uses)}`)
    if (opts.scope !== undefined || opts.method === 'put')
      throw new TypeError('sign: "uses" is for a GET link to one file: not with "scope" or method \'put\'')
    fields.uses = opts.uses
    // Links made alike in one second (or one stableFor window) would be one link, sharing one count: a purchase
    // each must have its own. 12 random bytes, signed.
    fields.nonce = randomNonce()
  }
  if (opts.method !== undefined && opts.method !== 'get' && opts.method !== 'put')
    throw new TypeError(`sign: "method" must be 'get' or 'put', got ${describeValue(opts.method)}`)
  const upload = opts.method === 'put'
  if (!upload && (opts.maxBytes ?? opts.contentType ?? opts.sha256 ?? opts.upload) !== undefined)
    throw new TypeError(
      'sign: "maxBytes", "contentType", "sha256" and "upload" are for an upload link (method: \'put\')',
    )
  if (upload) {
    if ((opts.scope ?? opts.filename ?? opts.disposition) !== undefined)
      throw new TypeError(
        'sign: an upload link (method: \'put\') names one file: no "scope", "filename" or "disposition"',
      )
    fields.method = 'put'
    if (opts.maxBytes !== undefined) {
      if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1)
        throw new TypeError(
          `sign: "maxBytes" must be a positive whole number of bytes, got ${describeValue(opts.maxBytes)}`,
        )
      fields.maxBytes = opts.maxBytes
    }
    if (opts.contentType !== undefined) fields.contentType = contentTypeField(opts.contentType)
    if (opts.sha256 !== undefined) {
      if (typeof opts.sha256 !== 'string' || !isCanonicalSignature(opts.sha256))
        throw new TypeError('sign: "sha256" must be the base64url SHA-256 of the content (43 characters)')
      fields.sha256 = opts.sha256
    }
    if (opts.upload !== undefined) {
      if (typeof opts.upload !== 'string' || !UPLOAD_ID.test(opts.upload))
        throw new TypeError('sign: "upload" must be a resumable upload\'s id (22 base64url characters)')
      fields.upload = opts.upload
    }
  }
  return fields
}
