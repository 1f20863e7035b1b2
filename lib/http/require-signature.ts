import { createGuard } from './guard.js'
import { GUARD_OPTIONS, type GuardOptions } from './guard-options.js'
import type { Middleware } from './middleware.js'
import { requestUses } from './use-count.js'

/** Options of {@link requireSignature}. */
export type RequireSignatureOptions = GuardOptions

/**
 * Refuses requests whose link is missing, forged, expired, not yet valid or bound to other addresses; passes the
 * rest on with `Cache-Control: private, max-age=<seconds left>` (and the link's `Content-Disposition`, which the
 * handler may still replace). Throws a TypeError on bad options.
 *
 * @example
 * app.get('/reports/:id.pdf', requireSignature({ key: process.env.SIGNING_KEY }), sendReport)
 */
export function requireSignature(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('requireSignature', options, new Set(GUARD_OPTIONS))
  return function requireSignatureMiddleware(req, res, next) {
    const headers = guard(req, res, next)
    if (headers === undefined) return
    res.setHeader('Cache-Control', headers.cacheControl)
    if (headers.contentDisposition !== undefined) res.setHeader('Content-Disposition', headers.contentDisposition)
    // A limited-use link: here one use is one request the handler answers 2xx.
    const { uses } = headers.link
    if (uses === undefined) next()
    else guard.count(req, res, next, headers.link, requestUses(uses), 'response', () => next())
  }
}
