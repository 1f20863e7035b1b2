/** Every way a signed link can be refused, each with a stable code callers can branch on. */
export type SignedUrlErrorCode =
  | 'ERR_SIGNATURE_MISSING'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_URL_EXPIRED'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_PATH_NOT_CANONICAL'
  | 'ERR_QUERY_MALFORMED'
  | 'ERR_PATH_MISMATCH'
  | 'ERR_TARGET_NOT_CANONICAL'
  | 'ERR_URL_NOT_YET_VALID'
  | 'ERR_IP_NOT_ALLOWED'
  | 'ERR_UPLOAD_TOO_LARGE'
  | 'ERR_UPLOAD_TYPE'
  | 'ERR_UPLOAD_EXISTS'
  | 'ERR_UPLOAD_DIGEST'
  | 'ERR_UPLOAD_TIMEOUT'
  | 'ERR_UPLOAD_STORAGE'
  | 'ERR_LINK_REVOKED'
  | 'ERR_USES_EXHAUSTED'
  | 'ERR_USES_BUSY'
  | 'ERR_STORE_UNAVAILABLE'

const BRAND = Symbol.for('express-signed-url.SignedUrlError')

// Messages say which check failed and never carry the URL, the string to sign, a signature or a key.
const MESSAGES: Readonly<Record<SignedUrlErrorCode, string>> = {
  ERR_SIGNATURE_MISSING: 'The URL carries no signature',
  ERR_SIGNATURE_INVALID: 'The URL signature does not match',
  ERR_URL_EXPIRED: 'The signed URL has expired',
  ERR_METHOD_NOT_ALLOWED: 'A signed URL only allows GET and HEAD',
  ERR_PATH_NOT_CANONICAL: 'The URL path is not canonical',
  ERR_QUERY_MALFORMED: 'The URL query is malformed',
  ERR_PATH_MISMATCH: 'The path being served is not the signed path',
  ERR_TARGET_NOT_CANONICAL: 'The request target is not in plain origin form',
  ERR_URL_NOT_YET_VALID: 'The signed URL is not valid yet',
  ERR_IP_NOT_ALLOWED: 'The signed URL is not valid from this address',
  ERR_UPLOAD_TOO_LARGE: 'The upload is larger than allowed',
  ERR_UPLOAD_TYPE: 'The upload is not of an allowed type',
  ERR_UPLOAD_EXISTS: 'A file is already there',
  ERR_UPLOAD_DIGEST: 'The upload does not match its signed digest',
  ERR_UPLOAD_TIMEOUT: 'The upload stalled',
  ERR_UPLOAD_STORAGE: 'The upload could not be stored',
  ERR_LINK_REVOKED: 'The signed URL has been revoked',
  ERR_USES_EXHAUSTED: 'The signed URL has been used as many times as it allows',
  ERR_USES_BUSY: 'The signed URL is in use by other downloads: retry shortly',
  ERR_STORE_UNAVAILABLE: 'The signed URL cannot be checked right now',
}

/**
 * A refused signed link. `code` says which check failed, `status` (and `statusCode`, the same) is the HTTP status
 * the guard answers with (403 unless configured otherwise), and `expose` is true: the message is safe to show a
 * client.
 */
export class SignedUrlError extends Error {
  /**
   * `instanceof SignedUrlError` holds for an error from any copy of this class: the CommonJS main entry and the
   * ESM web entry each load their own, and an app may mix them. It checks a brand every SignedUrlError carries
   * (`Symbol.for('express-signed-url.SignedUrlError')` on the prototype), not the prototype chain.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SignedUrlError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  readonly code: SignedUrlErrorCode
  status: number
  readonly expose = true

  constructor(code: SignedUrlErrorCode, status = 403) {
    super(MESSAGES[code])
    this.name = 'SignedUrlError'
    this.code = code
    this.status = status
  }

  /** The same as `status`, for error handlers that read `statusCode` (as http-errors sets both). */
  get statusCode(): number {
    return this.status
  }

  set statusCode(value: number) {
    this.status = value
  }
}

Object.defineProperty(SignedUrlError.prototype, BRAND, { value: true })

/** A refused verification: what `verify` returns instead of throwing. */
export interface Refusal {
  ok: false
  error: SignedUrlError
}

/**
 * A refusal with a fresh SignedUrlError, built without a stack trace: capturing one is most of what a refusal
 * costs, and a forged link must cost no more than a valid one (the stack would only name the library's frames).
 */
export function refuse(code: SignedUrlErrorCode): Refusal {
  return { ok: false, error: stackless(code) }
}

/**
 * A SignedUrlError without a stack trace, for refusals on the request path: an instance of SignedUrlError and
 * Error with the same own enumerable properties (`code`, `status`, `expose`, `name`), whose `message` and `stack`
 * (its first line only) come from a prototype made once per code. It is made without running the Error
 * constructor, which captures a trace however low the limit is set and costs more than verifying a link.
 */
export function stackless(code: SignedUrlErrorCode): SignedUrlError {
  const error = Object.create(REFUSALS[code]) as Record<string, unknown>
  // In the order the constructor sets them (class fields, then the constructor's body), so both serialise alike.
  error.code = code
  error.status = 403
  error.expose = true
  error.name = 'SignedUrlError'
  return error as unknown as SignedUrlError
}

const REFUSALS = Object.fromEntries(
  Object.entries(MESSAGES).map(([code, message]) => [
    code,
    Object.create(SignedUrlError.prototype, {
      message: { value: message, writable: true, configurable: true },
      stack: { value: `SignedUrlError: ${message}`, writable: true, configurable: true },
    }) as object,
  ]),
) as Record<SignedUrlErrorCode, object>
