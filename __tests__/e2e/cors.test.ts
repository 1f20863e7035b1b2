// Cross-origin reads and uploads through the guards, on Express 4, Express 5 and Connect: a page on one origin
// using links to a folder on another. The rules of cors.ts are its own suite's; here, how the guards use them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import request from 'supertest'
import { createSigner, signedStatic, signedUpload } from 'express-signed-url'
import { frameworks, KEY, now, PRIVATE } from '../support/helpers'

const APP = 'https://app.example'
const CDN_PAGE = 'https://cdn-page.example'
const signer = createSigner({ key: KEY, now })

describe.each(frameworks)('CORS through the guards on $name', (fw) => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'esu-cors-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  /** One mount for both guards, as the uploads guide shows: uploads from APP, reads from APP and CDN_PAGE. */
  function app() {
    const a = fw.create()
    a.use(
      '/files',
      signedUpload(dir, { signer, maxBytes: 1000, cors: { origins: [APP] }, resumable: { folder: `${dir}.partial` } }),
    )
    a.use('/files', signedStatic(PRIVATE, { signer, cors: { origins: [APP, CDN_PAGE] } }))
    return a
  }

  it('answers an upload preflight from a listed origin, without a valid link (the browser sends none)', async () => {
    const res = await request(app())
      .options('/files/new.txt?expiry=1&method=put&signature=x')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(APP)
    expect(res.headers['access-control-allow-methods']).toContain('PUT')
    expect(res.headers['access-control-allow-headers']).toContain('Content-Type')
  })

  it('lets a listed origin read what an upload answers, and what a refusal says', async () => {
    const link = signer.sign('files/new.txt', { method: 'put' })
    const put = await request(app()).put(link).set('Origin', APP).set('Content-Type', 'text/plain').send('hello')
    expect(put.status).toBe(201)
    expect(put.headers['access-control-allow-origin']).toBe(APP)
    expect(put.headers['access-control-expose-headers']).toContain('Location')
    expect(readFileSync(path.join(dir, 'new.txt'), 'utf8')).toBe('hello')
    const forged = await request(app())
      .put(link.replace(/signature=[\w-]+/, `signature=${'A'.repeat(43)}`))
      .set('Origin', APP)
      .send('x')
    expect(forged.status).toBe(403)
    expect(forged.headers['access-control-allow-origin']).toBe(APP)
  })

  it('refuses an upload preflight from an origin listed only for reads', async () => {
    const res = await request(app())
      .options('/files/new.txt')
      .set('Origin', CDN_PAGE)
      .set('Access-Control-Request-Method', 'PUT')
    expect(res.status).toBe(403)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('passes a read preflight by the upload guard to the static one, which answers it', async () => {
    const res = await request(app())
      .options('/files/image.png')
      .set('Origin', CDN_PAGE)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'range')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(CDN_PAGE)
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD')
    expect(res.headers['access-control-allow-headers']).toContain('Range')
  })

  it('leaves a HEAD preflight without Tus-Resumable to the static guard, which allows Range', async () => {
    const res = await request(app())
      .options('/files/image.png')
      .set('Origin', CDN_PAGE)
      .set('Access-Control-Request-Method', 'HEAD')
      .set('Access-Control-Request-Headers', 'range')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-headers']).toContain('Range')
  })

  it('serves a signed read to a listed origin with the headers a player reads exposed; others get no grant', async () => {
    const link = signer.sign('files/image.png')
    const listed = await request(app()).get(link).set('Origin', CDN_PAGE).set('Range', 'bytes=0-3')
    expect(listed.status).toBe(206)
    expect(listed.headers['access-control-allow-origin']).toBe(CDN_PAGE)
    expect(listed.headers['access-control-expose-headers']).toContain('Content-Range')
    expect(listed.headers.vary).toContain('Origin')
    const other = await request(app()).get(link).set('Origin', 'https://evil.example')
    expect(other.status).toBe(200)
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('without a cors option, passes OPTIONS on as before', async () => {
    const a = fw.create()
    a.use('/files', signedUpload(dir, { signer, maxBytes: 1000 }))
    a.use('/files', signedStatic(PRIVATE, { signer }))
    a.use((_req: unknown, res: { statusCode: number; end(body: string): void }) => {
      res.statusCode = 404
      res.end('fell through')
    })
    const res = await request(a)
      .options('/files/new.txt')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.text).not.toBe('')
  })

  it('refuses a bad cors option at construction, naming it', () => {
    expect(() => signedStatic(PRIVATE, { signer, cors: { origins: ['https://app.example/'] } })).toThrow(
      /signedStatic: "cors": write .* as a browser sends it/,
    )
    expect(() => signedUpload(dir, { signer, maxBytes: 1, cors: { origins: ['*'], credentials: true } })).toThrow(
      /signedUpload: "cors": '\*' cannot go with "credentials"/,
    )
    expect(() => signedUpload(dir, { signer, maxBytes: 1, cors: { origin: [APP] } as never })).toThrow(
      /unknown option "origin"/,
    )
  })
})
