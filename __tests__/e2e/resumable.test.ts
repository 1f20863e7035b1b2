// Resumable uploads (signedUpload's `resumable`) driven by tus-js-client against a real server process
// (support/tus-app.js, the built package with @tus/server): an upload cut and resumed from the server's offset, a
// SIGKILL mid-upload then a resume, every refusal of a creation, the Location bound to its upload, the link's
// sha256 on the whole file, a single PUT beside, and the sweep of abandoned uploads.
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import * as tus from 'tus-js-client'
import { createSigner } from 'express-signed-url'
import { budget, starting } from '../support/budget'
import { NOW_MS } from '../support/helpers'

const APP = path.join(__dirname, '..', 'support', 'tus-app.js')
const KEY = 'tus-test-key-0123456789-0123456789-0123456789'
const signer = createSigner({ key: KEY, now: () => NOW_MS })
const MiB = 1024 * 1024
// Every test starts the server process (those that start it again say so), and waits on it.
jest.setTimeout(budget(1))

interface Server {
  child: ChildProcess
  base: string
  swept: number
}

let dir: string
let root: string
let partial: string
const running = new Set<ChildProcess>()

/** Starts support/tus-app.js on the test's folders; resolves once it listens. */
function start(env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [APP], {
    env: { ...process.env, ROOT: root, PARTIAL: partial, KEY, NOW_MS: String(NOW_MS), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const m = /port (\d+) swept (\d+)/.exec(out)
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}`, swept: Number(m[2]) })
    })
    child.once('exit', (code) => reject(new Error(`tus-app exited with ${code}`)))
  })
}

function kill(server: Server, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve()
    server.child.once('exit', () => resolve())
    server.child.kill(signal)
  })
}

/** Runs a tus upload to the end (or an error); `stopAfter` chunks, it is aborted there instead. */
function upload(
  data: Buffer,
  options: tus.UploadOptions,
  stopAfter?: { chunks: number; then?: () => Promise<void> | void; abort?: boolean },
): Promise<{ upload: tus.Upload; error?: Error; stopped?: boolean }> {
  return new Promise((resolve) => {
    let chunks = 0
    const up: tus.Upload = new tus.Upload(data, {
      chunkSize: MiB,
      retryDelays: [],
      ...options,
      onError: (error) => resolve({ upload: up, error }),
      onSuccess: () => resolve({ upload: up }),
      onChunkComplete: () => {
        chunks++
        if (stopAfter === undefined || chunks !== stopAfter.chunks) return
        // Killed under it (`abort: false`): the upload goes on into a dead server, and ends in onError.
        if (stopAfter.abort === false) void stopAfter.then?.()
        else
          void up
            .abort()
            .then(() => stopAfter.then?.())
            .then(() => resolve({ upload: up, stopped: true }))
      },
    })
    up.start()
  })
}

const putLink = (file: string, options: object = {}) => signer.sign(`files/${file}`, { method: 'put', ...options })
const sha = (data: Buffer) => createHash('sha256').update(data).digest('base64url')

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'esu-tus-'))
  root = path.join(dir, 'files')
  partial = path.join(dir, 'partial')
})
afterEach(async () => {
  await Promise.all([...running].map((child) => kill({ child } as Server, 'SIGKILL')))
  rmSync(dir, { recursive: true, force: true })
})

describe('a resumable upload with tus-js-client', () => {
  it('uploads 12 MB in 1 MB chunks, cut after 4 and resumed from the offset: identical, invisible before', async () => {
    const server = await start()
    const data = randomBytes(12 * MiB + 5)
    const endpoint = server.base + putLink('v/movie.mp4')
    const first = await upload(data, { endpoint, metadata: { filetype: 'video/mp4' } }, { chunks: 4 })
    expect(first.stopped).toBe(true)
    const location = first.upload.url!
    expect(location).toMatch(/\/files\/v\/movie\.mp4\?expiry=\d+&method=put&upload=[\w-]{22}&signature=[\w-]{43}$/)
    // Invisible before it is whole: not in the folder, not served by the guard in front of it.
    expect(existsSync(path.join(root, 'v', 'movie.mp4'))).toBe(false)
    expect((await fetch(server.base + signer.sign('files/v/movie.mp4'))).status).toBe(404)
    const head = await fetch(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('upload-offset'))).toBe(4 * MiB)
    const second = await upload(data, { uploadUrl: location, endpoint })
    expect(second.error).toBeUndefined()
    expect(readFileSync(path.join(root, 'v', 'movie.mp4')).equals(data)).toBe(true)
    const served = await fetch(server.base + signer.sign('files/v/movie.mp4'))
    expect(Buffer.from(await served.arrayBuffer()).equals(data)).toBe(true)
  })

  starting(2).it('resumes after the server is killed (SIGKILL) mid-upload and started again', async () => {
    let server = await start()
    const data = randomBytes(6 * MiB)
    const endpoint = server.base + putLink('killed.bin')
    const first = await upload(data, { endpoint }, { chunks: 2, abort: false, then: () => kill(server, 'SIGKILL') })
    expect(first.error).toBeDefined()
    server = await start()
    // The same link on the new process's port: the offset and the signature both outlived the process.
    const location = new URL(first.upload.url!)
    const resumed = server.base + location.pathname + location.search
    const head = await fetch(resumed, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect(Number(head.headers.get('upload-offset'))).toBeGreaterThanOrEqual(2 * MiB)
    const second = await upload(data, { uploadUrl: resumed, endpoint: server.base + putLink('killed.bin') })
    expect(second.error).toBeUndefined()
    expect(readFileSync(path.join(root, 'killed.bin')).equals(data)).toBe(true)
  })

  it('checks the signed sha256 on the whole file: a match lands, a mismatch gets 422 and lands nothing', async () => {
    const server = await start()
    const data = randomBytes(2 * MiB + 3)
    const good = await upload(data, { endpoint: server.base + putLink('good.bin', { sha256: sha(data) }) })
    expect(good.error).toBeUndefined()
    expect(readFileSync(path.join(root, 'good.bin')).equals(data)).toBe(true)
    const bad = await upload(data, { endpoint: server.base + putLink('bad.bin', { sha256: sha(Buffer.from('x')) }) })
    expect(String(bad.error)).toMatch(/response code: 422/)
    expect(existsSync(path.join(root, 'bad.bin'))).toBe(false)
    // And the upload is gone: asking for it again does not show it whole.
    const head = await fetch(bad.upload.url!, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect([404, 410]).toContain(head.status)
  })

  it('completes in chunks under a signed type and the folder’s types (each PATCH is no new type check)', async () => {
    const server = await start({ CONTENT_TYPES: 'video/mp4,image/png' })
    const data = randomBytes(3 * MiB + 1)
    const endpoint = server.base + putLink('typed.mp4', { contentType: 'video/mp4', maxBytes: 4 * MiB })
    const done = await upload(data, { endpoint, metadata: { filetype: 'video/mp4' } })
    expect(done.error).toBeUndefined()
    expect(readFileSync(path.join(root, 'typed.mp4')).equals(data)).toBe(true)
  })

  it('takes a single PUT through the same kind of link, resumable on', async () => {
    const server = await start()
    const res = await fetch(server.base + putLink('single.txt'), { method: 'PUT', body: 'one piece' })
    expect(res.status).toBe(201)
    expect(readFileSync(path.join(root, 'single.txt'), 'utf8')).toBe('one piece')
  })
})

describe('what a creation is refused', () => {
  const create = (base: string, link: string, headers: Record<string, string>) =>
    fetch(base + link, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', ...headers } })

  it('413 over the cap, the link’s or the folder’s; 415 for a type; 409 for a file there; 403 for a bad link', async () => {
    const server = await start({ MAX_BYTES: String(10 * MiB) })
    expect((await create(server.base, putLink('a.bin'), { 'Upload-Length': String(10 * MiB + 1) })).status).toBe(413)
    expect((await create(server.base, putLink('a.bin', { maxBytes: 100 }), { 'Upload-Length': '101' })).status).toBe(
      413,
    )
    const typed = putLink('a.png', { contentType: 'image/png' })
    const meta = (type: string) => `filetype ${Buffer.from(type).toString('base64')}`
    expect(
      (await create(server.base, typed, { 'Upload-Length': '3', 'Upload-Metadata': meta('text/html') })).status,
    ).toBe(415)
    expect((await create(server.base, typed, { 'Upload-Length': '3' })).status).toBe(415)
    expect(
      (await create(server.base, typed, { 'Upload-Length': '3', 'Upload-Metadata': meta('image/png') })).status,
    ).toBe(201)
    expect((await fetch(server.base + putLink('taken.txt'), { method: 'PUT', body: 'x' })).status).toBe(201)
    expect((await create(server.base, putLink('taken.txt'), { 'Upload-Length': '3' })).status).toBe(409)
    expect((await create(server.base, signer.sign('files/a.bin'), { 'Upload-Length': '3' })).status).toBe(403)
    const forged = putLink('a.bin').replace(/signature=[\w-]+/, `signature=${'A'.repeat(43)}`)
    expect((await create(server.base, forged, { 'Upload-Length': '3' })).status).toBe(403)
    const expired = createSigner({ key: KEY, now: () => NOW_MS - 7200_000 }).sign('files/a.bin', {
      method: 'put',
      ttl: 60,
    })
    expect([403, 410]).toContain((await create(server.base, expired, { 'Upload-Length': '3' })).status)
    // Nothing was created for any refusal: only the one accepted creation waits.
    expect(readdirSync(partial).filter((name) => !name.includes('.'))).toHaveLength(1)
  })

  it('says when an upload expires (tus expiration): its link’s expiry, on the creation and after', async () => {
    const server = await start()
    const link = putLink('expiring.bin', { ttl: 900 })
    const expires = new Date((NOW_MS / 1000 + 900) * 1000).toUTCString()
    const created = await create(server.base, link, { 'Upload-Length': '10' })
    expect([created.status, created.headers.get('upload-expires')]).toEqual([201, expires])
    const location = new URL(created.headers.get('location')!, server.base).toString()
    const head = await fetch(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect([head.status, head.headers.get('upload-expires')]).toEqual([200, expires])
    // What tus shows of the upload never gives the creating link away (its signature would rebuild it).
    const shown = (head.headers.get('upload-metadata') ?? '')
      .split(',')
      .map((pair) => Buffer.from(pair.trim().split(' ')[1] ?? '', 'base64').toString())
    expect(shown.join(' ')).not.toContain(/signature=([\w-]{43})/.exec(link)![1])
  })

  it('binds the Location to its upload: any part altered gets 403 on HEAD, PATCH and DELETE', async () => {
    const server = await start()
    const created = await create(server.base, putLink('bound.bin'), { 'Upload-Length': '10' })
    expect(created.status).toBe(201)
    const location = new URL(created.headers.get('location')!, server.base).toString()
    const other = await create(server.base, putLink('other.bin'), { 'Upload-Length': '10' })
    const otherId = /upload=([\w-]+)/.exec(other.headers.get('location')!)![1]
    const altered = [
      location.replace(/upload=[\w-]+/, `upload=${otherId}`),
      location.replace('/bound.bin', '/other.bin'),
      location.replace(/expiry=(\d+)/, (_, e: string) => `expiry=${Number(e) + 1}`),
      location.replace(/&upload=[\w-]+/, ''),
      location.replace(/signature=[\w-]+/, `signature=${'A'.repeat(43)}`),
    ]
    for (const url of altered)
      for (const method of ['HEAD', 'PATCH', 'DELETE']) {
        const headers: Record<string, string> = { 'Tus-Resumable': '1.0.0' }
        if (method === 'PATCH')
          Object.assign(headers, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' })
        const res = await fetch(url, { method, headers, ...(method === 'PATCH' ? { body: 'abc' } : {}) })
        expect({ url, method, status: res.status }).toEqual({ url, method, status: 403 })
      }
    // The real one still works, from offset 0.
    const head = await fetch(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect([head.status, head.headers.get('upload-offset')]).toEqual([200, '0'])
  })
})

describe('what a link and its uploads may do after review', () => {
  const tusHeaders = { 'Tus-Resumable': '1.0.0' }
  const patch = (url: string, offset: number, body: Buffer) =>
    fetch(url, {
      method: 'PATCH',
      headers: { ...tusHeaders, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
      body: new Uint8Array(body),
    })
  const post = (base: string, link: string, length: number) =>
    fetch(base + link, { method: 'POST', headers: { ...tusHeaders, 'Upload-Length': String(length) } })
  const revoke = (base: string, what: string, folder = false) =>
    fetch(`${base}/${folder ? '_revoke-folder' : '_revoke'}`, { method: 'POST', body: what })

  it('stops an upload when the link that created it is revoked, or its folder', async () => {
    const server = await start()
    for (const folder of [false, true]) {
      const link = putLink(`revoked-${String(folder)}.bin`)
      const created = await post(server.base, link, 8)
      const location = new URL(created.headers.get('location')!, server.base).toString()
      expect((await patch(location, 0, Buffer.from('abcd'))).status).toBe(204)
      expect((await revoke(server.base, folder ? 'files/' : link, folder)).status).toBe(204)
      for (const method of ['HEAD', 'PATCH', 'DELETE']) {
        const res =
          method === 'PATCH'
            ? await patch(location, 4, Buffer.from('efgh'))
            : await fetch(location, { method, headers: tusHeaders })
        expect({ folder, method, status: res.status }).toEqual({ folder, method, status: 403 })
      }
      expect(existsSync(path.join(root, `revoked-${String(folder)}.bin`))).toBe(false)
    }
  })

  it('keeps one upload per link: creating again starts it over, so one link holds at most its cap', async () => {
    const server = await start()
    const link = putLink('once.bin', { maxBytes: 100_000 })
    for (let i = 0; i < 5; i++) {
      const created = await post(server.base, link, 100_000)
      expect(created.status).toBe(201)
      const location = new URL(created.headers.get('location')!, server.base).toString()
      expect((await patch(location, 0, randomBytes(50_000))).status).toBe(204)
    }
    // One upload's bytes and its record, whatever the number of creations.
    expect(readdirSync(partial).filter((name) => !name.includes('.'))).toHaveLength(1)
  })

  it('lands a finished upload once: the last PATCH again gets 204 and lands nothing over a later upload', async () => {
    const server = await start({ OVERWRITE: '1' })
    const land = async (content: string) => {
      const created = await post(server.base, putLink('twice.txt', { ttl: content === 'AAAA' ? 600 : 601 }), 4)
      const location = new URL(created.headers.get('location')!, server.base).toString()
      expect((await patch(location, 0, Buffer.from(content))).status).toBe(204)
      return location
    }
    const first = await land('AAAA')
    await land('BBBB')
    expect(readFileSync(path.join(root, 'twice.txt'), 'utf8')).toBe('BBBB')
    expect((await patch(first, 4, Buffer.alloc(0))).status).toBe(204)
    expect(readFileSync(path.join(root, 'twice.txt'), 'utf8')).toBe('BBBB')
    // Asked again, it is whole; a chunk written to it now is refused: a landed file never changes through tus.
    const head = await fetch(first, { method: 'HEAD', headers: tusHeaders })
    expect([head.status, head.headers.get('upload-offset'), head.headers.get('upload-length')]).toEqual([200, '4', '4'])
    expect((await patch(first, 0, Buffer.from('EVIL'))).status).toBe(409)
    expect(readFileSync(path.join(root, 'twice.txt'), 'utf8')).toBe('BBBB')
    // Nothing of it is left among the partials but its marks: no second name of a served file.
    expect(readdirSync(partial).filter((name) => !name.includes('.'))).toEqual([])
  })

  it('never lets creations racing a landing change what landed, whatever their timing', async () => {
    const server = await start()
    const data = randomBytes(16 * MiB)
    const link = putLink('raced.bin', { sha256: sha(data) })
    const created = await post(server.base, link, data.length)
    const location = new URL(created.headers.get('location')!, server.base).toString()
    expect((await patch(location, 0, data.subarray(0, data.length - 1))).status).toBe(204)
    // The last byte, with creations through the same link all around it, then a chunk through the new upload.
    const last = patch(location, data.length - 1, data.subarray(data.length - 1))
    const racing = Array.from({ length: 6 }, () => post(server.base, link, 20))
    const answers = await Promise.all([last, ...racing])
    // The last byte lands (204), or a creation came first and started the upload over (409): either is right.
    expect([204, 409]).toContain(answers[0].status)
    for (const answer of answers.slice(1)) {
      if (answer.status !== 201) continue
      const again = new URL(answer.headers.get('location')!, server.base).toString()
      await patch(again, 0, Buffer.from('EVIL CONTENT NOT SHA'))
    }
    // Whatever the order: the file is the whole upload its link pins, or not there; never anything else.
    const landed = path.join(root, 'raced.bin')
    if (answers[0].status === 204) expect(sha(readFileSync(landed))).toBe(sha(data))
    else
      expect(existsSync(landed) ? sha(readFileSync(landed)) : 'absent').toMatch(new RegExp(`^(${sha(data)}|absent)$`))
  })

  it('resumes after a client closed its connection in the middle of a PATCH body (no turn is left held)', async () => {
    const server = await start()
    const data = randomBytes(1000)
    const created = await post(server.base, putLink('cut.bin', { sha256: sha(data) }), data.length)
    const location = new URL(created.headers.get('location')!, server.base)
    // 100 of the 1000 bytes a PATCH announces; once the server holds them (mid-PATCH), the client hangs up.
    const socket = net.connect(Number(location.port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      `PATCH ${location.pathname}${location.search} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n`,
    )
    socket.write(data.subarray(0, 100))
    for (let seen = '0'; seen !== '100';)
      seen = (await fetch(location, { method: 'HEAD', headers: tusHeaders })).headers.get('upload-offset') ?? ''
    await new Promise((resolve) => {
      socket.once('close', resolve)
      socket.destroy()
    })
    // The client comes back: asks the offset, sends the rest, and the upload lands whole.
    for (let tries = 0; tries < 50; tries++) {
      const head = await fetch(location, { method: 'HEAD', headers: tusHeaders })
      const offset = Number(head.headers.get('upload-offset'))
      const rest = await patch(location.toString(), offset, data.subarray(offset))
      if (rest.status === 204) break
    }
    expect(readFileSync(path.join(root, 'cut.bin')).equals(data)).toBe(true)
  })

  it('never takes a PUT through a Location: it opens its upload over tus only', async () => {
    const server = await start()
    const created = await post(server.base, putLink('loc.bin'), 4)
    const location = new URL(created.headers.get('location')!, server.base).toString()
    expect((await fetch(location, { method: 'PUT', body: 'data' })).status).toBe(403)
    expect(existsSync(path.join(root, 'loc.bin'))).toBe(false)
  })

  it("passes POST, PATCH and DELETE without Tus-Resumable on to the app's routes", async () => {
    const server = await start()
    const res = await fetch(`${server.base}/files/comments`, { method: 'POST', body: 'hi' })
    expect([res.status, await res.text()]).toEqual([200, "the app's route\n"])
    // A POST through a put link without Tus-Resumable is no creation: signedStatic, after, refuses its method.
    const plain = await fetch(server.base + putLink('plain.bin'), { method: 'POST', headers: { 'Upload-Length': '4' } })
    expect(plain.status).toBe(403)
    expect(existsSync(partial) ? readdirSync(partial) : []).toEqual([])
  })
})

describe('the checksum extension (Upload-Checksum on a PATCH)', () => {
  const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64')
  const patch = (url: string, offset: number, body: Buffer, checksum?: string) =>
    fetch(url, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        ...(checksum === undefined ? {} : { 'Upload-Checksum': checksum }),
      },
      body: new Uint8Array(body),
    })
  const offsetOf = async (url: string) =>
    (await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })).headers.get('upload-offset')

  it('takes a chunk that matches, answers 460 and keeps the offset for one that does not, then lands it whole', async () => {
    const server = await start()
    const data = randomBytes(300_000)
    const created = await fetch(server.base + putLink('summed.bin'), {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(data.length) },
    })
    const location = new URL(created.headers.get('location')!, server.base).toString()
    const [first, middle, last] = [data.subarray(0, 100_000), data.subarray(100_000, 200_000), data.subarray(200_000)]
    expect((await patch(location, 0, first, `sha1 ${digest('sha1', first)}`)).status).toBe(204)
    expect(await offsetOf(location)).toBe('100000')
    // A chunk whose bytes are not what its checksum says: cut off again, the offset where it was.
    const bad = await patch(location, 100_000, middle, `sha1 ${digest('sha1', first)}`)
    expect([bad.status, bad.headers.get('upload-offset')]).toEqual([460, '100000'])
    expect(await offsetOf(location)).toBe('100000')
    expect((await patch(location, 100_000, middle, `md5 ${digest('md5', middle)}`)).status).toBe(204)
    // The last chunk, summed wrong: 460 before anything lands, and the offset stays.
    expect((await patch(location, 200_000, last, `sha512 ${digest('sha512', middle)}`)).status).toBe(460)
    expect(await offsetOf(location)).toBe('200000')
    expect(existsSync(path.join(root, 'summed.bin'))).toBe(false)
    // Again, summed right (sha256 this time): the upload lands whole.
    expect((await patch(location, 200_000, last, `sha256 ${digest('sha256', last)}`)).status).toBe(204)
    expect(readFileSync(path.join(root, 'summed.bin')).equals(data)).toBe(true)
  })

  it('answers 400 to an algorithm it does not take or a checksum it cannot read, before any byte is written', async () => {
    const server = await start()
    const created = await fetch(server.base + putLink('bad-sum.bin'), {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' },
    })
    const location = new URL(created.headers.get('location')!, server.base).toString()
    // A checksum on a creation's body is refused rather than ignored.
    const withBody = await fetch(server.base + putLink('bad-sum-2.bin'), {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '5',
        'Upload-Checksum': `sha1 ${digest('sha1', Buffer.from('WRONG'))}`,
        'Content-Type': 'application/offset+octet-stream',
      },
      body: 'hello',
    })
    expect([withBody.status, await withBody.text()]).toEqual([400, 'Bad Request\n'])
    for (const checksum of ['crc32 AAAAAA==', 'sha1', 'sha1 !!!', 'SHA1 AAAA', 'sha1  AAAA'])
      expect([checksum, (await patch(location, 0, Buffer.from('0123456789'), checksum)).status]).toEqual([
        checksum,
        400,
      ])
    expect(await offsetOf(location)).toBe('0')
  })
})

describe('abandoned uploads', () => {
  starting(3).it('are swept at start once their link has expired, and not before', async () => {
    const server = await start()
    const link = signer.sign('files/left.bin', { method: 'put', ttl: 600 })
    const left = await upload(randomBytes(3 * MiB), { endpoint: server.base + link }, { chunks: 1 })
    expect(left.stopped).toBe(true)
    await kill(server)
    const early = await start({ NOW_MS: String(NOW_MS + 300_000) })
    expect(early.swept).toBe(0)
    // Its bytes, tus's record, and the creating link kept beside them.
    expect(readdirSync(partial)).toHaveLength(3)
    await kill(early)
    const late = await start({ NOW_MS: String(NOW_MS + 3_600_000) })
    expect(late.swept).toBe(1)
    expect(readdirSync(partial)).toEqual([])
  })
})
