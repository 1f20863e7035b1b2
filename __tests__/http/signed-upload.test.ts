import { spawn } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createSigner, signedStatic, signedUpload, type SignOptions } from 'express-signed-url'
import { starting } from '../support/budget'
import { frameworks, KEY, NOW_MS, now, put, withWrongSignature, type Reply } from '../support/helpers'

// Uploads through real servers on Express 4, Express 5 and Connect: the links, the caps, the types, the digest,
// what lands (whole or nothing), and what is left behind (nothing).
const signer = createSigner({ key: KEY, now })
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64url')
// An upload link sign() refuses to make (for a dotfile), made with the key as anyone holding it could.
const handMade = (file: string) => {
  const expiry = NOW_MS / 1000 + 60
  const message = `${file}?expiry=${expiry}&method=put`
  return `/${file}?expiry=${expiry}&method=put&signature=${createHmac('sha256', KEY).update(message).digest('base64url')}`
}

/** Writes raw bytes to the server (requests no client would send) and resolves with all it answered. */
function raw(port: number, text: string, end = true): Promise<string> {
  return new Promise((resolve) => {
    let answer = ''
    const socket = net.connect(port, '127.0.0.1', () => (end ? socket.end(text) : socket.write(text)))
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => (answer += c))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(answer))
  })
}

