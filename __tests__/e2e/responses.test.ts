import type { IncomingMessage, ServerResponse } from 'node:http'
import request from 'supertest'
import { createSigner, requireSignature, signedStatic, type SignedUrlError } from 'express-signed-url'
import {
  buildApp,
  fixture,
  frameworks,
  ittybitSign,
  KEY,
  mounts,
  NOW_MS,
  now,
  send,
  SITE,
  vectors,
} from '../support/helpers'

const NOW_S = NOW_MS / 1000
const atRoot = mounts[0]

describe.each(frameworks)('responses on $name', (fw) => {
  const signer = createSigner({ key: KEY, now })
  const app = buildApp(fw, atRoot, (root) => signedStatic(root, { signer }))
  const link = signer.sign('private/image.png', { ttl: 600 })
  const expired = createSigner({ key: KEY, now: () => NOW_MS - 3_600_000 }).sign('private/image.png', { ttl: 60 })
  const forged = link.replace(/signature=./, (s) => (s.endsWith('A') ? `${s.slice(0, -1)}B` : `${s.slice(0, -1)}A`))

  describe('when a link is refused', () => {
    it('responds 403 with no-store and a short body that says nothing about the link', async () => {
      const res = await send(app, forged)
      expect(res.status).toBe(403)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.body.toString()).toBe('Forbidden\n')
      const everything = JSON.stringify(res.headers) + res.body.toString()
      const expected = link.split('signature=')[1]
      expect(everything).not.toContain(expected)
      expect(everything).not.toContain(KEY)
      expect(everything).not.toContain('expiry=')
    })

    it('answers HEAD with the same status and no body', async () => {
      const res = await send(app, forged, { method: 'HEAD' })
      expect(res.status).toBe(403)
      expect(res.body.length).toBe(0)
    })

    it('responds 404 for every refusal with status: 404', async () => {
      const hidden = buildApp(fw, atRoot, (root) => signedStatic(root, { signer, status: 404 }))
      for (const target of [forged, expired, '/private/image.png']) {
        const res = await send(hidden, target)
        expect(res.status).toBe(404)
        expect(res.body.toString()).toBe('Not Found\n')
        expect(res.headers['cache-control']).toBe('no-store')
      }
    })

    it('responds 410 for an expired link only, with expiredStatus: 410', async () => {
      const gone = buildApp(fw, atRoot, (root) => signedStatic(root, { signer, expiredStatus: 410 }))
      expect((await send(gone, expired)).status).toBe(410)
      expect((await send(gone, forged)).status).toBe(403)
    })

    it('lets onReject render its own answer with the code, or pass the error on', async () => {
      const seen: string[] = []
      const custom = buildApp(fw, atRoot, (root) =>
        signedStatic(root, {
          signer,
          expiredStatus: 410,
          onReject(err: SignedUrlError, _req: IncomingMessage, res: ServerResponse, next: (e?: unknown) => void) {
            seen.push(`${err.code}:${err.status}:${err.expose}`)
            if (err.code === 'ERR_URL_EXPIRED') return next(err)
            res.statusCode = err.status
            res.end('custom page')
          },
        }),
      )
      const refused = await send(custom, forged)
      expect([refused.status, refused.body.toString()]).toEqual([403, 'custom page'])
      const passed = await send(custom, expired)
      expect([passed.status, passed.headers['x-error-code']]).toEqual([500, 'ERR_URL_EXPIRED'])
      expect(seen).toEqual(['ERR_SIGNATURE_INVALID:403:true', 'ERR_URL_EXPIRED:410:true'])
    })
  })

  describe('when a link is served', () => {
    it('caches privately for the seconds left, whatever maxAge and setHeaders say', async () => {
      const longCache = buildApp(fw, atRoot, (root) =>
        signedStatic(root, {
          signer,
          maxAge: '30d',
          immutable: true,
          setHeaders(res) {
            res.setHeader('Cache-Control', 'public, max-age=31536000')
            res.setHeader('X-From-User', 'yes')
          },
        }),
      )
      const res = await send(longCache, link)
      expect(res.status).toBe(200)
      expect(res.headers['cache-control']).toBe('private, max-age=600')
      expect(res.headers['x-from-user']).toBe('yes')
    })

    it('tells the browser never to sniff a served file into another type (nosniff), whatever setHeaders says', async () => {
      const sniffing = buildApp(fw, atRoot, (root) =>
        signedStatic(root, { signer, setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'sniff') }),
      )
      expect((await send(sniffing, link)).headers['x-content-type-options']).toBe('nosniff')
    })

    it('serves byte ranges (206)', async () => {
      const video = signer.sign('private/video/clip_01.mp4')
      const res = await request(app).get(video).set('Range', 'bytes=100-199')
      expect(res.status).toBe(206)
      expect(res.headers['content-range']).toBe(`bytes 100-199/${fixture('private/video/clip_01.mp4').length}`)
      expect(Buffer.from(res.body)).toEqual(fixture('private/video/clip_01.mp4').subarray(100, 200))
      expect(res.headers['cache-control']).toBe('private, max-age=3600')
    })

    it('answers a conditional GET with 304 and the private cache lifetime', async () => {
      const first = await request(app).get(link)
      expect(first.headers.etag).toBeDefined()
      const again = await request(app).get(link).set('If-None-Match', first.headers.etag)
      expect(again.status).toBe(304)
      expect(again.headers['cache-control']).toBe('private, max-age=600')
    })

    it("serves a link made by ittybit's reference snippet", async () => {
      const res = await send(app, ittybitSign(KEY, 'private/docs/report-2026.pdf', NOW_S + 90))
      expect(res.status).toBe(200)
      expect(res.body).toEqual(fixture('private/docs/report-2026.pdf'))
      expect(res.headers['cache-control']).toBe('private, max-age=90')
    })

    it('lets a valid link to a missing file fall through, without a cacheable header', async () => {
      const res = await send(app, signer.sign('private/absent.png'))
      expect([res.status, res.body.toString()]).toEqual([404, 'fell through'])
      expect(res.headers['cache-control']).toBeUndefined()
    })

    it.each(vectors.map((v) => [v.path, v.key.slice(0, 6), v]))(
      'serves the vector link for %s (key %s) before its expiry',
      async (_p, _k, v) => {
        const vectorApp = buildApp(fw, atRoot, (root) =>
          signedStatic(root, { key: v.key, now: () => (v.expiry - 1) * 1000 }),
        )
        const ours = createSigner({ key: v.key, now: () => (v.expiry - 1) * 1000 }).sign(v.path, {
          expiresAt: v.expiry,
        })
        // Other spellings a browser or proxy may use for the same path: lower-case escapes, encodeURI's set.
        const targets = new Set([
          v.link ?? ours,
          ours.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
          `/${v.path.split('/').map(encodeURIComponent).join('/')}?${ours.split('?')[1]}`,
        ])
        for (const target of targets) {
          const res = await send(vectorApp, target)
          expect(res.status).toBe(200)
          expect(res.body).toEqual(fixture(v.path))
          expect(res.headers['cache-control']).toBe('private, max-age=1')
        }
        const late = buildApp(fw, atRoot, (root) => signedStatic(root, { key: v.key, now: () => v.expiry * 1000 }))
        expect((await send(late, v.link ?? ours)).status).toBe(403)
      },
    )
  })

  describe('requireSignature()', () => {
    const guarded = (() => {
      const a = fw.create()
      a.use('/reports', requireSignature({ signer }))
      a.use('/reports', (req: IncomingMessage, res: ServerResponse) => res.end(`report for ${req.url}`))
      return a
    })()

    it('passes a valid link to the handler with a private cache lifetime', async () => {
      const res = await send(guarded, signer.sign('reports/42.pdf', { ttl: 120 }))
      expect([res.status, res.body.toString()]).toEqual([
        200,
        `report for /42.pdf?expiry=${NOW_S + 120}&method=get&signature=${signer.sign('reports/42.pdf', { ttl: 120 }).split('signature=')[1]}`,
      ])
      expect(res.headers['cache-control']).toBe('private, max-age=120')
    })

    it('refuses without running the handler', async () => {
      for (const target of ['/reports/42.pdf', signer.sign('reports/43.pdf').replace('43', '42')]) {
        const res = await send(guarded, target)
        expect(res.status).toBe(403)
        expect(res.body.toString()).toBe('Forbidden\n')
      }
    })

    it('takes key options directly', async () => {
      const a = fw.create()
      a.use(requireSignature({ key: KEY, now, status: 404 }))
      a.use((_req: IncomingMessage, res: ServerResponse) => res.end('ok'))
      expect((await send(a, signer.sign('x'))).status).toBe(200)
      expect((await send(a, '/x')).status).toBe(404)
    })
  })
})

