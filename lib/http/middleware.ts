// The shapes every middleware of the package shares (and what a guard leaves for the handlers after it): here, in
// a file of their own, so the guards, the refusals and res.locals all import them from below.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SignedUrlError, SignedUrlErrorCode } from '../util/errors.js'
import type { VerifyResult } from '../signer/signer-options.js'

/** What a guard verified, on `res.locals.signedLink` for the handlers after it. */
export type VerifiedLink = Extract<
  VerifyResult,
  {
    /** The link is good. */ ok: true
  }
>

/** Passes the request on (`next()`), or an error to the app's error handler (`next(err)`). */
export type Next = (err?: unknown) => void
/** A Connect/Express middleware; `req`/`res` are Node's, so Express's and Connect's objects both fit. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Called instead of the default refusal; render a page, or pass the error on with `next(err)`. */
export type RejectHandler = (err: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next) => void

/** What a guard verified, and the headers of a served response: the link's lifetime, and its download name. */
export interface SignedHeaders {
  readonly cacheControl: string
  readonly contentDisposition?: string
  readonly link: VerifiedLink
  /** The target the next handler acts on (`req.url` in origin-form), as the guard read it once. */
  readonly served: string
}

/** How the upload middlewares refuse a request: through the guard's refusal, with the code's status or `status`. */
export type RefuseUpload = (
  code: SignedUrlErrorCode,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  status?: number,
) => void
