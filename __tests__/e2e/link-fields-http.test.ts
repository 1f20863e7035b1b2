import type { IncomingMessage, ServerResponse } from 'node:http'
import { create as contentDisposition } from 'content-disposition'
import serveStatic from 'serve-static'
import { createSigner, requireSignature, signedStatic } from 'express-signed-url'
import {
  fixture,
  frameworks,
  guards,
  KEY,
  listen,
  NOW_MS,
  now,
  recordCode,
  SITE,
  type Handler,
} from '../support/helpers'

// The extension fields through real servers: Express 4, Express 5 and Connect, both guards, requests over loopback.
type App = ReturnType<(typeof frameworks)[number]['create']>

describe.each(frameworks)('link fields on $name', (fw) => {
  const signer = createSigner({ key: KEY, now })
  const isExpress = fw.name !== 'Connect'

  function app(make: (root: string) => Handler, setup?: (app: App) => void): App {
    const application = fw.create()
    setup?.(application)
    application.use(make(SITE))
    application.use((err: { code?: string }, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = 500
      res.end(String(err.code))
    })
    return application
  }

  describe.each(guards)('$name', (guard) => {
    const plain = app((root) => guard.make(root, { signer, onReject: recordCode }))
    const request = async (target: string, headers: Record<string, string> = {}, application = plain) => {
      const server = await listen(application)
      try {
        return await server.send(target, { headers })
      } finally {
        await server.close()
      }
    }

    it('refuses a link before its notBefore with ERR_URL_NOT_YET_VALID, uncached, then serves it', async () => {
      const link = signer.sign('private/image.png', { notBefore: NOW_MS / 1000 + 60 })
      const early = await request(link)
      expect(early.status).toBe(403)
      expect(early.headers['x-test-refusal']).toBe('ERR_URL_NOT_YET_VALID')
      expect(early.headers['cache-control']).toBe('no-store')
      const later = createSigner({ key: KEY, now: () => NOW_MS + 60_000 })
      const served = await request(
        link,
        {},
        app((root) => guard.make(root, { signer: later })),
      )
      expect(served.status).toBe(200)
      expect(served.body).toEqual(fixture('private/image.png'))
      expect(served.headers['cache-control']).toBe('private, max-age=3540')
    })

    it('serves a link bound to the loopback range to a loopback client, and refuses one bound elsewhere', async () => {
      const here = await request(signer.sign('private/image.png', { ip: ['127.0.0.0/8', '::1'] }))
      expect(here.status).toBe(200)
      expect(here.body).toEqual(fixture('private/image.png'))
      const elsewhere = await request(signer.sign('private/image.png', { ip: '203.0.113.7' }))
      expect(elsewhere.status).toBe(403)
      expect(elsewhere.headers['x-test-refusal']).toBe('ERR_IP_NOT_ALLOWED')
    })

    it('ignores X-Forwarded-For unless Express trusts the proxy', async () => {
      const link = signer.sign('private/image.png', { ip: '203.0.113.7' })
      const spoofed = await request(link, { 'X-Forwarded-For': '203.0.113.7' })
      expect(spoofed.status).toBe(403)
      expect(spoofed.headers['x-test-refusal']).toBe('ERR_IP_NOT_ALLOWED')
      const behindProxy = app(
        (root) => guard.make(root, { signer, onReject: recordCode }),
        (a) => (a as unknown as { set(name: string, value: unknown): void }).set?.('trust proxy', 'loopback'),
      )
      const proxied = await request(link, { 'X-Forwarded-For': '203.0.113.7' }, behindProxy)
      // Express reads the client from the trusted proxy's header; Connect has no trust proxy, and keeps the socket's.
      expect(proxied.status).toBe(isExpress ? 200 : 403)
      const loopbackLink = signer.sign('private/image.png', { ip: '127.0.0.1' })
      const proxiedLoopback = await request(loopbackLink, { 'X-Forwarded-For': '203.0.113.7' }, behindProxy)
      expect(proxiedLoopback.status).toBe(isExpress ? 403 : 200)
    })

    it.each([
      ['Report 2026.pdf', 'attachment'],
      ['Résumé – 2026.pdf', 'attachment'],
      ['報告書.pdf', 'inline'],
      ['"quoted" 100%.txt', 'attachment'],
    ] as const)('serves a link for %j (%s) with its Content-Disposition', async (filename, disposition) => {
      const res = await request(signer.sign('private/docs/report-2026.pdf', { filename, disposition }))
      expect(res.status).toBe(200)
      expect(res.headers['content-disposition']).toBe(contentDisposition(filename, { type: disposition }))
      expect(res.body).toEqual(fixture('private/docs/report-2026.pdf'))
    })

    it('sends no Content-Disposition for a link without one, and inline alone for disposition: inline', async () => {
      expect((await request(signer.sign('private/image.png'))).headers['content-disposition']).toBeUndefined()
      const inline = await request(signer.sign('private/image.png', { disposition: 'inline' }))
      expect(inline.headers['content-disposition']).toBe('inline')
    })

    it('never answers 500 for a malformed or forged field value', async () => {
      const expiry = NOW_MS / 1000 + 60
      const signature = signer.sign('private/image.png').split('signature=')[1]
      for (const extra of [
        'ip=1.2.3.4%2F8',
        'ip=',
        'ip=::ffff:1.2.3.4',
        'notbefore=0',
        'notbefore=x',
        'filename=%',
        'filename=%00',
        'disposition=Inline',
        'filename=a%2Fb',
        'ip=1.2.3.4,,5.6.7.8',
      ]) {
        const res = await request(`/private/image.png?expiry=${expiry}&method=get&${extra}&signature=${signature}`)
        expect([extra, res.status]).toEqual([extra, 403])
        expect(['ERR_QUERY_MALFORMED', 'ERR_SIGNATURE_INVALID']).toContain(res.headers['x-test-refusal'])
      }
    })
  })

  it('overrides a Content-Disposition set before signedStatic (res.attachment) and by setHeaders', async () => {
    const link = signer.sign('private/docs/report-2026.pdf', { filename: 'Signed name.pdf' })
    const application = app(
      (root) =>
        signedStatic(root, {
          signer,
          setHeaders: (res) => res.setHeader('Content-Disposition', 'attachment; filename="from-setHeaders.pdf"'),
        }),
      (a) =>
        a.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
          res.setHeader('Content-Disposition', 'attachment; filename="set-before.pdf"')
          next()
        }),
    )
    const server = await listen(application)
    try {
      const res = await server.send(link)
      expect(res.status).toBe(200)
      expect(res.headers['content-disposition']).toBe('attachment; filename="Signed name.pdf"')
      // A link without a name leaves the app's own header alone.
      const unnamed = await server.send(signer.sign('private/docs/report-2026.pdf'))
      expect(unnamed.headers['content-disposition']).toBe('attachment; filename="from-setHeaders.pdf"')
    } finally {
      await server.close()
    }
  })

  it('requireSignature puts the link and its fields on res.locals.signedLink for the handler', async () => {
    const application = fw.create()
    application.use(requireSignature({ signer }))
    application.use((req: IncomingMessage, res: ServerResponse) => {
      const locals = (res as unknown as { locals: Record<string, unknown> }).locals
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ link: locals.signedLink, disposition: res.getHeader('Content-Disposition') }))
    })
    const server = await listen(application)
    try {
      const res = await server.send(
        signer.sign('private/a.pdf', { filename: 'A.pdf', ip: '127.0.0.1', notBefore: NOW_MS / 1000 - 5 }),
      )
      expect(JSON.parse(res.body.toString())).toEqual({
        link: {
          ok: true,
          path: 'private/a.pdf',
          expiresAt: NOW_MS / 1000 + 3600,
          secondsLeft: 3600,
          notBefore: NOW_MS / 1000 - 5,
          ip: '127.0.0.1',
          disposition: 'attachment',
          filename: 'A.pdf',
        },
        disposition: 'attachment; filename=A.pdf',
      })
    } finally {
      await server.close()
    }
  })

  it('serve-static alone after requireSignature keeps the guard header when nothing replaces it', async () => {
    const application = fw.create()
    application.use(requireSignature({ signer }))
    application.use(serveStatic(SITE))
    const server = await listen(application)
    try {
      const res = await server.send(
        signer.sign('private/image.png', { filename: 'picture.png', disposition: 'inline' }),
      )
      expect(res.headers['content-disposition']).toBe('inline; filename=picture.png')
    } finally {
      await server.close()
    }
  })
})
