// The memory store behind the guards, on Express 4, Express 5 and Connect: revocations, limited-use links, files that
// change, a cluster worker without a store, uploads.
import cluster from 'node:cluster'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {
  createMemoryStore,
  createSigner,
  requireSignature,
  signedStatic,
  signedUpload,
  type LinkStore,
} from 'express-signed-url'
import { fixture, frameworks, KEY, listen, NOW_MS, recordCode, SITE, type TestServer } from '../support/helpers'
import { SLACK_SECONDS } from '../../lib/store/link-store'

const fileBytes = fixture('private/image.png')
const SIZE = fileBytes.length

// One clock for the signer, the guards and the store, moved by the tests.
let clock = NOW_MS
const now = () => clock
const signer = createSigner({ key: KEY, now })
const stamping = createSigner({ key: KEY, now, stampIssued: true })

describe.each(frameworks)('store on $name', (fw) => {
  let store: LinkStore
  let server: TestServer
  let handled: number
  beforeEach(async () => {
    clock = NOW_MS
    handled = 0
    store = createMemoryStore({ now })
    const app = fw.create()
    const guard = { signer, store, onReject: recordCode }
    app.use('/private', signedStatic(`${SITE}/private`, guard))
    app.use('/api', requireSignature(guard))
    // Connect takes one handler per use().
    app.use('/api', (req: IncomingMessage, res: ServerResponse) => {
      handled++
      res.statusCode = req.url?.startsWith('/missing') === true ? 404 : 200
      res.end('ok')
    })
    server = await listen(app as never)
  })
  afterEach(() => server.close())

  const code = (r: { headers: Record<string, unknown> }) => r.headers['x-test-refusal']

  describe('revoke', () => {
    it('takes back one link, in whatever spelling it is requested, and no other', async () => {
      const link = signer.sign('private/image.png')
      const other = signer.sign('private/image.png', { ttl: 600 })
      expect((await server.send(link)).status).toBe(200)
      await store.revoke(`https://files.example.com${link}`)
      for (const spelling of [link, link.replace('image', '%69mage'), `${link}&v=2`, link.replace('?', '?cb=1&')]) {
        const r = await server.send(spelling)
        expect([r.status, code(r)]).toEqual([403, 'ERR_LINK_REVOKED'])
      }
      expect((await server.send(other)).status).toBe(200)
    })

    it('takes back a link at requireSignature too, before the handler runs', async () => {
      const link = signer.sign('api/report')
      await store.revoke(link)
      const r = await server.send(link)
      expect([r.status, code(r), handled]).toEqual([403, 'ERR_LINK_REVOKED', 0])
    })

    it('takes back a folder grant by its cookie value', async () => {
      const grant = signer.grant('private/videos/42/')
      const cookie = { Cookie: `signed-grant=${grant.value}` }
      expect((await server.send('/private/videos/42/seg-0.ts', { headers: cookie })).status).toBe(200)
      await store.revoke(grant.value)
      const r = await server.send('/private/videos/42/seg-0.ts', { headers: cookie })
      expect([r.status, code(r)]).toEqual([403, 'ERR_LINK_REVOKED'])
    })

    it('lapses once the link it covers has expired (and the slack: seven hours more)', async () => {
      const link = signer.sign('private/image.png', { ttl: 60 })
      await store.revoke(link)
      clock += (60 + SLACK_SECONDS) * 1000
      // Now refused as expired, not revoked: the revocation itself is gone.
      expect(code(await server.send(link))).toBe('ERR_URL_EXPIRED')
    })

    it('refuses what is not a link, with a TypeError', async () => {
      await expect(store.revoke('/private/image.png')).rejects.toThrow(TypeError)
      await expect(store.revoke(5 as never)).rejects.toThrow(/must be a string/)
    })
  })

  describe('revokeFolder', () => {
    it('takes back links made before it and spares those made after, when links say when they were made', async () => {
      const before = stamping.sign('private/videos/42/seg-0.ts')
      const elsewhere = stamping.sign('private/image.png')
      clock += 1000
      await store.revokeFolder('/private/videos/')
      expect(code(await server.send(before))).toBe('ERR_LINK_REVOKED')
      expect((await server.send(elsewhere)).status).toBe(200)
      clock += 1000
      expect((await server.send(stamping.sign('private/videos/42/seg-0.ts'))).status).toBe(200)
    })

    it('takes back links that do not say when they were made, and grants, until it lapses (issuedBefore + maxTtl)', async () => {
      await store.revokeFolder('private/videos/', { maxTtl: '1d' })
      clock += 5000
      const later = signer.sign('private/videos/42/seg-0.ts')
      expect(code(await server.send(later))).toBe('ERR_LINK_REVOKED')
      const grant = signer.grant('private/videos/42/')
      const r = await server.send('/private/videos/42/seg-0.ts', { headers: { Cookie: `signed-grant=${grant.value}` } })
      expect(code(r)).toBe('ERR_LINK_REVOKED')
      clock = NOW_MS + (86400 + SLACK_SECONDS) * 1000
      expect((await server.send(signer.sign('private/videos/42/seg-0.ts'))).status).toBe(200)
    })

    it('with expiringBefore, takes back only the links that expire before it', async () => {
      const short = signer.sign('private/image.png', { ttl: 60 })
      const long = signer.sign('private/image.png', { ttl: 7200 })
      await store.revokeFolder('/', { expiringBefore: NOW_MS / 1000 + 3600 })
      expect(code(await server.send(short))).toBe('ERR_LINK_REVOKED')
      expect((await server.send(long)).status).toBe(200)
    })

    it('refuses bad folders and options with a TypeError naming them', async () => {
      await expect(store.revokeFolder('private')).rejects.toThrow(/"folder" must be a folder ending in "\/"/)
      await expect(store.revokeFolder('private/../x/')).rejects.toThrow(/"folder"/)
      await expect(store.revokeFolder('a/', { issuedBefore: 1, expiringBefore: 2 })).rejects.toThrow(/not both/)
      await expect(store.revokeFolder('a/', { issuedbefore: 1 } as never)).rejects.toThrow(/issuedBefore/)
      await expect(store.revokeFolder('a/', { maxTtl: 'soon' as never })).rejects.toThrow(/"maxTtl"/)
      await expect(store.revokeFolder('a/', { expiringBefore: -1 })).rejects.toThrow(/"expiringBefore"/)
      // Given encoded, a folder would match nothing a request decodes to: refused rather than silently useless.
      await expect(store.revokeFolder('/%73ub/')).rejects.toThrow(/give the folder decoded/)
    })
  })

  describe('limited-use links at signedStatic', () => {
    it('serves a 3-use link 3 times, then refuses it with 410 and its own code', async () => {
      const link = signer.sign('private/image.png', { uses: 3 })
      for (let i = 0; i < 3; i++) {
        const r = await server.send(link)
        expect(r.status).toBe(200)
        expect(r.body.equals(fileBytes)).toBe(true)
      }
      const r = await server.send(link)
      expect([r.status, code(r)]).toEqual([410, 'ERR_USES_EXHAUSTED'])
    })

    it('gives every limited-use link its own count, however alike it was made (a signed nonce)', async () => {
      const first = signer.sign('private/image.png', { uses: 1 })
      const second = signer.sign('private/image.png', { uses: 1 })
      expect(second).not.toBe(first)
      expect((await server.send(first)).status).toBe(200)
      expect((await server.send(second)).status).toBe(200)
      expect((await server.send(first)).status).toBe(410)
      await store.revoke(second)
      expect(code(await server.send(second))).toBe('ERR_LINK_REVOKED')
      expect(code(await server.send(first.replace(/nonce=[\w-]+/, `nonce=${'A'.repeat(16)}`)))).toBe(
        'ERR_SIGNATURE_INVALID',
      )
    })

    it('serves exactly as many of many concurrent requests as the link allows', async () => {
      const link = signer.sign('private/image.png', { uses: 3 })
      const replies = await Promise.all(Array.from({ length: 40 }, () => server.send(link)))
      expect(replies.filter((r) => r.status === 200)).toHaveLength(3)
      expect(replies.filter((r) => r.status === 410)).toHaveLength(37)
    })

    it('does not count HEAD; once used up, refuses HEAD and revalidations too', async () => {
      const link = signer.sign('private/image.png', { uses: 1 })
      expect((await server.send(link, { method: 'HEAD' })).status).toBe(200)
      const first = await server.send(link)
      expect(first.status).toBe(200)
      const again = await server.send(link, { headers: { 'If-None-Match': String(first.headers.etag) } })
      expect(again.status).toBe(410)
      expect((await server.send(link, { method: 'HEAD' })).status).toBe(410)
    })

    it('gives back a use a revalidation did not need', async () => {
      const link = signer.sign('private/image.png', { uses: 2 })
      const first = await server.send(link)
      for (let i = 0; i < 5; i++)
        expect((await server.send(link, { headers: { 'If-None-Match': String(first.headers.etag) } })).status).toBe(304)
      expect((await server.send(link)).status).toBe(200)
      expect((await server.send(link)).status).toBe(410)
    })

    it('counts Range requests by the bytes they ask for: seeking through a file is one use', async () => {
      const link = signer.sign('private/image.png', { uses: 1 })
      const step = Math.ceil(SIZE / 4)
      const parts: Buffer[] = []
      for (let start = 0; start < SIZE; start += step) {
        const r = await server.send(link, { headers: { Range: `bytes=${start}-${Math.min(start + step, SIZE) - 1}` } })
        expect(r.status).toBe(206)
        parts.push(r.body)
      }
      expect(Buffer.concat(parts).equals(fileBytes)).toBe(true)
      expect((await server.send(link, { headers: { Range: 'bytes=0-0' } })).status).toBe(410)
    })

    it('charges a whole file for a Range with If-Range, which may be answered with all of it', async () => {
      const link = signer.sign('private/image.png', { uses: 1 })
      const r = await server.send(link, { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } })
      expect([r.status, r.body.length]).toEqual([200, SIZE])
      expect((await server.send(link, { headers: { Range: 'bytes=0-0' } })).status).toBe(410)
    })

    it('gives back what a request for a missing file or an unsatisfiable range did not serve', async () => {
      const link = signer.sign('private/image.png', { uses: 1 })
      expect((await server.send(link, { headers: { Range: `bytes=${SIZE + 10}-` } })).status).toBe(416)
      expect((await server.send(link)).status).toBe(200)
      const missing = signer.sign('private/none.png', { uses: 1 })
      expect((await server.send(missing)).status).toBe(404)
      expect((await server.send(missing)).status).toBe(404)
    })

    it('refuses a revoked limited-use link before counting it', async () => {
      const link = signer.sign('private/image.png', { uses: 1 })
      await store.revoke(link)
      expect(code(await server.send(link))).toBe('ERR_LINK_REVOKED')
    })
  })

  describe('limited-use links at requireSignature', () => {
    it('counts a use per request the handler answers 2xx, and gives back the others', async () => {
      const link = signer.sign('api/data', { uses: 2 })
      const missing = signer.sign('api/missing', { uses: 1 })
      expect((await server.send(link)).status).toBe(200)
      expect((await server.send(link)).status).toBe(200)
      expect(code(await server.send(link))).toBe('ERR_USES_EXHAUSTED')
      expect((await server.send(missing)).status).toBe(404)
      expect((await server.send(missing)).status).toBe(404)
      expect(handled).toBe(4)
    })
  })
})