/** Every file under a folder, by relative path: what landed, and any leftover. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

describe.each(frameworks)('signedUpload on $name', (fw) => {
  let dir: string
  let port: number
  let server: http.Server
  let uploads: ReturnType<typeof signedUpload>
  let seen = 0
  const start = async (options: Partial<Parameters<typeof signedUpload>[1]> = {}) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'signed-upload-'))
    const app = fw.create()
    uploads = signedUpload(dir, { signer, maxBytes: 1_000_000, ...options } as Parameters<typeof signedUpload>[1])
    await uploads.ready
    app.use((_req: IncomingMessage, _res: ServerResponse, next: () => void) => {
      seen++
      next()
    })
    app.use('/files', uploads)
    app.use('/files', signedStatic(dir, { signer }))
    app.use((err: Error, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = 500
      res.end(String(err))
    })
    server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  }
  const stop = async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
  const link = (file: string, options: Omit<SignOptions, 'method' | 'expiresAt'> = {}) =>
    signer.sign(`files/${file}`, { method: 'put', ...options } as SignOptions)

  describe('with the default rules', () => {
    beforeAll(() => start())
    afterAll(() => stop())

    it('refuses a body in a content coding (415, before reading it), and takes identity', async () => {
      const gz = await put(port, link('z.bin'), [Buffer.from('x')], { 'Content-Encoding': 'gzip', 'Content-Length': 1 })
      expect(gz).toMatchObject({ status: 415 })
      expect(tree(dir).filter((f) => f.startsWith('z'))).toEqual([])
      expect(await put(port, link('z.bin'), [Buffer.from('x')], { 'Content-Encoding': 'identity' })).toMatchObject({
        status: 201,
      })
      rmSync(path.join(dir, 'z.bin'))
    })

    it('takes an upload through its link, answers 201 with what landed, and serves it through a get link', async () => {
      const body = randomBytes(70_000)
      const reply = await put(port, link('a/photo.jpg'), [body.subarray(0, 1000), body.subarray(1000)], {
        'Content-Type': 'image/jpeg',
      })
      expect(reply).toMatchObject({ status: 201 })
      expect(JSON.parse((reply as Reply).body)).toEqual({
        path: 'files/a/photo.jpg',
        size: body.length,
        contentType: 'image/jpeg',
        sha256: sha(body),
      })
      expect(readFileSync(path.join(dir, 'a', 'photo.jpg'))).toEqual(body)
      const got = await fetch(`http://127.0.0.1:${port}${signer.sign('files/a/photo.jpg')}`)
      expect(Buffer.from(await got.arrayBuffer())).toEqual(body)
      expect(tree(dir)).toEqual(['a/photo.jpg'])
    })

    it.each([
      ['a GET link', () => signer.sign('files/g.bin'), 403],
      ['a forged upload link', () => withWrongSignature(link('g.bin')), 403],
      ['no link', () => '/files/g.bin', 403],
      [
        'an expired upload link',
        () => createSigner({ key: KEY, now: () => NOW_MS - 7_200_000 }).sign('files/g.bin', { method: 'put' }),
        403,
      ],
      ['a dotfile target, signed by hand', () => handMade('files/.hidden'), 403],
      ['a dotfile folder, signed by hand', () => handMade('files/sub/.x/y.bin'), 403],
    ])('refuses %s before reading the body, and writes nothing', async (_name, target, status) => {
      const reply = await put(port, target(), [Buffer.from('x')])
      expect(reply).toMatchObject({ status })
      expect(tree(dir)).not.toContain('g.bin')
    })

    it('passes GET and every other method on, so signedStatic shares the mount', async () => {
      writeFileSync(path.join(dir, 'shared.txt'), 'shared')
      const got = await fetch(`http://127.0.0.1:${port}${signer.sign('files/shared.txt')}`)
      expect([got.status, await got.text()]).toEqual([200, 'shared'])
      // signedStatic refuses an upload link on GET.
      expect((await fetch(`http://127.0.0.1:${port}${link('shared.txt')}`)).status).toBe(403)
    })

    it('answers 409 for a file that exists, and leaves it as it was', async () => {
      writeFileSync(path.join(dir, 'taken.txt'), 'first')
      expect(await put(port, link('taken.txt'), [Buffer.from('second')])).toMatchObject({ status: 409 })
      expect(readFileSync(path.join(dir, 'taken.txt'), 'utf8')).toBe('first')
    })

    it("refuses a declared Content-Length over the link's cap with 413, before reading", async () => {
      const reply = await put(port, link('big.bin', { maxBytes: 10 }), [Buffer.alloc(11)], { 'Content-Length': 11 })
      expect(reply).toMatchObject({ status: 413 })
      expect(tree(dir)).not.toContain('big.bin')
    })

    it('stops a chunked body at the cap: 413, no file, no temporary', async () => {
      const chunks = Array.from({ length: 40 }, () => randomBytes(1000))
      const reply = await put(port, link('chunked.bin', { maxBytes: 25_000 }), chunks)
      expect(reply === 'aborted' || reply.status === 413).toBe(true)
      expect(tree(dir).filter((f) => f.includes('chunked'))).toEqual([])
    })

    it('checks the signed digest: 422 for other bytes, 201 for the right ones', async () => {
      const body = Buffer.from('exactly these bytes')
      expect(await put(port, link('d.txt', { sha256: sha(Buffer.from('other')) }), [body])).toMatchObject({
        status: 422,
      })
      expect(tree(dir).filter((f) => f === 'd.txt' || f.startsWith('.d.txt.'))).toEqual([])
      expect(await put(port, link('d.txt', { sha256: sha(body) }), [body])).toMatchObject({ status: 201 })
    })

    it("takes only the link's types: 415 for another, or none", async () => {
      const only = link('t.svg', { contentType: ['image/svg+xml'] })
      expect(await put(port, only, [Buffer.from('<svg/>')], { 'Content-Type': 'text/html' })).toMatchObject({
        status: 415,
      })
      expect(await put(port, only, [Buffer.from('<svg/>')])).toMatchObject({ status: 415 })
      expect(
        await put(port, only, [Buffer.from('<svg/>')], { 'Content-Type': 'Image/SVG+XML; charset=utf-8' }),
      ).toMatchObject({
        status: 201,
      })
    })

    it('leaves nothing behind when the client aborts at any offset', async () => {
      const body = randomBytes(200_000)
      const chunks = Array.from({ length: 50 }, (_, i) => body.subarray(i * 4000, (i + 1) * 4000))
      for (const offset of [10, 3999, 4001, 57_123, 150_000, 199_999]) {
        const before = seen
        await put(port, link(`abort-${offset}.bin`), chunks, {}, offset)
        // Once the server has the request (bounded by event-loop turns, not time), wait for it to be done.
        for (let i = 0; i < 100_000 && seen === before; i++) await new Promise((r) => setImmediate(r))
        expect(seen).toBe(before + 1)
        await uploads.idle()
        expect([offset, tree(dir).filter((f) => f.includes(`abort-${offset}.`))]).toEqual([offset, []])
      }
    })

    it.each([
      ['a chunk size that is not hex', 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n'],
      ['a chunk longer than it says', 'Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n'],
      ['a body shorter than its Content-Length', 'Content-Length: 1000\r\n\r\n0123456789'],
      ['a chunked body that stops mid-chunk', 'Transfer-Encoding: chunked\r\n\r\n100\r\nabc'],
    ])('survives %s: no 500, nothing left behind, the next upload lands', async (_name, rest) => {
      const target = link('malformed.bin')
      const before = seen
      const answer = await raw(port, `PUT ${target} HTTP/1.1\r\nHost: x\r\n${rest}`)
      for (let i = 0; i < 100_000 && seen === before; i++) await new Promise((r) => setImmediate(r))
      expect(seen).toBe(before + 1)
      await uploads.idle()
      // Node's parser answers a malformed body 400 and closes; a body cut short gets no answer at all.
      expect(['', 'HTTP/1.1 400']).toContain(answer.slice(0, 12))
      expect(tree(dir).filter((f) => f.includes('malformed'))).toEqual([])
      expect(await put(port, target, [Buffer.from('whole')])).toMatchObject({ status: 201 })
      rmSync(path.join(dir, 'malformed.bin'))
    })

    it('lets go at once of clients that send a whole body and close: no temporary held, no handle kept', async () => {
      // The whole request, then FIN (or trailing junk): the socket closes while the target is checked, and the
      // body the parser had is never emitted. Each upload must end now, not at its 30 s stall timeout.
      const before = seen
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          raw(port, `PUT ${link(`gone-${i}.bin`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloWORLD`),
        ),
      )
      for (let i = 0; i < 100_000 && seen < before + 20; i++) await new Promise((r) => setImmediate(r))
      await uploads.idle()
      // Each either landed whole (the server read it before the close) or left nothing at all.
      for (const file of tree(dir).filter((f) => f.includes('gone-'))) {
        expect(file).toMatch(/^gone-\d+\.bin$/)
        expect(readFileSync(path.join(dir, file), 'utf8')).toBe('hello')
        rmSync(path.join(dir, file))
      }
    })

    it('refuses a name no file system holds (over 255 bytes) before reading the body', async () => {
      const long = await raw(
        port,
        `PUT ${link(`${'a'.repeat(256)}.bin`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n`,
        false,
      )
      expect(long.slice(0, 12)).toBe('HTTP/1.1 403')
      const emoji = link(`${'😀'.repeat(64)}.bin`)
      expect(await put(port, emoji, [Buffer.from('x')])).toMatchObject({ status: 403 })
      expect(await put(port, link(`${'a'.repeat(251)}.bin`), [Buffer.from('x')])).toMatchObject({ status: 201 })
      rmSync(path.join(dir, `${'a'.repeat(251)}.bin`))
    })

    it('refuses both Content-Length and chunked in one request before it reaches the app', async () => {
      const before = seen
      const answer = await raw(
        port,
        `PUT ${link('smuggled.bin')} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      )
      expect(answer.slice(0, 12)).toBe('HTTP/1.1 400')
      expect(seen).toBe(before)
      expect(tree(dir).filter((f) => f.includes('smuggled'))).toEqual([])
    })

    it('keeps a slow body going while bytes come within the timeout, and answers 408 once they stop', async () => {
      // The timer is the only clock here, and it is faked: 29 s between bytes is in time, 30 s of silence is not.
      jest.useFakeTimers({
        doNotFake: [
          'Date',
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
        ],
      })
      try {
        let reply: Reply | 'aborted' | undefined
        const req = http.request(
          { host: '127.0.0.1', port, path: link('drip.bin'), method: 'PUT', agent: false },
          (res) => {
            res.resume()
            res.on('end', () => (reply = { status: res.statusCode ?? 0, headers: res.headers, body: '' }))
          },
        )
        req.on('error', () => (reply ??= 'aborted'))
        const written = () => {
          const temporary = readdirSync(dir).find((f) => f.startsWith('.drip.bin.'))
          return temporary === undefined ? -1 : fs.statSync(path.join(dir, temporary)).size
        }
        for (let byte = 1; byte <= 4; byte++) {
          req.write('x')
          // The byte is on disk (so its timer is re-armed) before the clock moves on: bounded by turns, not time.
          for (let i = 0; i < 100_000 && written() < byte; i++) await new Promise((r) => setImmediate(r))
          expect(written()).toBe(byte)
          jest.advanceTimersByTime(29_000)
        }
        expect(reply).toBeUndefined()
        jest.advanceTimersByTime(1_000)
        for (let i = 0; i < 100_000 && reply === undefined; i++) await new Promise((r) => setImmediate(r))
        expect(reply).toMatchObject({ status: 408, headers: { connection: 'close' } })
        req.destroy()
        await uploads.idle()
        expect(tree(dir).filter((f) => f.includes('drip'))).toEqual([])
      } finally {
        jest.useRealTimers()
      }
    })

    it('keeps a long name whole (its temporary is trimmed), and answers 409 where a file stands for a folder', async () => {
      const name = `${'文'.repeat(83)}.png`
      expect(await put(port, link(name), [Buffer.from('x')])).toMatchObject({ status: 201 })
      writeFileSync(path.join(dir, 'plain'), 'a file')
      expect(await put(port, link('plain/inside.png'), [Buffer.from('x')])).toMatchObject({ status: 409 })
    })

    it('closes the connection after refusing a link, rather than reading the body', async () => {
      const reply = await put(port, withWrongSignature(link('c.bin')), [Buffer.alloc(10)])
      expect(reply).toMatchObject({ status: 403, headers: { connection: 'close' } })
    })

    it('lands exactly one of 50 uploads racing to one path, whole', async () => {
      const bodies = Array.from({ length: 50 }, (_, i) => Buffer.alloc(50_000, i))
      const replies = await Promise.all(
        bodies.map((b) => put(port, link('race.bin'), [b.subarray(0, 25_000), b.subarray(25_000)])),
      )
      const statuses = replies.map((r) => (r === 'aborted' ? 0 : r.status)).sort()
      expect(statuses).toEqual([201, ...new Array(49).fill(409)])
      const landed = readFileSync(path.join(dir, 'race.bin'))
      expect(bodies.some((b) => b.equals(landed))).toBe(true)
      expect(tree(dir).filter((f) => f.includes('race'))).toEqual(['race.bin'])
    })
  })

  describe('with overwrite, a middleware cap and types', () => {
    beforeAll(() => start({ overwrite: true, maxBytes: 5000, contentTypes: ['text/plain'] }))
    afterAll(() => stop())

    it('replaces a file with one whole upload, however many race', async () => {
      const bodies = Array.from({ length: 50 }, (_, i) => Buffer.alloc(4000, i + 1))
      const replies = await Promise.all(
        bodies.map((b) => put(port, link('o.txt'), [b], { 'Content-Type': 'text/plain' })),
      )
      expect(replies.map((r) => (r === 'aborted' ? 0 : r.status))).toEqual(new Array(50).fill(201))
      const landed = readFileSync(path.join(dir, 'o.txt'))
      expect(bodies.some((b) => b.equals(landed))).toBe(true)
      expect(tree(dir)).toEqual(['o.txt'])
    })

    it("caps at the smaller of the link's and the middleware's limits, and takes only the middleware's types", async () => {
      expect(
        await put(port, link('c.txt'), [Buffer.alloc(5001)], { 'Content-Type': 'text/plain', 'Content-Length': 5001 }),
      ).toMatchObject({ status: 413 })
      expect(await put(port, link('c.txt'), [Buffer.alloc(10)], { 'Content-Type': 'image/png' })).toMatchObject({
        status: 415,
      })
    })
  })

  describe('when the disk fails', () => {
    beforeAll(() => start({ maxBytes: 32 << 20 }))
    afterAll(() => stop())

    it('answers 507 and removes the temporary when a write fails (ENOSPC)', async () => {
      const open = fs.promises.open
      const spy = jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
        const handle = await open(...args)
        // Every way of writing fails, as on a full disk.
        const full = (() => Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }))) as never
        if (String(args[0]).endsWith('.upload')) Object.assign(handle, { write: full, writev: full })
        return handle
      })
      try {
        expect(await put(port, link('full.bin'), [randomBytes(3000)])).toMatchObject({ status: 507 })
      } finally {
        spy.mockRestore()
      }
      expect(tree(dir).filter((f) => f.includes('full'))).toEqual([])
    })

    // Replaces each upload temporary's datasync, recording calls; `fail` makes them fail as a dying disk would.
    const withDatasync = async (fail: boolean, run: () => Promise<void>) => {
      const open = fs.promises.open
      let calls = 0
      const spy = jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
        const handle = await open(...args)
        if (String(args[0]).endsWith('.upload')) {
          const datasync = handle.datasync.bind(handle)
          Object.assign(handle, {
            datasync: () => {
              calls++
              return fail ? Promise.reject(Object.assign(new Error('I/O error'), { code: 'EIO' })) : datasync()
            },
          })
        }
        return handle
      })
      try {
        await run()
      } finally {
        spy.mockRestore()
      }
      return calls
    }

    it('starts writing a large body out to disk while it still arrives (every 8 MiB)', async () => {
      const body = randomBytes(20 << 20)
      const chunks = Array.from({ length: 20 }, (_, i) => body.subarray(i << 20, (i + 1) << 20))
      const calls = await withDatasync(false, async () => {
        expect(await put(port, link('big.bin'), chunks)).toMatchObject({ status: 201 })
      })
      expect(calls).toBe(2)
      expect(readFileSync(path.join(dir, 'big.bin')).equals(body)).toBe(true)
    })

    it('answers 507 and keeps nothing when a sync while the body arrives fails', async () => {
      const chunks = Array.from({ length: 10 }, () => randomBytes(1 << 20))
      const calls = await withDatasync(true, async () => {
        expect(await put(port, link('sick.bin'), chunks)).toMatchObject({ status: 507 })
      })
      expect(calls).toBe(1)
      expect(tree(dir).filter((f) => f.includes('sick'))).toEqual([])
    })
  })
})

describe('signedUpload', () => {
  it("sends every refusal through onReject or forwardRefusals, a body's with its own status", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-upload-forward-'))
    const codes: string[] = []
    const uploads = signedUpload(dir, { signer, maxBytes: 10, forwardRefusals: true, status: 404 })
    const server = http.createServer((req, res) =>
      uploads(req, res, (err?: unknown) => {
        const e = err as { code?: string; status?: number } | undefined
        codes.push(`${e?.code} ${e?.status}`)
        res.statusCode = e?.status ?? 500
        res.end()
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const p = (server.address() as AddressInfo).port
    try {
      await put(p, '/a.bin', [Buffer.from('x')])
      await put(p, signer.sign('.a.bin', { expiresAt: NOW_MS / 1000 + 60 }), [Buffer.from('x')])
      await put(p, signer.sign('a.bin', { method: 'put' }), [Buffer.alloc(11)], { 'Content-Length': 11 })
      expect(codes).toEqual(['ERR_SIGNATURE_MISSING 404', 'ERR_METHOD_NOT_ALLOWED 404', 'ERR_UPLOAD_TOO_LARGE 413'])
    } finally {
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('with checkContinue, answers 100 Continue only once the upload is accepted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-upload-continue-'))
    const uploads = signedUpload(dir, { signer, maxBytes: 1000 })
    const server = http.createServer()
    const handle = (req: IncomingMessage, res: ServerResponse) => uploads(req, res, () => res.end())
    server.on('request', handle).on('checkContinue', handle)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const p = (server.address() as AddressInfo).port
    const send = (target: string) =>
      new Promise<{ continued: boolean; status: number }>((resolve) => {
        let continued = false
        const req = http.request({
          host: '127.0.0.1',
          port: p,
          path: target,
          method: 'PUT',
          agent: false,
          headers: { Expect: '100-continue', 'Content-Length': 5 },
        })
        req.on('continue', () => {
          continued = true
          req.end('hello')
        })
        req.on('response', (res) => {
          res.resume()
          res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }))
        })
        req.on('error', () => resolve({ continued, status: 0 }))
      })
    try {
      expect(await send(signer.sign('ok.txt', { method: 'put' }))).toEqual({ continued: true, status: 201 })
      expect(await send(withWrongSignature(signer.sign('ok2.txt', { method: 'put' })))).toEqual({
        continued: false,
        status: 403,
      })
      expect(readFileSync(path.join(dir, 'ok.txt'), 'utf8')).toBe('hello')
    } finally {
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses to sign an upload link for a dotfile, which it would never take', () => {
    expect(() => signer.sign('files/.env', { method: 'put' })).toThrow('names a file: not a folder, nor a dotfile')
  })

  starting(1).it(
    'after a kill -9 mid-upload, the next start sweeps the temporary: nothing partial is left',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-upload-kill-'))
      const script = `
      const http = require('node:http')
      const { signedUpload } = require(${JSON.stringify(path.join(path.join(__dirname, '..'), '..', 'dist'))})
      const uploads = signedUpload(${JSON.stringify(dir)}, { key: ${JSON.stringify(KEY)}, now: () => ${NOW_MS}, maxBytes: 1e9 })
      const server = http.createServer((req, res) => uploads(req, res, () => { res.statusCode = 404; res.end() }))
      server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
      try {
        const childPort = await new Promise<number>((resolve) =>
          child.stdout.once('data', (d: Buffer) => resolve(Number(String(d)))),
        )
        // The temporary appears once the child has the body's first bytes: watched, not waited for.
        const created = new Promise<void>((resolve) => {
          const watcher = fs.watch(dir, () => {
            if (readdirSync(dir).some((f) => f.endsWith('.upload'))) {
              watcher.close()
              resolve()
            }
          })
        })
        const req = http.request({
          host: '127.0.0.1',
          port: childPort,
          method: 'PUT',
          path: signer.sign('big.bin', { method: 'put' }),
        })
        req.on('error', () => undefined)
        req.write(randomBytes(64 * 1024))
        await created
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
        req.destroy()
        const [left] = readdirSync(dir).filter((f) => f.endsWith('.upload'))
        expect(readdirSync(dir)).toEqual([left])
        // Not written since the kill: once older than twice the timeout, the next start removes it.
        const old = new Date(Date.now() - 120_000)
        fs.utimesSync(path.join(dir, left), old, old)
        expect(await signedUpload(dir, { signer, maxBytes: 10 }).ready).toBe(1)
        expect(readdirSync(dir)).toEqual([])
      } finally {
        child.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  it("sweeps temporaries not written for twice the timeout, and keeps younger ones (a live replica's)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-upload-sweep-'))
    try {
      fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true })
      const names = ['x', 'y', 'z'].map((n, i) => `.${n}.bin.${i + 1}.${'b'.repeat(16)}.upload`)
      for (const name of names) writeFileSync(path.join(dir, 'a', 'b', name), 'partial')
      const old = new Date(Date.now() - 120_000)
      for (const name of names.slice(0, 2)) fs.utimesSync(path.join(dir, 'a', 'b', name), old, old)
      writeFileSync(path.join(dir, 'a', '.not-ours.upload'), 'kept')
      fs.utimesSync(path.join(dir, 'a', '.not-ours.upload'), old, old)
      expect(await signedUpload(dir, { signer, maxBytes: 10, timeout: '30s' }).ready).toBe(2)
      expect(tree(dir)).toEqual([path.join('a', '.not-ours.upload'), path.join('a', 'b', names[2])].sort())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
