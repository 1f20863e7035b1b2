import fs from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createSigner, signedStatic, type Signer } from 'express-signed-url'
import { attackCorpus, outcomeOn, type AttackContext } from '../support/attack-corpus'
import {
  buildApp,
  frameworks,
  KEY,
  listen,
  mounts,
  NOW_MS,
  now,
  OTHER_KEY,
  recordCode,
  type TestServer,
} from '../support/helpers'

const NOW_S = NOW_MS / 1000
const atRoot = mounts[0]

describe.each(frameworks)('faults on $name', (fw) => {
  const signer = createSigner({ key: KEY, now })
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-faults-'))
  })
  afterEach(() => {
    jest.restoreAllMocks()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('answers 500 through next(err) when the key lookup throws, and goes on serving', async () => {
    let failing = true
    const flaky: Pick<Signer, 'verify'> = {
      verify: (url, options) => {
        if (failing) throw Object.assign(new Error('key service unavailable'), { code: 'KEY_SERVICE_DOWN' })
        return signer.verify(url, options)
      },
    }
    const server = await listen(buildApp(fw, atRoot, (root) => signedStatic(root, { signer: flaky })))
    try {
      const link = signer.sign('private/image.png')
      const failed = await server.send(link)
      expect([failed.status, failed.headers['x-error-code']]).toEqual([500, 'KEY_SERVICE_DOWN'])
      failing = false
      expect((await server.send(link)).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('answers 500 when onReject throws, and goes on refusing and serving', async () => {
    let calls = 0
    const server = await listen(
      buildApp(fw, atRoot, (root) =>
        signedStatic(root, {
          signer,
          onReject: () => {
            calls++
            throw Object.assign(new Error('error page template missing'), { code: 'TEMPLATE' })
          },
        }),
      ),
    )
    try {
      expect((await server.send('/private/image.png')).status).toBe(500)
      expect((await server.send('/private/image.png')).status).toBe(500)
      expect((await server.send(signer.sign('private/image.png'))).status).toBe(200)
      expect(calls).toBe(2)
    } finally {
      await server.close()
    }
  })

  it('survives a client that aborts in the middle of a download', async () => {
    fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7))
    const closed: boolean[] = []
    const app = fw.create()
    app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.on('close', () => closed.push(res.writableFinished))
      next()
    })
    app.use(signedStatic(dir, { signer }))
    const server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const link = signer.sign('big.bin')
      const received = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: link, agent: false }, (res) => {
          expect(res.statusCode).toBe(200)
          res.once('data', (chunk: Buffer) => {
            req.destroy()
            resolve(chunk.length)
          })
        })
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)))
      })
      expect(received).toBeLessThan(8 * 1024 * 1024)
      await new Promise<void>((resolve) => {
        const wait = () => (closed.length ? resolve() : setImmediate(wait))
        wait()
      })
      expect(closed).toEqual([false])
      const server2 = await listen(app)
      try {
        const again = await server2.send(link, { headers: { Range: 'bytes=0-9' } })
        expect([again.status, again.body.length]).toEqual([206, 10])
      } finally {
        await server2.close()
      }
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('answers 404 for a valid link to a file deleted after signing, and refuses an invalid one as before', async () => {
    const file = path.join(dir, 'report.pdf')
    fs.writeFileSync(file, 'soon gone')
    const app = fw.create()
    app.use(signedStatic(dir, { signer, onReject: recordCode }))
    app.use((_req: IncomingMessage, res: ServerResponse) => {
      res.statusCode = 404
      res.end('not found')
    })
    const server = await listen(app)
    try {
      const valid = signer.sign('report.pdf')
      const forged = createSigner({ key: OTHER_KEY, now }).sign('report.pdf')
      expect((await server.send(valid)).status).toBe(200)
      const before = await server.send(forged)
      fs.unlinkSync(file)
      expect((await server.send(valid)).status).toBe(404)
      const after = await server.send(forged)
      const comparable = (r: typeof before) => ({
        status: r.status,
        body: r.body.toString(),
        headers: { ...r.headers, date: undefined },
      })
      expect(comparable(after)).toEqual(comparable(before))
      expect(before.headers['x-test-refusal']).toBe('ERR_SIGNATURE_INVALID')
    } finally {
      await server.close()
    }
  })

  describe('when every refusal in the attack corpus is sent', () => {
    let server: TestServer
    beforeAll(async () => {
      server = await listen(buildApp(fw, atRoot, (root) => signedStatic(root, { signer })))
    })
    afterAll(() => server.close())

    it('makes not a single file-system call', async () => {
      const calls = ['stat', 'lstat', 'open', 'access', 'readdir', 'createReadStream', 'realpath'].map((name) =>
        jest.spyOn(fs, name as 'stat'),
      )
      const ctx: AttackContext = { base: '', expiry: NOW_S + 3600, past: NOW_S - 1, key: KEY, otherKey: OTHER_KEY }
      const refusals = attackCorpus.filter((c) => outcomeOn(c, fw.name).status === 403)
      for (const attack of refusals) {
        expect((await server.send(attack.target(ctx), { method: attack.method })).status).toBe(403)
      }
      expect(refusals.length).toBeGreaterThan(150)
      for (const spy of calls) expect(spy).not.toHaveBeenCalled()
      // The spies do see the file server's work: one valid request touches the file system.
      await server.send(signer.sign('private/image.png'))
      expect(calls.some((spy) => spy.mock.calls.length > 0)).toBe(true)
    })
  })
})
