// How a guard answers a refused request: the default response, or the error passed on to the app.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { SignedUrlError } from '../util/errors.js'
import type { Next } from './middleware.js'

const BODIES = new Map(
  [400, 403, 404, 408, 409, 410, 413, 415, 422, 503, 507].map((code) => [
    code,
    Buffer.from(`${STATUS_CODES[code] ?? ''}\n`),
  ]),
)
const FORBIDDEN = Buffer.from(`${STATUS_CODES[403] ?? 'Forbidden'}\n`)

/**
 * The default refusal: `err.status`, a short text body and `Cache-Control: no-store`; nothing about the link.
 * Call it from an `onReject` hook that only wants to log or count before refusing as usual.
 */
export function respondRefused(err: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next): void {
  if (res.headersSent) return next(err)
  const body = BODIES.get(err.status) ?? FORBIDDEN
  res.statusCode = err.status
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Content-Length', body.length)
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** The refusal of `forwardRefusals: true`: the error, status set, to the app's error handler. */
export function forwardRefusal(err: SignedUrlError, _req: IncomingMessage, _res: ServerResponse, next: Next): void {
  next(err)
}