describe('rule 12 on a direct call, without a framework to catch anything', () => {
  const failure = new Error('boom')
  const request = () => ({ method: 'GET', url: '/x', headers: {} }) as IncomingMessage

  it.each([
    [
      'signedStatic',
      signedStatic(SITE, {
        signer: {
          verify: () => {
            throw failure
          },
        },
      }),
    ],
    [
      'requireSignature',
      requireSignature({
        signer: {
          verify: () => {
            throw failure
          },
        },
      }),
    ],
  ])('%s calls next(err) synchronously when the signer throws', (_name, middleware) => {
    const next = jest.fn()
    middleware(request(), {} as ServerResponse, next)
    expect(next).toHaveBeenCalledWith(failure)
  })

  it.each([
    [
      'signedStatic',
      signedStatic(SITE, {
        key: KEY,
        onReject: () => {
          throw failure
        },
      }),
    ],
    [
      'requireSignature',
      requireSignature({
        key: KEY,
        onReject: () => {
          throw failure
        },
      }),
    ],
  ])('%s calls next(err) synchronously when onReject throws', (_name, middleware) => {
    const next = jest.fn()
    expect(() => middleware(request(), {} as ServerResponse, next)).not.toThrow()
    expect(next).toHaveBeenCalledWith(failure)
  })
})
