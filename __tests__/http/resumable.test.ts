import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http, { IncomingMessage, type ServerResponse } from 'node:http'
import { Socket, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createSigner, type SignOptions } from 'express-signed-url'
import { createResumable } from '../../lib/http/resumable'
import type { ResumableSettings, TusPackages, TusRequest, TusUpload } from '../../lib/http/resumable-options'
import type { SignedHeaders } from '../../lib/http/middleware'
import type { UploadSettings } from '../../lib/http/signed-upload-options'
import type { SignedUrlErrorCode } from '../../lib/util/errors'

// The tus request handler behind the guard, with a recording stand-in for @tus/server (the real one is driven in
// e2e/resumable.test.ts): the hooks' contract, what each request is refused before the server sees it, and the
// server's own CORS answers dropped.
const NOW_MS = 1767225600000
const NOW_S = NOW_MS / 1000
const signer = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS })
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('base64url')
const b64 = (text: string) => Buffer.from(text).toString('base64')

/** The hooks createResumable gives @tus/server. */
interface Hooks {
  path: string
  datastore: FakeFileStore
  namingFunction: (req: TusRequest) => string
  maxSize: (req: TusRequest) => number
  generateUrl: (req: TusRequest, upload: { id: string }) => string
  getFileIdFromRequest: (req: TusRequest) => string | undefined
  onUploadCreate: (req: TusRequest, upload: TusUpload) => Promise<{ metadata?: Record<string, string | null> }>
  onUploadFinish: (req: TusRequest, upload: TusUpload) => Promise<object>
  disableTerminationForFinishedUploads: boolean
}

class FakeFileStore {
  constructor(readonly options: { directory: string }) {}
}

/** Records what it was made with and every request it handles, and answers each with its own CORS header. */
class FakeServer {
  static made: FakeServer[] = []
  readonly handled: IncomingMessage[] = []
  readonly removed: string[] = []
  readonly datastore = {
    remove: (id: string) => {
      this.removed.push(id)
      return Promise.resolve()
    },
  }
  readonly options: Hooks
  constructor(options: object) {
    this.options = options as Hooks
    FakeServer.made.push(this)
  }
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.handled.push(req)
    res.writeHead(204, 'No Content', ['access-control-allow-origin', 'https://evil', 'tus-resumable', '1.0.0'])
    res.end()
    return Promise.resolve()
  }
}

const tus: TusPackages = { Server: FakeServer, FileStore: FakeFileStore }

interface Reply {
  status: number
  body: string
  headers: Headers
}

// What the guard's store answers about a creating link (a test may revoke it).
let revokedNow: boolean | 'unavailable' = false