describe('store options', () => {
  it('createMemoryStore checks its options', () => {
    expect(() => createMemoryStore({ now: 5 } as never)).toThrow(/"now" must be a function/)
    expect(() => createMemoryStore({ clock: Date.now } as never)).toThrow(TypeError)
  })
})

describe('a limited-use link to a file that changes', () => {
  it('counts uses against the file as it is: a file that grows does not reopen a used-up link', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'store-grow-'))
    const file = path.join(dir, 'f.bin')
    writeFileSync(file, Buffer.alloc(1000, 1))
    const app = frameworks[1].create()
    app.use('/files', signedStatic(dir, { signer, store: createMemoryStore({ now }) }))
    const server = await listen(app as never)
    try {
      const link = signer.sign('files/f.bin', { uses: 1 })
      expect((await server.send(link)).status).toBe(200)
      writeFileSync(file, Buffer.alloc(5000, 2))
      expect((await server.send(link, { headers: { Range: 'bytes=0-3999' } })).status).toBe(410)
      // Beyond the 0.1% of a file left for rounding (5 bytes of 5000 here): 10 bytes are refused.
      expect((await server.send(link, { headers: { Range: 'bytes=0-9' } })).status).toBe(410)
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lets a use be cut into a thousand ranges, and not much more', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'store-ranges-'))
    writeFileSync(path.join(dir, 'f.bin'), Buffer.alloc(3000, 1))
    const app = frameworks[1].create()
    app.use('/files', signedStatic(dir, { signer, store: createMemoryStore({ now }) }))
    const server = await listen(app as never)
    try {
      const link = signer.sign('files/f.bin', { uses: 1 })
      // 1000 ranges of 3 bytes: each costs 1000 millionths, rounded up from 1000 exactly; the whole file, once.
      let served = 0
      for (let start = 0; start < 3000; start += 3) {
        const r = await server.send(link, { headers: { Range: `bytes=${start}-${start + 2}` } })
        if (r.status === 206) served += r.body.length
      }
      expect(served).toBe(3000)
      // The allowance left for rounding is 0.1% of a file: one more 3-byte range, then nothing.
      expect((await server.send(link, { headers: { Range: 'bytes=0-2' } })).status).toBe(206)
      expect((await server.send(link, { headers: { Range: 'bytes=0-2' } })).status).toBe(410)
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('a guard without a store, in a cluster worker', () => {
  it('warns once that its uses are counted per process, and not when given a store', async () => {
    jest.replaceProperty(cluster, 'isWorker', true)
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const app = frameworks[1].create()
    app.use('/own', signedStatic(`${SITE}/private`, { signer, store: createMemoryStore({ now }) }))
    app.use('/private', signedStatic(`${SITE}/private`, { signer }))
    const server = await listen(app as never)
    try {
      await server.send(signer.sign('own/image.png', { uses: 5 }))
      expect(warn).not.toHaveBeenCalled()
      await server.send(signer.sign('private/image.png', { uses: 5 }))
      await server.send(signer.sign('private/image.png', { uses: 5, ttl: 60 }))
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0][0])).toMatch(/cluster worker: each worker counts on its own/)
    } finally {
      warn.mockRestore()
      await server.close()
    }
  })
})

describe('signedUpload with a store', () => {
  it('refuses a revoked upload link before reading its body', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'store-upload-'))
    const store = createMemoryStore({ now })
    const app = frameworks[1].create()
    app.use('/files', signedUpload(dir, { signer, store, maxBytes: 100, onReject: recordCode }))
    const server = await listen(app as never)
    try {
      const link = signer.sign('files/a.txt', { method: 'put' })
      await store.revoke(link)
      const r = await server.send(link, { method: 'PUT', headers: { 'Content-Length': '1' } })
      expect([r.status, r.headers['x-test-refusal']]).toEqual([403, 'ERR_LINK_REVOKED'])
      expect(readdirSync(dir)).toEqual([])
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
