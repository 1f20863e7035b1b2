import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Middleware } from './guard.js'
import { asOptions } from './options.js'
import { buildSigner, type SignOptions, type Signer, type SignerOptions } from './signer.js'

/** `res.locals.signUrl`: returns a signed link for a decoded path, as `Signer#sign` does. */
export type SignUrl = (path: string, options?: SignOptions) => string

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Signs a link for templates: `<img src="<%= signUrl('private/image.png') %>">`. */
      signUrl: SignUrl
    }
  }
}

/**
 * Puts `res.locals.signUrl(path, options?)` on every response so any template engine can print signed links.
 * Takes a signer from `createSigner`, or the same options. Throws a TypeError on bad options.
 *
 * @example
 * app.use(signUrls({ key: process.env.SIGNING_KEY, ttl: '10m' }))
 * // in a view: <img src="<%= signUrl('private/image.png') %>">
 */
export function signUrls(signerOrOptions: Signer | Readonly<SignerOptions>): Middleware {
  const signer = toSigner(signerOrOptions)
  // Made once: per request the middleware only assigns this function.
  const signUrl: SignUrl = (path, options) => signer.sign(path, options)

  return function signUrlsMiddleware(_req: IncomingMessage, res: ServerResponse & { locals?: Record<string, unknown> }, next) {
    // Connect has no res.locals; Express creates it per request.
    if (res.locals === undefined) res.locals = Object.create(null) as Record<string, unknown>
    res.locals.signUrl = signUrl
    next()
  }
}

function toSigner(value: unknown): Signer {
  const opts = asOptions<SignerOptions & Signer>('signUrls', value)
  if (typeof opts.sign === 'function') return opts as Signer
  return buildSigner('signUrls', opts)
}
