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

// Each refusal's text, in one table: `message`, the error's own (shown to clients: it says which check failed and
// never carries the URL, the string to sign, a signature or a key), and `explanation`, the longer sentence the
// command line's verify prints (which parts of the link to look at).
export const REFUSAL_TEXTS: Readonly<
  Record<SignedUrlErrorCode, { readonly message: string; readonly explanation: string }>
> = {
  ERR_SIGNATURE_MISSING: {
    message: 'The URL carries no signature',
    explanation: 'the URL carries no signature parameter',
  },
  ERR_SIGNATURE_INVALID: {
    message: 'The URL signature does not match',
    explanation: 'the signature does not match this path and expiry under this key',
  },
  ERR_URL_EXPIRED: {
    message: 'The signed URL has expired',
    explanation: 'the link has expired',
  },
  ERR_METHOD_NOT_ALLOWED: {
    message: 'A signed URL only allows GET and HEAD',
    explanation:
      'the link does not allow this method (a GET link allows GET and HEAD, an upload link PUT: try --method PUT)',
  },
  ERR_PATH_NOT_CANONICAL: {
    message: 'The URL path is not canonical',
    explanation:
      'the path is not canonical (".", ".." or empty segments, an encoded / or \\, control characters, or a bad escape)',
  },
  ERR_QUERY_MALFORMED: {
    message: 'The URL query is malformed',
    explanation: 'expiry, method or signature is missing, malformed, or given more than once',
  },
  ERR_PATH_MISMATCH: {
    message: 'The path being served is not the signed path',
    explanation: 'the path served is not the signed path',
  },
  ERR_TARGET_NOT_CANONICAL: {
    message: 'The request target is not in plain origin form',
    explanation:
      'the request target is not plain origin-form (#, \\, spaces, control or non-ASCII characters, a leading //, or an odd authority)',
  },
  ERR_URL_NOT_YET_VALID: {
    message: 'The signed URL is not valid yet',
    explanation: 'the link is not valid yet',
  },
  ERR_IP_NOT_ALLOWED: {
    message: 'The signed URL is not valid from this address',
    explanation: 'the link is bound to other client addresses',
  },
  // Refusals of an upload's body, not of a link: the CLI's verify never gives them.
  ERR_UPLOAD_TOO_LARGE: {
    message: 'The upload is larger than allowed',
    explanation: 'the upload is larger than allowed',
  },
  ERR_UPLOAD_TYPE: {
    message: 'The upload is not of an allowed type',
    explanation: 'the upload is not of an allowed type',
  },
  ERR_UPLOAD_EXISTS: {
    message: 'A file is already there',
    explanation: 'a file is already there',
  },
  ERR_UPLOAD_DIGEST: {
    message: 'The upload does not match its signed digest',
    explanation: 'the upload does not match its signed digest',
  },
  ERR_UPLOAD_TIMEOUT: {
    message: 'The upload stalled',
    explanation: 'the upload stalled',
  },
  ERR_UPLOAD_STORAGE: {
    message: 'The upload could not be stored',
    explanation: 'the upload could not be stored',
  },
  // A store's refusals, at a guard: the CLI's verify checks no store.
  ERR_LINK_REVOKED: {
    message: 'The signed URL has been revoked',
    explanation: 'the link has been revoked',
  },
  ERR_USES_EXHAUSTED: {
    message: 'The signed URL has been used as many times as it allows',
    explanation: 'the link has been used as many times as it allows',
  },
  ERR_USES_BUSY: {
    message: 'The signed URL is in use by other downloads: retry shortly',
    explanation: 'what the link has left is held by its downloads still running',
  },
  ERR_STORE_UNAVAILABLE: {
    message: 'The signed URL cannot be checked right now',
    explanation: 'the store that counts uses or revocations could not answer',
  },
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

  /** Which check failed. */ readonly code: SignedUrlErrorCode
  /** The HTTP status the guard answers with. */ status: number
  /** Always true: the message is safe to show a client. */ readonly expose = true

  constructor(code: SignedUrlErrorCode, status = 403) {
    super(REFUSAL_TEXTS[code].message)
    this.name = 'SignedUrlError'
    this.code = code
    this.status = status
  }

  /** The same as `status`, for error handlers that read `statusCode` (as http-errors sets both). */
  get statusCode(): number {
    return this.status
  }

  /** Sets `status`. */
  set statusCode(value: number) {
    this.status = value
  }
}

Object.defineProperty(SignedUrlError.prototype, BRAND, { value: true })

/** A refused verification: what `verify` returns instead of throwing. */
export interface Refusal {
  /** The link is refused. */ ok: false
  /** Why: its `code` says which check failed. */ error: SignedUrlError
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
  Object.entries(REFUSAL_TEXTS).map(([code, { message }]) => [
    code,
    Object.create(SignedUrlError.prototype, {
      message: { value: message, writable: true, configurable: true },
      stack: { value: `SignedUrlError: ${message}`, writable: true, configurable: true },
    }) as object,
  ]),
) as Record<SignedUrlErrorCode, object>
