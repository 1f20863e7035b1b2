import type { IncomingMessage, ServerResponse } from 'node:http'
import connect from 'connect'
import express5 from 'express'
import type { Middleware, Next, RejectHandler, SignedHeaders, VerifiedLink } from '../../lib/http/middleware'
import { requireSignature } from '../../lib/http/require-signature'
import { createSigner } from '../../lib/signer/signer'
import type { SignedUrlError } from '../../lib/util/errors'
import { frameworks, KEY, NOW_MS, now, send } from '../support/helpers'

// middleware.ts holds types only: what they promise is checked here twice, by tsc (`tsc -p __tests__`, where each
// expected error fails the check if the misuse compiles) and at run time on Express 4, Express 5 and Connect.
const signer = createSigner({ key: KEY, now })

// A Middleware built by hand, so the checks below are about the type, not about one factory's return.
const passOn: Middleware = function passOnMiddleware(_req: IncomingMessage, _res: ServerResponse, next: Next) {
  next()
}

/** Compile-time checks only; never called. */
export function typeChecks(link: VerifiedLink, headers: SignedHeaders, onReject: RejectHandler): void {
  // Express 5's and Connect's app.use and routes take a Middleware as it is, with no cast.
  express5().use(passOn).use('/files', passOn).get('/a.png', passOn)
  express5.Router().use(passOn)
  connect().use(passOn).use('/files', passOn)
  // A RejectHandler is a Middleware that also gets the error, so it can end the response or pass the error on.
  const handler: RejectHandler = (err, _req, res, next) => (err.expose ? res.end() : next(err))
  requireSignature({ key: KEY, onReject: handler })
  // @ts-expect-error a RejectHandler gets the error first: a plain middleware is not one
  requireSignature({ key: KEY, onReject: (req: IncomingMessage) => req.url })
  // @ts-expect-error the signature a store keys by is read-only
  link.signature = 'forged'
  // @ts-expect-error what a guard verified and the headers it computed are read-only for the handlers after it
  headers.cacheControl = 'public, max-age=31536000'
  // @ts-expect-error SignedHeaders.link is read-only
  headers.link = link
  // @ts-expect-error SignedHeaders.served is read-only
  headers.served = '/other.png'
  // A VerifiedLink is only ever an accepted link: `ok` is `true`, never `false`.
  const ok: true = link.ok
  // @ts-expect-error a refusal (ok: false) is not a VerifiedLink
  const refused: VerifiedLink = { ok: false, error: onReject as unknown as SignedUrlError }
  void [ok, refused]
}

describe.each(frameworks)('a Middleware on $name', (fw) => {
  it('runs in the stack and passes on with next(), leaving the VerifiedLink for the handler after it', async () => {
    const app = fw.create()
    app.use(passOn)
    app.use(requireSignature({ signer }))
    app.use((_req: IncomingMessage, res: ServerResponse) => {
      const { signedLink } = (res as ServerResponse & { locals: { signedLink: VerifiedLink } }).locals
      res.end(JSON.stringify(signedLink))
    })
    const reply = await send(app, signer.sign('private/a.png', { ttl: 60 }))
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body.toString())).toEqual({
      ok: true,
      path: 'private/a.png',
      expiresAt: NOW_MS / 1000 + 60,
      secondsLeft: 60,
    })
  })

  it('calls a RejectHandler with the error, and its next(err) reaches the error handler', async () => {
    const seen: string[] = []
    const onReject: RejectHandler = (err, _req, _res, next) => {
      seen.push(err.code)
      next(err)
    }
    const app = fw.create()
    app.use(requireSignature({ signer, onReject }))
    app.use((_req: IncomingMessage, res: ServerResponse) => res.end('served'))
    app.use((err: SignedUrlError, _req: IncomingMessage, res: ServerResponse, _next: Next) => {
      res.statusCode = err.status
      res.end(err.code)
    })
    const reply = await send(app, '/private/a.png')
    expect(seen).toEqual(['ERR_SIGNATURE_MISSING'])
    expect(reply.status).toBe(403)
    expect(reply.body.toString()).toBe('ERR_SIGNATURE_MISSING')
  })
})
