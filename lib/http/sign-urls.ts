import type { IncomingMessage, ServerResponse } from 'node:http'
import { cookieName, setGrantCookie } from './set-grant-cookie.js'
import { localsOf } from './locals.js'
import type { Middleware, VerifiedLink } from './middleware.js'
import { asOptions, assertKnownOptions } from '../util/option-checks.js'
import { buildSigner, type Signer } from '../signer/signer.js'
import type { Grant, GrantOptions, SignOptions, SignerOptions } from '../signer/signer-options.js'

/** `res.locals.signUrl`: returns a signed link for a decoded path, as `Signer#sign` does. */
export type SignUrl = (path: string, options?: SignOptions) => string

/**
 * `res.locals.grantAccess`: grants this browser every file below a folder (ending in `/`) until the grant
 * expires, through a cookie the guards accept; returns the grant. For players that fetch many files by relative
 * URLs (HLS, DASH), or a page with its images.
 */
export type GrantAccess = (folder: string, options?: GrantOptions) => Grant

/** Options of {@link signUrls} beyond the signer's. */
export interface SignUrlsOptions {
  /** Name of the folder-grant cookie; the guards must use the same. Default `'signed-grant'`. */
  grantCookie?: string
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Signs a link for templates: `<img src="<%= signUrl('private/image.png') %>">`. */
      signUrl: SignUrl
      /** Sets a cookie granting a whole folder: `res.locals.grantAccess('private/videos/42/', { ttl: '2h' })`. */
      grantAccess: GrantAccess
      /** What `requireSignature` or `signedStatic` verified for this request: path, expiry, seconds left, folder. */
      signedLink?: VerifiedLink
    }
  }
}

/**
 * Puts `res.locals.signUrl(path, options?)` on every response so any template engine can print signed links,
 * and `res.locals.grantAccess(folder, options?)` for folder grants. Takes a signer from `createSigner`, or the
 * same options. Throws a TypeError on bad options.
 *
 * @example
 * ```js
 * app.use(signUrls({ key: process.env.SIGNING_KEY, ttl: '10m' }))
 * // in a view: <img src="<%= signUrl('private/image.png') %>">
 * ```
 */
export function signUrls(
  signerOrOptions: Signer | Readonly<SignerOptions>,
  options?: Readonly<SignUrlsOptions>,
): Middleware {
  const signer = signerFrom(signerOrOptions)
  const opts = asOptions<SignUrlsOptions>('signUrls', options)
  assertKnownOptions('signUrls', opts, new Set(['grantCookie']))
  const name = cookieName('signUrls', opts.grantCookie)
  // Made once: per request the middleware only assigns this function (and binds grantAccess to the response).
  const signUrl: SignUrl = (path, signOptions) => signer.sign(path, signOptions)

  return function signUrlsMiddleware(req: IncomingMessage, res: ServerResponse, next) {
    const locals = localsOf(res)
    locals.signUrl = signUrl
    locals.grantAccess = function grantAccess(folder: string, grantOptions?: GrantOptions): Grant {
      if (typeof signer.grant !== 'function')
        throw new TypeError('grantAccess: the signer has no grant(); use one from createSigner()')
      const grant = signer.grant(folder, grantOptions)
      setGrantCookie(req, res, name, grant)
      return grant
    }
    next()
  }
}

// A signer from createSigner, used as it is, or one built from the signer's options.
function signerFrom(value: unknown): Signer {
  const opts = asOptions<SignerOptions & Signer>('signUrls', value)
  if (typeof opts.sign === 'function') {
    // A signer's own functions, and nothing else: options beside it would be silently ignored.
    const extra = Object.getOwnPropertyNames(opts).filter((name) => !['sign', 'verify', 'grant'].includes(name))
    if (extra.length > 0)
      throw new TypeError(
        `signUrls: give either a signer or signer options, not both: set "${extra[0]}" in createSigner()`,
      )
    return opts as Signer
  }
  return buildSigner('signUrls', opts)
}
