import { createGuard } from './guard.js'
import { GUARD_OPTIONS } from './guard-options.js'
import type { Middleware } from './middleware.js'
import type { RequireSignatureOptions } from './require-signature.js'

/**
 * Answers whether a link may be served, without serving or counting it: 204, or the guard's refusal (revoked,
 * forged, expired...). For a front server that serves the files itself and asks the app first, such as nginx's
 * `auth_request` (examples/nginx/revocation.conf), which sends the original target as this request's. Limited-use
 * links are let through uncounted: the front server must count or refuse them (nginx refuses them). Throws a
 * TypeError on bad options.
 */
export function revocationCheck(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('revocationCheck', options, new Set(GUARD_OPTIONS))
  return function revocationCheckMiddleware(req, res, next) {
    if (guard(req, res, next) === undefined) return
    res.statusCode = 204
    res.setHeader('Cache-Control', 'no-store')
    res.end()
  }
}