describe('createResumable', () => {
  let dir: string
  let root: string
  let partials: string
  let server: http.Server
  let base: string
  let tusServer: FakeServer
  let refused: SignedUrlErrorCode[]
  let served: string | undefined
  let hooks: Hooks

  const start = async (rules: { maxBytes?: number; types?: string[]; overwrite?: boolean } = {}) => {
    const upload: UploadSettings = {
      // The guard's store, as far as the handler asks it: nothing revoked.
      check: { revoked: () => revokedNow } as unknown as UploadSettings['check'],
      maxBytes: rules.maxBytes ?? 1000,
      types: rules.types,
      overwrite: rules.overwrite ?? false,
      timeoutMs: 30_000,
      onUpload: () => undefined,
      folder: root,
      cors: undefined,
      resumable: undefined,
    }
    const settings: ResumableSettings = {
      folder: partials,
      tus: () => tus,
      sign: signer.sign.bind(signer),
      now: () => NOW_MS,
      grace: 60,
    }
    FakeServer.made = []
    const handler = createResumable(upload, settings, (code, _req, res) => {
      refused.push(code)
      res.statusCode = 403
      res.end(code)
    })
    // Made on the first tus request, not before (an app under jest, which cannot load @tus/server, still starts).
    expect(FakeServer.made).toHaveLength(0)
    server = http.createServer((req, res) => {
      const link = signer.verify(req.url!, { method: 'PUT', ip: req.socket.remoteAddress })
      if (!link.ok) {
        res.statusCode = 400
        res.end(link.error.code)
        return
      }
      // What the package's own cors sets before the handler: it must stay.
      res.setHeader('Access-Control-Allow-Origin', 'https://app.example')
      const verified: SignedHeaders = { cacheControl: 'private', link, served: served ?? req.url! }
      handler(req, res, (err) => res.end(`next ${String(err)}`), verified).catch((err: unknown) => {
        res.statusCode = 500
        res.end(String(err))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // A first tus request makes the server; the tests start from there, with nothing recorded.
    expect((await send('HEAD', putLink('first.bin', { upload: 'AAAAAAAAAAAAAAAAAAAAAA' }))).status).not.toBe(403)
    expect(FakeServer.made).toHaveLength(1)
    tusServer = FakeServer.made[0]
    hooks = tusServer.options
    tusServer.handled.length = 0
    refused.length = 0
  }

  const send = async (method: string, link: string, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(base + link, { method, headers: { 'Tus-Resumable': '1.0.0', ...headers } })
    return { status: res.status, body: await res.text(), headers: res.headers }
  }
  const putLink = (file: string, options: Omit<SignOptions, 'method'> = {}) =>
    signer.sign(file, { method: 'put', ...options } as SignOptions)
  /** The verified link of a request, as the hooks get it. */
  const tusReq = (req: IncomingMessage): TusRequest => ({ node: { req } })
  const settle = async (f: () => unknown): Promise<unknown> => {
    try {
      await f()
    } catch (err) {
      return err
    }
    return undefined
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'resumable-'))
    root = path.join(dir, 'root')
    partials = path.join(dir, '.root.partial')
    mkdirSync(root)
    mkdirSync(partials)
    // The record of the upload the tests' Locations open (upload-record.ts): its creating link, not revoked.
    writeFileSync(path.join(partials, 'AAAAAAAAAAAAAAAAAAAAAA.link'), JSON.stringify({ signature: 'x'.repeat(43) }))
    refused = []
    served = undefined
  })
  afterEach(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  describe('the tus server it makes', () => {
    beforeEach(() => start())

    it('is made once, on a file store in the partial folder, at path /, keeping finished uploads', () => {
      expect(hooks.path).toBe('/')
      expect(hooks.datastore).toBeInstanceOf(FakeFileStore)
      expect(hooks.datastore.options).toEqual({ directory: partials })
      expect(hooks.disableTerminationForFinishedUploads).toBe(true)
      expect(tusServer.handled).toHaveLength(0)
    })

    it("names a link's upload with 22 base64url characters from its signature: one link, one upload", async () => {
      const ids: string[] = []
      for (const file of ['a.bin', 'b.bin', 'a.bin']) {
        await send('POST', putLink(file), { 'Upload-Length': '1' })
        ids.push(hooks.namingFunction(tusReq(tusServer.handled.at(-1)!)))
      }
      for (const id of ids) expect(id).toMatch(ID_PATTERN)
      // Links made alike in one second are one link; a.bin's two links here are.
      expect([ids[0] === ids[1], ids[0] === ids[2]]).toEqual([false, true])
    })

    it('throws a 500 refusal from every hook given a request the handler never saw', async () => {
      const strangers: TusRequest[] = [
        {},
        { node: { req: new IncomingMessage(new Socket()) } },
        { runtime: { node: { req: new IncomingMessage(new Socket()) } } },
      ]
      const upload: TusUpload = { id: 'AAAAAAAAAAAAAAAAAAAAAA', offset: 0, size: 1 }
      for (const req of strangers) {
        const calls: (() => unknown)[] = [
          () => hooks.maxSize(req),
          () => hooks.generateUrl(req, upload),
          () => hooks.getFileIdFromRequest(req),
          () => hooks.onUploadCreate(req, upload),
          () => hooks.onUploadFinish(req, upload),
        ]
        for (const call of calls) {
          const err = await settle(call)
          expect(err).toBeInstanceOf(Error)
          expect(err).toMatchObject({ status_code: 500, body: 'Internal Server Error\n' })
        }
      }
    })
  })

  describe('the hooks, for a request it passed on', () => {
    const expiresAt = NOW_S + 600
    const sha256 = sha('the content')
    const linkOptions = {
      expiresAt,
      notBefore: NOW_S - 60,
      maxBytes: 500,
      contentType: ['image/png', 'image/jpeg'],
      sha256,
      ip: '127.0.0.1',
    }
    beforeEach(() => start())

    /** A creation through the app's link, passed on to the server: the request the hooks get. */
    const created = async (options: Omit<SignOptions, 'method'> = linkOptions, type = 'image/png') => {
      const reply = await send('POST', putLink('a/b.txt', options), {
        'Upload-Length': '10',
        'Upload-Metadata': `filetype ${b64(type)},filename ${b64('b.txt')}`,
      })
      expect(refused).toEqual([])
      expect(reply.status).toBe(204)
      return tusServer.handled.at(-1)!
    }

    it("answers a creation with a Location: the same link, signed by the signer, with the upload's id", async () => {
      const req = await created()
      const id = hooks.namingFunction(tusReq(req))
      for (const tusRequest of [tusReq(req), { runtime: { node: { req } } }]) {
        const location = hooks.generateUrl(tusRequest, { id })
        expect(location).toBe(putLink('a/b.txt', { ...linkOptions, upload: id }))
        const verified = signer.verify(location, { method: 'PUT', ip: '127.0.0.1' })
        expect(verified).toMatchObject({
          ok: true,
          method: 'put',
          path: 'a/b.txt',
          expiresAt,
          notBefore: NOW_S - 60,
          maxBytes: 500,
          contentType: 'image/png,image/jpeg',
          sha256,
          ip: '127.0.0.1',
          upload: id,
        })
        expect(signer.verify(location, { method: 'PUT', ip: '127.0.0.2' })).toMatchObject({ ok: false })
      }
    })

    it('signs no field the link did not have', async () => {
      const req = await created({ expiresAt })
      const id = hooks.namingFunction(tusReq(req))
      const location = hooks.generateUrl(tusReq(req), { id })
      expect(location).toBe(putLink('a/b.txt', { expiresAt, upload: id }))
      const verified = signer.verify(location, { method: 'PUT' })
      expect(verified.ok && [verified.maxBytes, verified.contentType, verified.sha256, verified.ip]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ])
    })

    it("gives the verified link's upload as the file id: none for a creation, the Location's after", async () => {
      const creation = await created({ expiresAt, maxBytes: 500, sha256 })
      expect(hooks.getFileIdFromRequest(tusReq(creation))).toBeUndefined()
      const id = hooks.namingFunction(tusReq(creation))
      // What the server does at a creation: the hook keeps the creating link beside the upload.
      await hooks.onUploadCreate(tusReq(creation), { id, offset: 0, size: 10 })
      const location = hooks.generateUrl(tusReq(creation), { id })
      const reply = await send('PATCH', location, {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      })
      expect(reply.status).toBe(204)
      const patch = tusServer.handled.at(-1)!
      expect(patch).not.toBe(creation)
      expect(hooks.getFileIdFromRequest(tusReq(patch))).toBe(id)
    })

    it("caps the size at the smaller of the rules' maxBytes and the link's", async () => {
      expect(hooks.maxSize(tusReq(await created()))).toBe(500)
      expect(hooks.maxSize(tusReq(await created({ expiresAt })))).toBe(1000)
      expect(hooks.maxSize(tusReq(await created({ expiresAt, maxBytes: 5000 })))).toBe(1000)
    })

    it("keeps the client's metadata as sent, and the creating link beside the upload, never in it", async () => {
      const req = await created()
      const id = hooks.namingFunction(tusReq(req))
      const metadata = { filetype: 'image/png', filename: 'b.txt', empty: null }
      const upload: TusUpload = { id, offset: 0, size: 10, metadata }
      expect(await hooks.onUploadCreate(tusReq(req), upload)).toEqual({})
      expect(upload.metadata).toBe(metadata)
      const kept = JSON.parse(readFileSync(path.join(partials, `${id}.link`), 'utf8')) as Record<string, unknown>
      expect(kept).toMatchObject({ signature: expect.stringMatching(/^[\w-]{43}$/), expiry: expiresAt })
    })

    it('lands nothing when the creating link is revoked while the last chunk came: 403, and the upload goes', async () => {
      const bytes = Buffer.from('the content')
      const creation = await created({ expiresAt, sha256: sha(bytes) })
      const id = hooks.namingFunction(tusReq(creation))
      writeFileSync(path.join(partials, id), bytes)
      revokedNow = true
      try {
        const err = await settle(() => hooks.onUploadFinish(tusReq(creation), { id, offset: 11, size: 11 }))
        expect(err).toMatchObject({ status_code: 403 })
      } finally {
        revokedNow = false
      }
      expect(existsSync(path.join(root, 'a', 'b.txt'))).toBe(false)
    })

    it('lands a finished upload at the target, leaves none of its bytes among the partials, and marks it', async () => {
      const bytes = Buffer.from('the content')
      const creation = await created({ expiresAt, sha256: sha(bytes) })
      const id = hooks.namingFunction(tusReq(creation))
      writeFileSync(path.join(partials, id), bytes)
      expect(await hooks.onUploadFinish(tusReq(creation), { id, offset: bytes.length, size: bytes.length })).toEqual({})
      const file = path.join(root, 'a', 'b.txt')
      expect(readFileSync(file)).toEqual(bytes)
      expect(statSync(file).nlink).toBe(1)
      expect(existsSync(path.join(partials, id))).toBe(false)
      expect(readFileSync(path.join(partials, `${id}.landed`), 'utf8')).toBe(String(bytes.length))
      // The last PATCH again: told it landed, nothing lands twice.
      expect(await hooks.onUploadFinish(tusReq(creation), { id, offset: bytes.length, size: bytes.length })).toEqual({})
      expect(tusServer.removed).toEqual([])
    })

    it("refuses a finished upload whose digest is not the link's with 422, and removes it", async () => {
      const creation = await created()
      const id = hooks.namingFunction(tusReq(creation))
      writeFileSync(path.join(partials, id), 'other bytes')
      const err = await settle(() => hooks.onUploadFinish(tusReq(creation), { id, offset: 11, size: 11 }))
      expect(err).toMatchObject({ status_code: 422, body: 'Unprocessable Entity\n' })
      expect(tusServer.removed).toEqual([id])
      expect(existsSync(path.join(root, 'a', 'b.txt'))).toBe(false)
    })

    it('refuses a finished upload whose target appeared meanwhile with 409', async () => {
      const creation = await created({ expiresAt })
      writeFileSync(path.join(root, 'a', 'b.txt'), 'first')
      const id = hooks.namingFunction(tusReq(creation))
      writeFileSync(path.join(partials, id), 'second')
      const err = await settle(() => hooks.onUploadFinish(tusReq(creation), { id, offset: 6, size: 6 }))
      expect(err).toMatchObject({ status_code: 409, body: 'Conflict\n' })
      expect(tusServer.removed).toEqual([id])
      expect(readFileSync(path.join(root, 'a', 'b.txt'), 'utf8')).toBe('first')
    })
  })

  describe('each request, before the server', () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAA'

    it('refuses a creation (POST) through a link that already opens an upload', async () => {
      await start()
      const reply = await send('POST', putLink('a/b.txt', { upload: id }), { 'Upload-Length': '10' })
      expect(refused).toEqual(['ERR_METHOD_NOT_ALLOWED'])
      expect(reply).toMatchObject({ status: 403, body: 'ERR_METHOD_NOT_ALLOWED' })
      expect(tusServer.handled).toHaveLength(0)
    })

    it.each(['PATCH', 'HEAD', 'DELETE'])('refuses a %s through a link that opens no upload', async (method) => {
      await start()
      const reply = await send(method, putLink('a/b.txt'), { 'Upload-Offset': '0' })
      expect(refused).toEqual(['ERR_METHOD_NOT_ALLOWED'])
      expect(reply.status).toBe(403)
      expect(tusServer.handled).toHaveLength(0)
    })

    it.each(['PATCH', 'HEAD', 'DELETE'])('passes a %s through a link that opens an upload on', async (method) => {
      await start()
      const reply = await send(method, putLink('a/b.txt', { upload: id }), { 'Upload-Offset': '0' })
      expect(refused).toEqual([])
      expect(reply.status).toBe(204)
      expect(tusServer.handled).toHaveLength(1)
    })

    // A PATCH declares no type (the creation did): a typed link's Location, or the rules' types, must not refuse it.
    it('passes a PATCH through the Location of a link with a contentType', async () => {
      await start()
      const location = putLink('a.png', { contentType: 'image/png', upload: id })
      const reply = await send('PATCH', location, {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      })
      expect(refused).toEqual([])
      expect(reply.status).toBe(204)
      expect(tusServer.handled).toHaveLength(1)
    })

    it('passes a PATCH when the rules name types', async () => {
      await start({ types: ['image/png'] })
      const reply = await send('PATCH', putLink('a.png', { upload: id }), {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      })
      expect(refused).toEqual([])
      expect(reply.status).toBe(204)
      expect(tusServer.handled).toHaveLength(1)
    })

    it('refuses a PATCH in a content coding', async () => {
      await start()
      await send('PATCH', putLink('a/b.txt', { upload: id }), { 'Upload-Offset': '0', 'Content-Encoding': 'gzip' })
      expect(refused).toEqual(['ERR_UPLOAD_TYPE'])
      expect(tusServer.handled).toHaveLength(0)
    })

    it("refuses a creation over the rules' cap, and passes one at it", async () => {
      await start({ maxBytes: 1000 })
      const link = putLink('a/b.txt')
      await send('POST', link, { 'Upload-Length': '1001' })
      expect(refused).toEqual(['ERR_UPLOAD_TOO_LARGE'])
      expect(tusServer.handled).toHaveLength(0)
      await send('POST', link, { 'Upload-Length': '1000' })
      expect(refused).toEqual(['ERR_UPLOAD_TOO_LARGE'])
      expect(tusServer.handled).toHaveLength(1)
    })

    it("refuses a creation over the link's maxBytes, or with a length that is not a number", async () => {
      await start({ maxBytes: 1000 })
      await send('POST', putLink('a/b.txt', { maxBytes: 10 }), { 'Upload-Length': '11' })
      await send('POST', putLink('a/b.txt'), { 'Upload-Length': '1e3' })
      expect(refused).toEqual(['ERR_UPLOAD_TOO_LARGE', 'ERR_UPLOAD_TOO_LARGE'])
      expect(tusServer.handled).toHaveLength(0)
    })

    it("refuses a creation whose Upload-Metadata type is not in the rules' types, and passes one that is", async () => {
      await start({ types: ['image/png'] })
      const link = putLink('a/b.txt')
      await send('POST', link, { 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('text/html')}` })
      await send('POST', link, { 'Upload-Length': '10', 'Upload-Metadata': `filename ${b64('b.txt')}` })
      await send('POST', link, { 'Upload-Length': '10' })
      // Named twice: no one type.
      await send('POST', link, {
        'Upload-Length': '10',
        'Upload-Metadata': `filetype ${b64('image/png')},contentType ${b64('image/png')}`,
      })
      expect(refused).toEqual(['ERR_UPLOAD_TYPE', 'ERR_UPLOAD_TYPE', 'ERR_UPLOAD_TYPE', 'ERR_UPLOAD_TYPE'])
      expect(tusServer.handled).toHaveLength(0)
      const filetype = await send('POST', link, {
        'Upload-Length': '10',
        'Upload-Metadata': `filename ${b64('b.txt')}, filetype ${b64('image/png')}`,
      })
      const contentType = await send('POST', link, {
        'Upload-Length': '10',
        'Upload-Metadata': `contentType ${b64('image/png')}`,
      })
      expect([filetype.status, contentType.status]).toEqual([204, 204])
      expect(refused).toHaveLength(4)
      expect(tusServer.handled).toHaveLength(2)
    })

    it("refuses a creation whose type the link's contentType does not name", async () => {
      await start()
      const link = putLink('a/b.txt', { contentType: 'image/png' })
      await send('POST', link, { 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/gif')}` })
      expect(refused).toEqual(['ERR_UPLOAD_TYPE'])
      expect(tusServer.handled).toHaveLength(0)
    })

    it('refuses a creation where the file is, makes the folders of a free one', async () => {
      await start()
      mkdirSync(path.join(root, 'a'))
      writeFileSync(path.join(root, 'a', 'b.txt'), 'here')
      await send('POST', putLink('a/b.txt'), { 'Upload-Length': '10' })
      expect(refused).toEqual(['ERR_UPLOAD_EXISTS'])
      await send('POST', putLink('c/d/e.txt'), { 'Upload-Length': '10' })
      expect(refused).toEqual(['ERR_UPLOAD_EXISTS'])
      expect(statSync(path.join(root, 'c', 'd')).isDirectory()).toBe(true)
      expect(tusServer.handled).toHaveLength(1)
      expect(readFileSync(path.join(root, 'a', 'b.txt'), 'utf8')).toBe('here')
    })

    it('with overwrite, passes a creation where the file is', async () => {
      await start({ overwrite: true })
      mkdirSync(path.join(root, 'a'))
      writeFileSync(path.join(root, 'a', 'b.txt'), 'here')
      expect((await send('POST', putLink('a/b.txt'), { 'Upload-Length': '10' })).status).toBe(204)
      expect(refused).toEqual([])
    })

    it.each(['/a/', '/a/.env', '/.x/a', '/a%ZZ'])(
      'refuses a target no upload takes (%s), whatever the method',
      async (target) => {
        await start()
        served = target
        await send('POST', putLink('a/b.txt'), { 'Upload-Length': '10' })
        await send('PATCH', putLink('a/b.txt', { upload: id }), { 'Upload-Offset': '0' })
        expect(refused).toEqual(['ERR_PATH_NOT_CANONICAL', 'ERR_PATH_NOT_CANONICAL'])
        expect(tusServer.handled).toHaveLength(0)
      },
    )

    it("drops the server's access-control-* headers, keeps its others and the CORS set before it", async () => {
      await start()
      const reply = await send('POST', putLink('a/b.txt'), { 'Upload-Length': '10', Origin: 'https://evil' })
      expect(tusServer.handled).toHaveLength(1)
      expect(reply.status).toBe(204)
      expect(reply.headers.get('tus-resumable')).toBe('1.0.0')
      expect(reply.headers.get('access-control-allow-origin')).toBe('https://app.example')
    })
  })
})
