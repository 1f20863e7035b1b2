// The same links verified at the edge: examples/worker in the real workerd runtime (through miniflare, whose workerd
// binary ships in the npm package) on a loopback port, configured from examples/worker/wrangler.json, links signed
// by the Node signer, and the attack corpus replayed against it. Run by `npm run test:engines`.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { gunzipSync, gzipSync } from 'node:zlib'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { Miniflare } from 'miniflare'
import serveStatic from 'serve-static'
import { createSigner } from 'express-signed-url'
import { attackCorpus, headersOf, type AttackContext } from '../support/attack-corpus'
import {
  expectLifetime,
  fixture,
  forgeMessage,
  KEY,
  OTHER_KEY,
  put,
  sendTo,
  SITE,
  withWrongSignature,
  type RawResponse,
  type Reply,
} from '../support/helpers'
import { DOWNLOAD_NAMES, fieldVectors, keyOf, optionsOf } from '../support/field-vectors'
import { inRanges, parseClientAddress, readIpField } from '../../lib/link/ip-range'
import { RESEND_BYTES } from '../../lib/store/use-budget'
import { rawGet } from '../support/raw-client'
import { create as contentDisposition } from 'content-disposition'

const ROOT = path.join(__dirname, '..', '..')
const EXAMPLE = path.join(ROOT, 'examples', 'worker')
const config = JSON.parse(readFileSync(path.join(EXAMPLE, 'wrangler.json'), 'utf8')) as {
  main: string
  compatibility_date: string
  r2_buckets: { binding: string; bucket_name: string }[]
  durable_objects: { bindings: { name: string; class_name: string }[] }
}
// Real time: workerd has its own clock. Links are made to expire an hour from now.
const nowS = Math.floor(Date.now() / 1000)
const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.html': 'text/html',
  '.txt': 'text/plain',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
}

type Options = { method?: string; headers?: Record<string, string> }

/**
 * The worker and the built `express-signed-url/web` (dist/esm) as workerd modules, named as a bundler would resolve
 * them: the worker imports 'express-signed-url/web', which imports './signer/signer-core.js' and the rest of the build's folders.
 */
function modules() {
  const dist = path.join(ROOT, 'dist', 'esm')
  // The entry first (workerd's main module), then the modules beside it that it imports.
  const own = [config.main, ...readdirSync(EXAMPLE).filter((f) => f.endsWith('.mjs') && f !== config.main)]
  const list = own.map((file) => ({
    type: 'ESModule' as const,
    path: path.join(EXAMPLE, file),
    contents: readFileSync(path.join(EXAMPLE, file), 'utf8'),
  }))
  // The build's folders too (util/, link/, ...): each module under the path its imports name it by.
  const built = readdirSync(dist, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/'))
  for (const file of built.filter((f) => f.endsWith('.js'))) {
    const name = file === 'web.js' ? 'express-signed-url/web' : `express-signed-url/${file}`
    list.push({
      type: 'ESModule',
      path: path.join(EXAMPLE, name),
      contents: readFileSync(path.join(dist, file), 'utf8'),
    })
  }
  return list
}

interface Worker {
  send(target: string, options?: Options): Promise<RawResponse>
  /** One raw request line (latin1 bytes, sent as given: spaces and all), with a Host header; resolves with the status. */
  sendLine(line: string): Promise<number>
  log(): string
  stop(): Promise<void>
}

async function startWorker(
  bindings: Record<string, string>,
  withBucket = true,
  withUses = true,
): Promise<Worker & { mf: Miniflare; port: number }> {
  let log = ''
  const mf = new Miniflare({
    modules: modules(),
    modulesRoot: EXAMPLE,
    compatibilityDate: config.compatibility_date,
    bindings,
    r2Buckets: withBucket ? Object.fromEntries(config.r2_buckets.map((b) => [b.binding, b.bucket_name])) : undefined,
    // The Durable Object that counts limited-use links, as wrangler.json binds it.
    durableObjects: withUses
      ? Object.fromEntries(config.durable_objects.bindings.map((b) => [b.name, b.class_name]))
      : undefined,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (d: Buffer) => {
        log += d
      })
      stderr.on('data', (d: Buffer) => {
        log += d
      })
    },
  })
  const url = await mf.ready
  const port = Number(url.port)
  return {
    mf,
    port,
    send: (target, options) => sendTo(port, target, options),
    sendLine: (line) => sendLine(port, line),
    log: () => log,
    stop: () => mf.dispose(),
  }
}

/** Writes a request line byte for byte over a socket (Node's HTTP client refuses spaces in a path). */
function sendLine(port: number, line: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let answer = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0)))
    socket.on('error', reject)
    socket.end(`${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1')
  })
}

// miniflare types its R2 bucket through @cloudflare/workers-types, which is not installed: the calls used here.
type Bucket = {
  put(key: string, value: Uint8Array, options?: object): Promise<unknown>
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; httpMetadata?: { contentType?: string } } | null>
  list(options?: { prefix?: string }): Promise<{ objects: { key: string }[] }>
}
const bucketOf = async (mf: Miniflare) => (await mf.getR2Bucket(config.r2_buckets[0].binding)) as unknown as Bucket

/** Every file under the fixture site, as `wrangler r2 object put --content-type` would upload it. */
async function upload(mf: Miniflare): Promise<void> {
  const bucket = await bucketOf(mf)
  const walk = async (dir: string): Promise<void> => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name)
      if (statSync(full).isDirectory()) await walk(full)
      else
        await bucket.put(path.relative(SITE, full).split(path.sep).join('/'), Uint8Array.from(readFileSync(full)), {
          httpMetadata: { contentType: TYPES[path.extname(name)] ?? 'application/octet-stream' },
        })
    }
  }
  await walk(SITE)
}

const signer = createSigner({ key: KEY })
const GZIPPED = gzipSync('hello, compressed world\n')
let worker: Worker & { mf: Miniflare; port: number }

beforeAll(async () => {
  worker = await startWorker({ SIGNING_KEYS: KEY })
  await upload(worker.mf)
}, 60_000)

afterAll(() => worker?.stop())

describe('a Cloudflare Worker (examples/worker) in workerd, serving from R2', () => {
  it('serves a valid link with the right bytes, its type and a private cache lifetime, and refuses an edited one', async () => {
    const signedAt = Date.now()
    const link = signer.sign('private/docs/report-2026.pdf', { ttl: 600 })
    const res = await worker.send(link)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(fixture('private/docs/report-2026.pdf'))
    expect(res.headers['content-type']).toBe('application/pdf')
    expectLifetime(res.headers['cache-control'], 600, signedAt)
    const edited = await worker.send(link.replace('report-2026', 'report-2025'))
    expect([edited.status, edited.headers['cache-control'], edited.body.toString()]).toEqual([
      403,
      'no-store',
      'Forbidden\n',
    ])
  })

  it('answers a byte range (206), an open and a suffix range, and 416 past the end', async () => {
    const link = signer.sign('private/video/clip_01.mp4')
    const bytes = fixture('private/video/clip_01.mp4')
    const cases: [string, number, Buffer | undefined, string | undefined][] = [
      ['bytes=100-199', 206, bytes.subarray(100, 200), `bytes 100-199/${bytes.length}`],
      [
        `bytes=${bytes.length - 10}-`,
        206,
        bytes.subarray(bytes.length - 10),
        `bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`,
      ],
      [
        'bytes=-5',
        206,
        bytes.subarray(bytes.length - 5),
        `bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`,
      ],
      [`bytes=${bytes.length}-`, 416, undefined, `bytes */${bytes.length}`],
      ['bytes=0-1,5-6', 200, bytes, undefined], // several ranges: the whole file, as serve-static
      ['items=0-1', 200, bytes, undefined],
    ]
    for (const [range, status, body, contentRange] of cases) {
      const res = await worker.send(link, { headers: { Range: range } })
      expect({ range, status: res.status, contentRange: res.headers['content-range'] }).toEqual({
        range,
        status,
        contentRange,
      })
      if (body !== undefined) expect(res.body).toEqual(body)
    }
  })

  it('answers HEAD without a body, and conditional GETs with 304 and 412', async () => {
    const link = signer.sign('private/image.png')
    const head = await worker.send(link, { method: 'HEAD' })
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([
      200,
      String(fixture('private/image.png').length),
      0,
    ])
    const etag = String(head.headers.etag)
    expect((await worker.send(link, { headers: { 'If-None-Match': etag } })).status).toBe(304)
    expect(
      (await worker.send(link, { headers: { 'If-Modified-Since': String(head.headers['last-modified']) } })).status,
    ).toBe(304)
    expect((await worker.send(link, { headers: { 'If-Match': '"other"' } })).status).toBe(412)
    const stale = await worker.send(link, { headers: { Range: 'bytes=0-3', 'If-Range': '"other"' } })
    expect([stale.status, stale.body]).toEqual([200, fixture('private/image.png')])
  })

  it("keeps the link's private lifetime over an object's own caching headers, and sends stored bytes as stored", async () => {
    const bucket = await bucketOf(worker.mf)
    const bytes = Uint8Array.from(fixture('private/image.png'))
    await bucket.put('private/cached/public.png', bytes, {
      httpMetadata: {
        contentType: 'image/png',
        cacheControl: 'public, max-age=31536000',
        cacheExpiry: new Date(Date.now() + 31_536_000_000),
      },
    })
    const gzipped = Uint8Array.from(gzipSync('hello, compressed world\n'))
    await bucket.put('private/cached/notes.txt', gzipped, {
      httpMetadata: { contentType: 'text/plain', contentEncoding: 'gzip' },
    })
    await bucket.put('private/cached/untyped', Uint8Array.from(Buffer.from('<script>alert(1)</script>')))
    for (const headers of [{}, { 'If-None-Match': '*' }] as Record<string, string>[]) {
      const signedAt = Date.now()
      const res = await worker.send(signer.sign('private/cached/public.png', { ttl: 600 }), { headers })
      expectLifetime(res.headers['cache-control'], 600, signedAt)
      expect(res.headers.expires).toBeUndefined()
    }
    const notes = await worker.send(signer.sign('private/cached/notes.txt'))
    expect([notes.status, notes.headers['content-encoding'], notes.body]).toEqual([200, 'gzip', Buffer.from(gzipped)])
    const untyped = await worker.send(signer.sign('private/cached/untyped'))
    expect([untyped.headers['content-type'], untyped.headers['x-content-type-options']]).toEqual([
      'application/octet-stream',
      'nosniff',
    ])
  })

  it('follows RFC 9110 preconditions: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range', async () => {
    const link = signer.sign('private/image.png')
    const bytes = fixture('private/image.png')
    const head = await worker.send(link, { method: 'HEAD' })
    const [etag, modified] = [String(head.headers.etag), String(head.headers['last-modified'])]
    const past = 'Sun, 06 Nov 1994 08:49:37 GMT'
    const cases: [Record<string, string>, number][] = [
      [{ 'If-Match': etag }, 200],
      [{ 'If-Match': '"other", ' + etag }, 200],
      [{ 'If-Match': '"other"' }, 412],
      [{ 'If-Unmodified-Since': past }, 412],
      [{ 'If-Unmodified-Since': modified }, 200],
      [{ 'If-Match': etag, 'If-Unmodified-Since': past }, 200], // If-Match wins
      [{ 'If-None-Match': etag }, 304],
      [{ 'If-None-Match': `W/${etag}` }, 304],
      [{ 'If-None-Match': '"other"', 'If-Modified-Since': modified }, 200], // If-None-Match wins
      [{ 'If-Modified-Since': modified }, 304],
      [{ 'If-Modified-Since': past }, 200],
      [{ 'If-Modified-Since': '3000' }, 200], // not an HTTP-date: ignored
      [{ 'If-Modified-Since': 'Sunday, 06-Nov-94 08:49:37 GMT' }, 200], // RFC 850 form, long past
      [{ Range: 'bytes=0-3', 'If-Range': etag }, 206],
      [{ Range: 'bytes=0-3', 'If-Range': modified }, 206],
      [{ Range: 'bytes=0-3', 'If-Range': past }, 200],
    ]
    for (const [headers, status] of cases) {
      const res = await worker.send(link, { headers })
      expect({ headers, status: res.status }).toEqual({ headers, status })
      if (status === 200) expect(res.body).toEqual(bytes)
      if (status === 412) expect(res.headers['cache-control']).toBe('no-store')
    }
  })

  it('verifies key ids, prefix-scoped links and grant cookies made by the Node signer', async () => {
    const withId = createSigner({ keys: [{ id: 'k1', secret: OTHER_KEY }] })
    expect((await worker.send(withId.sign('private/image.png'))).status).toBe(403) // the worker has no key k1
    const query = signer.sign('private/videos/42/', { scope: 'prefix' }).split('?')[1]
    expect((await worker.send(`/private/videos/42/seg-1.ts?${query}`)).status).toBe(200)
    expect((await worker.send(`/private/videos/43/x.ts?${query}`)).status).toBe(403)
    const grant = signer.grant('private/videos/42/', { ttl: 600 })
    const cookie = { Cookie: `theme=dark; signed-grant=${grant.value}` }
    const segment = await worker.send('/private/videos/42/720p/seg-0.ts', { headers: cookie })
    expect([segment.status, segment.body]).toEqual([200, fixture('private/videos/42/720p/seg-0.ts')])
    expect((await worker.send('/private/videos/43/x.ts', { headers: cookie })).status).toBe(403)
    expect((await worker.send('/private/videos/42/seg-1.ts')).status).toBe(403)
  })

  it('reads SIGNING_KEYS as parseKeyList does, and GRANT_COOKIE for another cookie name', async () => {
    const ring = await startWorker({ SIGNING_KEYS: ` k1:${OTHER_KEY} , ${KEY}`, GRANT_COOKIE: 'media-grant' })
    try {
      await upload(ring.mf)
      const withId = createSigner({ keys: [{ id: 'k1', secret: OTHER_KEY }] })
      expect((await ring.send(withId.sign('private/image.png'))).status).toBe(200)
      expect((await ring.send(signer.sign('private/image.png'))).status).toBe(200)
      const grant = signer.grant('private/videos/42/').value
      expect(
        (await ring.send('/private/videos/42/seg-1.ts', { headers: { Cookie: `media-grant=${grant}` } })).status,
      ).toBe(200)
      expect(
        (await ring.send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant=${grant}` } })).status,
      ).toBe(403)
    } finally {
      await ring.stop()
    }
  }, 60_000)

  it('keeps key ids named like object properties apart (constructor, __proto__, toString): 200, and 403 for others', async () => {
    const secrets = { constructor: OTHER_KEY, __proto__: KEY, toString: `${KEY}-third` }
    const ring = await startWorker({
      SIGNING_KEYS: Object.entries(secrets)
        .map(([id, secret]) => `${id}:${secret}`)
        .join(','),
    })
    try {
      await upload(ring.mf)
      const bytes = fixture('private/image.png')
      for (const [id, secret] of Object.entries(secrets)) {
        const own = await ring.send(createSigner({ keys: [{ id, secret }] }).sign('private/image.png'))
        expect({ id, status: own.status, body: own.body }).toEqual({ id, status: 200, body: bytes })
        const grant = createSigner({ keys: [{ id, secret }] }).grant('private/videos/42/').value
        expect({
          id,
          status: (await ring.send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant=${grant}` } }))
            .status,
        }).toEqual({ id, status: 200 })
      }
      // Another key's id on a good signature, and ids the ring does not hold (Object.prototype's among them).
      expect(
        (await ring.send(createSigner({ keys: [{ id: 'constructor', secret: KEY }] }).sign('private/image.png')))
          .status,
      ).toBe(403)
      for (const id of ['valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'k1']) {
        const link = await ring.send(createSigner({ keys: [{ id, secret: KEY }] }).sign('private/image.png'))
        const grant = createSigner({ keys: [{ id, secret: KEY }] }).grant('private/videos/42/').value
        const cookie = await ring.send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant=${grant}` } })
        expect({ id, link: [link.status, link.body.toString()], cookie: cookie.status }).toEqual({
          id,
          link: [403, 'Forbidden\n'],
          cookie: 403,
        })
      }
      expect(ring.log()).not.toMatch(/error|exception/i)
    } finally {
      await ring.stop()
    }
  }, 60_000)

  it('refuses the traces of a target Node refuses that reach it (a raw \\ in the query), and cannot see the rest', async () => {
    const link = signer.sign('private/image.png')
    // A `\` left in `request.url` (workerd keeps it raw in the query): the Node guard refuses it too (403).
    expect(await worker.sendLine(`GET ${link}&v=\\ HTTP/1.1`)).toBe(403)
    expect(await worker.sendLine(`GET ${link}&v=%5C HTTP/1.1`)).toBe(200) // escaped, as Node serves it
    // Hidden by workerd before the Worker runs, so served as the link they spell (the Node guard refuses them):
    // a fragment (dropped), text after a space in the request line (dropped; Node's parser: 400).
    expect(await worker.sendLine(`GET ${link}#x HTTP/1.1`)).toBe(200)
    expect(await worker.sendLine(`GET ${link} x HTTP/1.1`)).toBe(200)
    expect(await worker.sendLine(`GET ${link}\tx HTTP/1.1`)).toBe(200)
    // A byte that is not UTF-8 arrives as U+FFFD, escaped: another path, whose signature this is not.
    expect(
      await worker.sendLine(`GET /private/caf\xe9.png?${signer.sign('private/café.png').split('?')[1]} HTTP/1.1`),
    ).toBe(403)
  })

  it.each([
    [
      'an entry whose text before ":" is not a key id',
      { SIGNING_KEYS: `not an id:${KEY}` },
      "SIGNING_KEYS entry 1 has a ':' after something that is not a key id",
    ],
    ['a short key', { SIGNING_KEY: 'short-secret' }, 'must be at least 32 bytes'],
    ['a key of bytes that are not UTF-8 (U+FFFD)', { SIGNING_KEY: '\ufffd'.repeat(11) }, 'U+FFFD'],
    ['no key at all', {}, 'set the secret SIGNING_KEY or SIGNING_KEYS'],
    ['both variables', { SIGNING_KEY: KEY, SIGNING_KEYS: OTHER_KEY }, 'not both'],
    [
      'a grant cookie name that is not a token',
      { SIGNING_KEY: KEY, GRANT_COOKIE: 'a b' },
      'the cookie name must be an HTTP token',
    ],
  ])(
    'refuses to serve with %s: 500, the reason logged, no key text',
    async (_name, bindings, reason) => {
      const bad = await startWorker(bindings)
      try {
        const res = await bad.send(signer.sign('private/image.png'))
        expect([res.status, res.body.toString(), res.headers['cache-control']]).toEqual([
          500,
          'Internal Server Error\n',
          'no-store',
        ])
        // workerd's stderr reaches this process on its own pipe, possibly after the response: wait for it.
        for (const deadline = Date.now() + 5000; !bad.log().includes(reason) && Date.now() < deadline;)
          await new Promise((r) => setTimeout(r, 20))
        expect(bad.log()).toContain(reason)
        expect(bad.log()).not.toContain(KEY.slice(0, 12))
        expect(bad.log()).not.toContain('short-secret')
      } finally {
        await bad.stop()
      }
    },
    60_000,
  )
})

describe('the Worker proxying to a private origin (ORIGIN, no bucket)', () => {
  let origin: http.Server
  let proxy: Worker
  const seen: string[] = []

  beforeAll(async () => {
    const files = serveStatic(SITE, { dotfiles: 'allow', index: ['index.html'], fallthrough: false })
    origin = http.createServer((req, res) => {
      seen.push(req.url ?? '')
      if (req.url === '/private/notes.txt') {
        res.writeHead(200, {
          'Content-Type': 'text/plain',
          'Content-Encoding': 'gzip',
          'CDN-Cache-Control': 'public, max-age=99999',
          'Surrogate-Control': 'max-age=99999',
          'Set-Cookie': 'origin=1',
          'X-Origin-Secret': 'internal',
        })
        return res.end(GZIPPED)
      }
      if (req.url === '/private/fail') {
        res.statusCode = 500
        return res.end('stack trace of the origin')
      }
      files(req, res, (err?: { status?: number }) => {
        res.statusCode = err?.status ?? 404
        res.end()
      })
    })
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
    proxy = await startWorker(
      { SIGNING_KEY: KEY, ORIGIN: `http://127.0.0.1:${(origin.address() as { port: number }).port}/` },
      false,
    )
  }, 60_000)

  afterAll(async () => {
    await proxy?.stop()
    origin?.close()
  })

  it('fetches the signed path without the query, passes Range through, and sends refused requests nowhere', async () => {
    seen.length = 0
    const res = await proxy.send(signer.sign("private/it's (1).jpg"))
    expect([res.status, res.body, res.headers['cache-control']]).toEqual([
      200,
      fixture("private/it's (1).jpg"),
      expect.stringMatching(/^private, max-age=\d+$/),
    ])
    const range = await proxy.send(signer.sign('private/video/clip_01.mp4'), { headers: { Range: 'bytes=10-19' } })
    expect([range.status, range.body]).toEqual([206, fixture('private/video/clip_01.mp4').subarray(10, 20)])
    expect(seen).toEqual(["/private/it's%20(1).jpg", '/private/video/clip_01.mp4'])
    expect((await proxy.send(signer.sign('private/image.png').replace('image', 'imagf'))).status).toBe(403)
    expect((await proxy.send(signer.sign('private/.env'))).status).toBe(404)
    expect(seen).toHaveLength(2)
  })

  it('passes a compressed answer on as sent, with only the headers that describe the file', async () => {
    const signedAt = Date.now()
    const res = await proxy.send(signer.sign('private/notes.txt', { ttl: 600 }))
    expect([res.status, res.headers['content-encoding'], res.body]).toEqual([200, 'gzip', GZIPPED])
    expect(gunzipSync(res.body).toString()).toBe('hello, compressed world\n')
    for (const name of ['cdn-cache-control', 'surrogate-control', 'set-cookie', 'x-origin-secret'])
      expect(res.headers[name]).toBeUndefined()
    expectLifetime(res.headers['cache-control'], 600, signedAt)
  })

  it('passes the origin conditional and range answers through, and hides its errors and redirects (502)', async () => {
    const link = signer.sign('private/image.png')
    const first = await proxy.send(link)
    expect((await proxy.send(link, { headers: { 'If-None-Match': String(first.headers.etag) } })).status).toBe(304)
    const unsatisfiable = await proxy.send(link, { headers: { Range: 'bytes=99999999-' } })
    expect([
      unsatisfiable.status,
      unsatisfiable.headers['cache-control'],
      unsatisfiable.headers['content-range'],
    ]).toEqual([416, 'no-store', `bytes */${fixture('private/image.png').length}`])
    const failed = await proxy.send(link, { headers: { 'If-Match': '"other"' } })
    expect([failed.status, failed.headers['cache-control']]).toEqual([412, 'no-store'])
    expect((await proxy.send(signer.sign('private/absent.png'))).status).toBe(404)
    const folder = await proxy.send(signer.sign('private/dir')) // serve-static redirects a folder without its '/'
    expect([folder.status, folder.body.toString()]).toEqual([502, 'Bad Gateway\n'])
    expect(folder.headers.location).toBeUndefined()
    const broken = await proxy.send(signer.sign('private/fail'))
    expect([broken.status, broken.body.toString()]).toEqual([502, 'Bad Gateway\n'])
  })
})

// The whole corpus, at the root mount, with the Node guard's outcome except where listed. The Worker reads
// `request.url` as workerd rebuilt it, not the request line (see worker.mjs), so the differences are of three kinds:
// - Refused by workerd's HTTP server itself: every absolute-form target (`GET http://host/path`) gets a 500 before
//   the worker runs. It fails closed, also for the three good links sent that way and for the two Node leaves to its
//   routers (404). (Cloudflare's edge, not workerd, takes the requests of a deployed Worker.)
// - Hidden by workerd, so served where the Node guard refuses: the link is valid and the file served is the one its
//   signature names (checked below), but the spelling is one Node refuses; the Worker cannot see it to refuse it.
//   `.`, `..`, `%2e` and a `\` of the path arrive resolved; a `#fragment` arrives dropped (no trace in `request.url`,
//   its `hash` or a header); raw bytes above 0x7E arrive percent-encoded, as the link's own escapes, where Node's HTTP
//   parser refuses the request line (400).
// - Nothing else: a `\` or `#` that does reach `request.url` is refused by the worker, and every other rule (field
//   spellings, key ids, empty segments) is the shared one of express-signed-url/web.
const ABSOLUTE = { status: 500, why: 'workerd refuses absolute-form targets before the worker runs' }
const RESOLVED = { status: 200, why: 'workerd resolved the path before the worker saw it', file: 'private/image.png' }
const NO_FRAGMENT = {
  status: 200,
  why: 'workerd dropped the fragment before the worker saw it',
  file: 'private/image.png',
}
const ENCODED = {
  status: 200,
  why: 'workerd percent-encoded the raw bytes Node refuses (400) before the worker saw them',
}
const byWorker: Record<string, { status: number; why: string; file?: string }> = {
  'good: an absolute-form target': ABSOLUTE,
  'good: an absolute-form target with a port': ABSOLUTE,
  'non-canonical path: an absolute-form target whose host hides a folder (h%70rivate)': ABSOLUTE,
  "non-canonical path: an absolute-form target whose host ends in ';'": ABSOLUTE,
  'non-canonical path: an absolute-form target whose host has a quote': ABSOLUTE,
  'non-canonical path: an absolute-form target with a second colon (h:x:)': ABSOLUTE,
  'non-canonical path: an absolute-form target with ..': ABSOLUTE,
  'non-canonical path: an absolute-form target with %2F': ABSOLUTE,
  'request target: an absolute-form target with userinfo': ABSOLUTE,
  'request target: an absolute-form target with an @ in the authority and a #': ABSOLUTE,
  "request target: an absolute-form target with a raw ' (url.parse escapes it)": ABSOLUTE,
  'request target: an absolute-form target with a raw { in the query': ABSOLUTE,
  'request target: an absolute-form target with another scheme': ABSOLUTE,
  'request target: an absolute-form target with an IDNA host (xn--a)': ABSOLUTE,
  'request target: an absolute-form target with an unclosed IPv6 literal': ABSOLUTE,
  'request target: an absolute-form target with an IPv6 literal and a port': ABSOLUTE,
  'non-canonical path: .. resolving to the signed path': RESOLVED,
  'non-canonical path: %2e%2e resolving to the signed path': RESOLVED,
  'non-canonical path: a . segment resolving to the signed path': RESOLVED,
  'non-canonical path: a backslash resolving to the signed path': { ...RESOLVED, file: 'private/dir/index.html' },
  'request target: a # after a plain link': NO_FRAGMENT,
  'request target: a # and a fragment after the link': NO_FRAGMENT,
  "request target: a raw ' and a # after the link (url.parse escapes the ')": {
    ...NO_FRAGMENT,
    file: "private/it's (1).jpg",
  },
  "request target: a raw ' in the query and a #": NO_FRAGMENT,
  'request target: raw UTF-8 bytes in the path': { ...ENCODED, file: 'private/café.png' },
  'request target: a raw U+00A0 byte in the query': { ...ENCODED, file: 'private/image.png' },
}

describe('the extension fields in the Worker', () => {
  // A client address for each vector's ranges (CF-Connecting-IP, as Cloudflare's edge sets it), and one outside.
  const CLIENT = '2001:db8:ffff::1'
  let ring: Worker & { mf: Miniflare }
  const keys = [...new Set(fieldVectors.vectors.map((v) => (v.keyId ? `${v.keyId}:${v.key}` : v.key)))]
  beforeAll(async () => {
    ring = await startWorker({ SIGNING_KEYS: [...keys, KEY].join(',') })
    await upload(ring.mf)
  }, 60_000)
  afterAll(() => ring?.stop())

  it.each(fieldVectors.vectors.map((v) => [v.note, v]))(
    'vector, signed again to expire in an hour: %s',
    async (_note, v) => {
      const link = createSigner({ key: keyOf(v) }).sign(v.path, optionsOf(v, nowS + 3600))
      const ranges = v.fields.ip === undefined ? undefined : readIpField(v.fields.ip)
      for (const client of [CLIENT, '127.0.0.1', undefined]) {
        const headers: Record<string, string> = client === undefined ? {} : { 'CF-Connecting-IP': client }
        const res = await ring.send(link, { headers })
        // Without the header, miniflare sets CF-Connecting-IP to the peer's address (loopback); it keeps one sent.
        const seen = client ?? '127.0.0.1'
        // An upload link never reads: refused on GET, here as by the Node guards.
        const here = v.method === undefined && (ranges === undefined || inRanges(parseClientAddress(seen)!, ranges))
        expect([client, res.status]).toEqual([client, here ? 200 : 403])
        if (!here) continue
        expect(res.body).toEqual(fixture(v.path))
        const { disposition, filename } = v.fields
        expect(res.headers['content-disposition']).toBe(
          disposition === undefined ? undefined : contentDisposition(filename, { type: disposition }),
        )
      }
    },
  )

  it('serves links that say when they were made', async () => {
    const stamped = createSigner({ key: KEY, stampIssued: true }).sign('private/image.png')
    expect((await ring.send(stamped)).status).toBe(200)
    expect((await ring.send(stamped.replace(/issued=\d+/, 'issued=1'))).status).toBe(403)
  })

  it('refuses a link before its notbefore, and serves it from then', async () => {
    expect((await ring.send(signer.sign('private/image.png', { notBefore: nowS + 600 }))).status).toBe(403)
    expect((await ring.send(signer.sign('private/image.png', { notBefore: nowS - 1 }))).status).toBe(200)
  })

  it("writes the name of a download as the content-disposition package does, over the object's own", async () => {
    const bucket = await bucketOf(ring.mf)
    await bucket.put('private/named.pdf', Uint8Array.from(fixture('private/docs/report-2026.pdf')), {
      httpMetadata: { contentType: 'application/pdf', contentDisposition: 'attachment; filename="stored.pdf"' },
    })
    for (const filename of DOWNLOAD_NAMES) {
      const res = await ring.send(signer.sign('private/named.pdf', { filename }))
      expect([filename, res.headers['content-disposition']]).toEqual([filename, contentDisposition(filename)])
    }
    // Without a name in the link, the object's own header stays.
    expect((await ring.send(signer.sign('private/named.pdf'))).headers['content-disposition']).toBe(
      'attachment; filename="stored.pdf"',
    )
  })
})

describe('limited-use links in the Worker, counted by a Durable Object (uses.mjs)', () => {
  let worker: Worker & { mf: Miniflare; port: number }
  const image = fixture('private/image.png')
  // Larger than what a cut-off response may leave as a claim (TAIL_BYTES), and than loopback buffers.
  const BIG = randomBytes(24 * 1024 * 1024)
  // The most a link of `uses` on a file of `size` bytes may send (use-budget.ts).
  const bound = (uses: number, size: number) => uses * size * 1.001 + uses * Math.min(2 * size, RESEND_BYTES)
  let ttl = 900
  // Links made in one second for one path and lifetime are one link: each test makes its own.
  const limited = (uses: number, file = 'private/image.png') => signer.sign(file, { uses, ttl: ttl++ })
  beforeAll(async () => {
    worker = await startWorker({ SIGNING_KEY: KEY })
    await upload(worker.mf)
    await (await bucketOf(worker.mf)).put('limited/big.bin', Uint8Array.from(BIG))
  }, 60_000)
  afterAll(() => worker?.stop())

  it('serves a 3-use link exactly 3 times of 30 concurrent requests, then 410', async () => {
    const link = limited(3)
    const replies = await Promise.all(Array.from({ length: 30 }, () => worker.send(link)))
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3)
    expect(replies.filter((r) => r.status === 410)).toHaveLength(27)
    expect(replies.find((r) => r.status === 200)?.body).toEqual(image)
  })

  it('counts as Node does: ranges cost their share, HEAD and a 304 nothing, If-Range the whole object', async () => {
    const link = limited(1)
    expect((await worker.send(link, { method: 'HEAD' })).status).toBe(200)
    const half = Math.floor(image.length / 2)
    const first = await worker.send(link, { headers: { Range: `bytes=0-${half - 1}` } })
    expect(first.status).toBe(206)
    const rest = await worker.send(link, { headers: { Range: `bytes=${half}-` } })
    expect(Buffer.concat([first.body, rest.body])).toEqual(image)
    expect((await worker.send(link, { headers: { Range: 'bytes=0-0' } })).status).toBe(410)
    const other = limited(1)
    expect((await worker.send(other, { headers: { Range: 'bytes=0-0', 'If-Range': '"stale"' } })).status).toBe(200)
    expect((await worker.send(other, { headers: { Range: 'bytes=0-0' } })).status).toBe(410)
    // A revalidation holds a whole object while it runs (it might be answered with one) and keeps nothing with its
    // 304.
    const twice = limited(2)
    const full = await worker.send(twice)
    for (let i = 0; i < 3; i++)
      expect((await worker.send(twice, { headers: { 'If-None-Match': String(full.headers.etag) } })).status).toBe(304)
    expect((await worker.send(twice)).status).toBe(200)
    expect((await worker.send(twice)).status).toBe(410)
  })

  it('charges a download the client cut off for what was sent: resumed where it stopped, it completes; then 410', async () => {
    for (const keep of [1, 1024 * 1024, 9 * 1024 * 1024]) {
      const link = limited(1, 'limited/big.bin')
      const [first] = await rawGet(worker.port, link, { keep })
      expect([keep, first.status]).toEqual([keep, 200])
      expect(first.body.length).toBeLessThan(BIG.length)
      const rest = await worker.send(link, { headers: { Range: `bytes=${first.body.length}-` } })
      expect([keep, rest.status]).toEqual([keep, 206])
      expect(Buffer.concat([first.body, rest.body]).equals(BIG)).toBe(true)
      expect((await worker.send(link)).status).toBe(410)
    }
  }, 60_000)

  it('charges a fetch the client aborts for what was sent, and serves the rest to a resumed one', async () => {
    const link = limited(1, 'limited/big.bin')
    const controller = new AbortController()
    const response = await fetch(`http://127.0.0.1:${worker.port}${link}`, { signal: controller.signal })
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const chunks: Uint8Array[] = []
    let got = 0
    while (got < 2 * 1024 * 1024) {
      const { value } = await reader.read()
      chunks.push(value!)
      got += value!.length
    }
    controller.abort()
    await reader.cancel().catch(() => undefined)
    const rest = await worker.send(link, { headers: { Range: `bytes=${got}-` } })
    expect(rest.status).toBe(206)
    expect(Buffer.concat([...chunks, rest.body]).equals(BIG)).toBe(true)
    expect((await worker.send(link)).status).toBe(410)
  }, 60_000)

  it('makes a request wait while another response holds the budget, and serves it once that one is cut off', async () => {
    const link = limited(1, 'limited/big.bin')
    let release!: () => void
    // Read nothing: the response stays running, holding the whole use, until the client resets it.
    const holder = rawGet(worker.port, link, { unread: new Promise<void>((resolve) => (release = resolve)) })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // More than the thousandth of a use left for rounding: it waits for the holder.
    let answered = false
    const waiting = worker.send(link, { headers: { Range: 'bytes=0-99999' } }).finally(() => (answered = true))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(answered).toBe(false)
    release()
    await holder
    const r = await waiting
    expect(r.status).toBe(206)
    expect(r.body.equals(BIG.subarray(0, 100_000))).toBe(true)
  }, 60_000)

  it('never serves all of many concurrent requests of a 1-use link, cut off or not: within N x size x 1.001 + N x min(2 x size, 64 MiB)', async () => {
    const whole = limited(1, 'limited/big.bin')
    const replies = await Promise.all(Array.from({ length: 10 }, () => rawGet(worker.port, whole)))
    const served = replies.flat().filter((r) => r.status === 200)
    expect(served).toHaveLength(1)
    expect(served[0].body.equals(BIG)).toBe(true)
    // Only 410, or 503 (Retry-After) for those that waited longer than the first response ran.
    expect(replies.flat().every((r) => [200, 410, 503].includes(r.status))).toBe(true)
    // Clients that cut their responses off at random and ask again from the start, as if they had lost the rest.
    const link = limited(1, 'limited/big.bin')
    let got = 0
    for (let round = 0; ; round++) {
      expect(round).toBeLessThan(50)
      const answers = (
        await Promise.all(
          Array.from({ length: 8 }, () =>
            rawGet(worker.port, link, { keep: Math.floor(Math.random() * 12 * 1024 * 1024) + 1 }),
          ),
        )
      ).flat()
      const bytes = answers.filter((r) => r.status === 200).reduce((n, r) => n + r.body.length, 0)
      got += bytes
      expect(got).toBeLessThanOrEqual(bound(1, BIG.length))
      if (bytes === 0 && answers.every((r) => r.status === 410 || r.status === 503)) break
    }
    expect(got).toBeGreaterThan(0)
  }, 120_000)

  it('refuses limited-use links without the USES binding (never served uncounted)', async () => {
    const bare = await startWorker({ SIGNING_KEY: KEY }, true, false)
    try {
      await upload(bare.mf)
      expect((await bare.send(limited(5))).status).toBe(403)
      expect((await bare.send(signer.sign('private/image.png', { ttl: ttl++ }))).status).toBe(200)
    } finally {
      await bare.stop()
    }
  }, 60_000)
})

describe("the app's revocations in the Worker (revocations.mjs)", () => {
  let worker: Worker & { mf: Miniflare; port: number }
  let ttl = 1900
  const fresh = (file = 'private/image.png') => signer.sign(file, { ttl: ttl++ })
  const cli = (args: string[], env: Record<string, string> = { SIGNING_KEY: KEY }) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(__dirname, '..', '..', 'dist', 'cli.js'), ...args],
        { env: { ...process.env, SIGNING_KEY: undefined, REDIS_URL: undefined, ...env } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })
  beforeAll(async () => {
    // Fetched again on every request here, so the test needs no wait; deployed, every 5 s by default.
    worker = await startWorker({ SIGNING_KEY: KEY, REVOCATION_REFRESH_SECONDS: '0', UPLOAD_MAX_BYTES: '100000' })
    await upload(worker.mf)
  }, 60_000)
  afterAll(() => worker?.stop())
  const origin = () => `http://127.0.0.1:${worker.port}`

  it('refuses a link the app took back with `revoke --worker`, in any spelling; others still served', async () => {
    const link = fresh()
    expect((await worker.send(link)).status).toBe(200)
    expect(await cli(['revoke', link, '--worker', origin()])).toMatchObject({ code: 0 })
    expect((await worker.send(link)).status).toBe(403)
    expect((await worker.send(link.replace('image', '%69mage'))).status).toBe(403)
    expect((await worker.send(fresh())).status).toBe(200)
  })

  it('takes back a folder, and a grant cookie', async () => {
    const report = fresh('private/docs/report-2026.pdf')
    expect(await cli(['revoke', '--folder', '/private/docs/', '--max-ttl', '2h', '--worker', origin()])).toMatchObject({
      code: 0,
    })
    expect((await worker.send(report)).status).toBe(403)
    const grant = signer.grant('private/videos/42/', { ttl: ttl++ })
    const cookie = { Cookie: `signed-grant=${grant.value}` }
    expect((await worker.send('/private/videos/42/seg-0.ts', { headers: cookie })).status).toBe(200)
    expect(await cli(['revoke', grant.value, '--worker', origin()])).toMatchObject({ code: 0 })
    expect((await worker.send('/private/videos/42/seg-0.ts', { headers: cookie })).status).toBe(403)
  })

  // The revocation link for a body, and the PUT of it (the CLI's request, made here to send many at once).
  const revocationFor = (text: string) =>
    signer.sign('_signed-url/revocations', {
      method: 'put',
      sha256: createHash('sha256').update(text).digest('base64url'),
    })
  const send = (target: string, text: string) =>
    fetch(`${origin()}${target}`, { method: 'PUT', body: text }).then((r) => r.status)

  it('takes revocations only from the key: another key, another body, a get link or none are refused', async () => {
    const link = fresh()
    const other = await cli(['revoke', link, '--worker', origin()], { SIGNING_KEY: OTHER_KEY })
    expect([other.code, other.stderr]).toEqual([2, expect.stringMatching(/refused the revocation \(403\)/)])
    const body = JSON.stringify({ signature: link.slice(-43), until: nowS + 7200 })
    expect(await send(revocationFor('{"other":1}'), body)).toBe(422)
    expect(await send(signer.sign('_signed-url/revocations'), body)).toBe(403)
    expect(await send('/_signed-url/revocations', body)).toBe(403)
    expect(await send(revocationFor('not json'), 'not json')).toBe(400)
    expect((await worker.send(link)).status).toBe(200)
    expect(await send(revocationFor(body), body)).toBe(204)
    expect((await worker.send(link)).status).toBe(403)
  })

  const stored = async () => {
    const list = (await worker.mf.getDurableObjectNamespace('REVOCATIONS')) as unknown as {
      idFromName(name: string): unknown
      get(id: unknown): { fetch(url: string): Promise<Response> }
    }
    const answer = await list.get(list.idFromName('revocations')).fetch('https://revocations/')
    return ((await answer.json()) as unknown[]).length
  }

  it('keeps every one of many revocations sent at once, and a replayed one once', async () => {
    const links = Array.from({ length: 20 }, () => fresh('private/docs/report-2026.pdf'))
    const bodies = links.map((l) => JSON.stringify({ signature: l.slice(-43), until: nowS + 7200 }))
    const before = await stored()
    expect(await Promise.all(bodies.map((b) => send(revocationFor(b), b)))).toEqual(new Array(20).fill(204))
    for (const l of links) expect((await worker.send(l)).status).toBe(403)
    expect(await stored()).toBe(before + 20)
    for (let i = 0; i < 10; i++) expect(await send(revocationFor(bodies[0]), bodies[0])).toBe(204)
    expect(await stored()).toBe(before + 20)
  })

  it('reads its own path in every spelling, and never as a file: no object under _signed-url/ is read or written', async () => {
    const link = fresh()
    const body = JSON.stringify({ signature: link.slice(-43), until: nowS + 7200 })
    expect(await send(revocationFor(body).replace('revocations', '%72evocations'), body)).toBe(204)
    expect((await worker.send(link)).status).toBe(403)
    const bucket = await bucketOf(worker.mf)
    expect(await bucket.get('_signed-url/revocations')).toBeNull()
    expect(await send(signer.sign('_signed-url/other', { method: 'put' }), 'x')).toBe(403)
    expect(
      await send(
        signer.sign('_signed-url/revocations', { method: 'put' }).replace('revocations', '%72evocations'),
        'x',
      ),
    ).toBe(403)
    await bucket.put('_signed-url/secret.txt', new TextEncoder().encode('not a file'))
    expect((await worker.send(signer.sign('_signed-url/secret.txt'))).status).toBe(403)
  })
})

describe('uploads through the Worker into R2 (upload.mjs)', () => {
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64url')
  let up: Worker & { mf: Miniflare; port: number }
  let over: Worker & { mf: Miniflare; port: number }
  beforeAll(async () => {
    up = await startWorker({
      SIGNING_KEY: KEY,
      UPLOAD_MAX_BYTES: '100000',
      UPLOAD_CONTENT_TYPES: 'image/png,text/plain',
    })
    over = await startWorker({ SIGNING_KEY: KEY, UPLOAD_MAX_BYTES: '5000', UPLOAD_OVERWRITE: 'true' })
  }, 60_000)
  afterAll(async () => {
    await up?.stop()
    await over?.stop()
  })
  const link = (file: string, options: object = {}) => signer.sign(`up/${file}`, { method: 'put', ...options })
  const stored = async (w: Worker & { mf: Miniflare }, key: string) => {
    const object = await (await bucketOf(w.mf)).get(key)
    return object === null
      ? null
      : { bytes: Buffer.from(await object.arrayBuffer()), type: object.httpMetadata?.contentType }
  }
  const keys = async (w: Worker & { mf: Miniflare }) =>
    (await (await bucketOf(w.mf)).list({ prefix: 'up/' })).objects.map((o) => o.key).sort()
  const send = (w: { port: number }, target: string, body: Buffer, headers: Record<string, string | number> = {}) =>
    put(w.port, target, [body], { 'Content-Length': body.length, ...headers })

  it("takes a put link made by ittybit's recipe: 201 with what landed, then served through a get link", async () => {
    const body = randomBytes(40_000)
    const expiry = nowS + 600
    const signature = forgeMessage(KEY, `up/a/photo.png?expiry=${expiry}&method=put`)
    const reply = (await send(up, `/up/a/photo.png?expiry=${expiry}&method=put&signature=${signature}`, body, {
      'Content-Type': 'image/png',
    })) as Reply
    expect(reply.status).toBe(201)
    expect(JSON.parse(reply.body)).toEqual({
      path: 'up/a/photo.png',
      size: body.length,
      contentType: 'image/png',
      sha256: sha(body),
    })
    expect(await stored(up, 'up/a/photo.png')).toEqual({ bytes: body, type: 'image/png' })
    const got = await up.send(signer.sign('up/a/photo.png'))
    expect([got.status, got.headers['content-type'], got.body.equals(body)]).toEqual([200, 'image/png', true])
  })

  it('never writes with a get link, a forged or expired put link, or none; and a put link never reads', async () => {
    const body = Buffer.from('x')
    const h = { 'Content-Type': 'text/plain' }
    expect(await send(up, signer.sign('up/g.txt'), body, h)).toMatchObject({ status: 403 })
    expect(await send(up, withWrongSignature(link('g.txt')), body, h)).toMatchObject({ status: 403 })
    // Expired a minute ago: a signer whose clock is an hour behind made it.
    const expired = createSigner({ key: KEY, now: () => (nowS - 3600) * 1000 }).sign('up/g.txt', {
      method: 'put',
      ttl: 3540,
    })
    expect(await send(up, expired, body, h)).toMatchObject({ status: 403 })
    expect(await send(up, '/up/g.txt', body, h)).toMatchObject({ status: 403 })
    expect(await keys(up)).not.toContain('up/g.txt')
    expect(await send(up, link('g.txt'), body, h)).toMatchObject({ status: 201 })
    expect((await up.send(link('g.txt'))).status).toBe(403)
    expect((await up.send(link('g.txt'), { method: 'HEAD' })).status).toBe(403)
  })

  it('refuses resumable (tus) uploads with 501: a creation, and a link signed for one upload', async () => {
    const tus = { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' }
    for (const method of ['POST', 'HEAD', 'PATCH', 'DELETE']) {
      const reply = await up.send(link('r.bin'), { method, headers: tus })
      expect([method, reply.status, reply.headers['tus-resumable']]).toEqual([method, 501, '1.0.0'])
    }
    const forOneUpload = link('r.bin', { upload: 'AbCdEfGhIjKlMnOpQrStUv' })
    expect(await send(up, forOneUpload, Buffer.from('x'), { 'Content-Type': 'text/plain' })).toMatchObject({
      status: 501,
    })
    expect(await keys(up)).not.toContain('up/r.bin')
  })

  it('refuses before the body: a size over the cap (413), no length (411), a type outside the lists (415)', async () => {
    const h = { 'Content-Type': 'text/plain' }
    expect(await send(up, link('big.txt'), Buffer.alloc(100_001), h)).toMatchObject({ status: 413 })
    expect(await send(up, link('big.txt', { maxBytes: 10 }), Buffer.alloc(11), h)).toMatchObject({ status: 413 })
    expect(await put(up.port, link('big.txt'), [Buffer.alloc(10)], h)).toMatchObject({ status: 411 })
    expect(await send(up, link('t.gif'), Buffer.alloc(10), { 'Content-Type': 'image/gif' })).toMatchObject({
      status: 415,
    })
    expect(await send(up, link('t.txt'), Buffer.alloc(10))).toMatchObject({ status: 415 })
    expect(await send(up, link('t.png', { contentType: 'image/png' }), Buffer.alloc(10), h)).toMatchObject({
      status: 415,
    })
    // A name longer than R2 holds (1024 bytes): 414 for the upload and for a read, never R2's error as a 500.
    const long = `up/${'a'.repeat(1100)}.txt`
    expect(await send(up, signer.sign(long, { method: 'put' }), Buffer.alloc(5), h)).toMatchObject({ status: 414 })
    const read = await up.send(signer.sign(long))
    expect([read.status, read.body.toString()]).toEqual([414, 'URI Too Long\n'])
    // A body in a content coding would be stored as sent, gzip under its type's name: refused.
    const gz = await send(up, link('z.txt'), Buffer.alloc(10), { ...h, 'Content-Encoding': 'gzip' })
    expect(gz).toMatchObject({ status: 415 })
    expect(await keys(up)).toEqual(
      expect.not.arrayContaining(['up/big.txt', 'up/t.gif', 'up/t.txt', 'up/t.png', 'up/z.txt']),
    )
    // Within both: the link's cap and type, the Worker's list, parameters ignored.
    const within = await send(up, link('t.png', { contentType: 'image/png', maxBytes: 10 }), Buffer.alloc(10), {
      'Content-Type': 'IMAGE/PNG; x=1',
    })
    expect(within).toMatchObject({ status: 201 })
  })

  it('checks the signed digest: 422 and nothing stored for other bytes, 201 for the right ones', async () => {
    const body = randomBytes(3000)
    const h = { 'Content-Type': 'text/plain' }
    expect(await send(up, link('d.txt', { sha256: sha(body) }), randomBytes(3000), h)).toMatchObject({ status: 422 })
    expect(await stored(up, 'up/d.txt')).toBeNull()
    expect(await send(up, link('d.txt', { sha256: sha(body) }), body, h)).toMatchObject({ status: 201 })
    expect((await stored(up, 'up/d.txt'))?.bytes).toEqual(body)
  })

  it('answers 409 for an object that exists and keeps it; of 20 racing uploads exactly one lands, whole', async () => {
    const h = { 'Content-Type': 'text/plain' }
    await send(up, link('once.txt'), Buffer.from('first'), h)
    expect(await send(up, link('once.txt'), Buffer.from('second'), h)).toMatchObject({ status: 409 })
    expect((await stored(up, 'up/once.txt'))?.bytes.toString()).toBe('first')
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(20_000, i + 1))
    const replies = await Promise.all(bodies.map((b) => send(up, link('race.txt'), b, h)))
    const statuses = replies.map((r) => (r === 'aborted' ? 0 : r.status)).sort()
    expect(statuses).toEqual([201, ...new Array(19).fill(409)])
    const landed = (await stored(up, 'up/race.txt'))!.bytes
    expect(bodies.some((b) => b.equals(landed))).toBe(true)
  })

  it('replaces with UPLOAD_OVERWRITE, always with one whole upload, and keeps no type no list allowed', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => Buffer.alloc(4000, i + 1))
    const replies = await Promise.all(bodies.map((b) => send(over, link('o.html'), b, { 'Content-Type': 'text/html' })))
    expect(replies.map((r) => (r === 'aborted' ? 0 : r.status))).toEqual(new Array(10).fill(201))
    const landed = (await stored(over, 'up/o.html'))!
    expect(bodies.some((b) => b.equals(landed.bytes))).toBe(true)
    // Sent as text/html with no list to allow it: stored without a type, served as octet-stream with nosniff.
    expect(landed.type).toBeUndefined()
    const got = await over.send(signer.sign('up/o.html'))
    expect([got.headers['content-type'], got.headers['x-content-type-options']]).toEqual([
      'application/octet-stream',
      'nosniff',
    ])
    expect(await send(over, link('o.html'), Buffer.alloc(5001))).toMatchObject({ status: 413 })
  })

  it('stores nothing when the client goes away mid-body, and the next upload to the path lands', async () => {
    const body = randomBytes(60_000)
    const chunks = Array.from({ length: 6 }, (_, i) => body.subarray(i * 10_000, (i + 1) * 10_000))
    for (const offset of [1, 25_000, 59_999]) {
      const target = link(`abort-${offset}.txt`)
      await put(up.port, target, chunks, { 'Content-Length': body.length, 'Content-Type': 'text/plain' }, offset)
      // The worker's own answer (its put failed) is the sign it is done: the same path then takes a whole upload.
      const again = await send(up, target, body, { 'Content-Type': 'text/plain' })
      expect([offset, again === 'aborted' ? 0 : again.status]).toEqual([offset, 201])
      expect((await stored(up, `up/abort-${offset}.txt`))?.bytes.equals(body)).toBe(true)
    }
  })

  it('refuses a folder or dotfile target, and upload links when uploads are off (no UPLOAD_MAX_BYTES)', async () => {
    const h = { 'Content-Type': 'text/plain' }
    // Links sign() refuses to make, made with the key as anyone holding it could.
    for (const target of ['up/folder/', 'up/.env', 'up/.hidden/x.txt']) {
      const query = `expiry=${nowS + 600}&method=put`
      const made = `/${target}?${query}&signature=${forgeMessage(KEY, `${target}?${query}`)}`
      expect([target, await send(up, made, Buffer.from('x'), h)]).toMatchObject([target, { status: 403 }])
    }
    expect(await keys(up)).toEqual(expect.not.arrayContaining(['up/folder/', 'up/.env', 'up/.hidden/x.txt']))
    expect(await send(worker, link('off.txt'), Buffer.from('x'), h)).toMatchObject({ status: 403 })
  })

  it.each([
    [{ UPLOAD_MAX_BYTES: '0' }, 'UPLOAD_MAX_BYTES must be a positive whole number'],
    [{ UPLOAD_MAX_BYTES: '1e6' }, 'UPLOAD_MAX_BYTES must be a positive whole number'],
    [{ UPLOAD_MAX_BYTES: '10', UPLOAD_CONTENT_TYPES: 'image/png;q=1' }, 'UPLOAD_CONTENT_TYPES must be media types'],
    [{ UPLOAD_MAX_BYTES: '10', UPLOAD_CONTENT_TYPES: 'Image/PNG' }, 'UPLOAD_CONTENT_TYPES must be media types'],
    [{ UPLOAD_MAX_BYTES: '10', UPLOAD_OVERWRITE: 'yes' }, "UPLOAD_OVERWRITE must be 'true' or 'false'"],
    [{ UPLOAD_OVERWRITE: 'true' }, 'UPLOAD_CONTENT_TYPES and UPLOAD_OVERWRITE need UPLOAD_MAX_BYTES'],
  ])(
    'answers 500 and says why in its log for %j',
    async (bindings, message) => {
      const bad = await startWorker({ SIGNING_KEY: KEY, ...bindings })
      try {
        expect((await bad.send(signer.sign('private/image.png'))).status).toBe(500)
        for (let i = 0; i < 1000 && !bad.log().includes(message); i++) await new Promise((r) => setImmediate(r))
        expect(bad.log()).toContain(message)
      } finally {
        await bad.stop()
      }
    },
    60_000,
  )
})

describe('the attack corpus against the Worker', () => {
  const ctx: AttackContext = { base: '', expiry: nowS + 3600, past: nowS - 1, key: KEY, otherKey: OTHER_KEY }
  it.each(attackCorpus.map((c) => [`${c.category}: ${c.name}`, c] as const))('%s', async (name, attack) => {
    const res = await worker.send(attack.target(ctx), { method: attack.method, headers: headersOf(attack, ctx) })
    const listed = byWorker[name]
    const expected = listed ?? attack.expect
    expect({ name, status: res.status }).toEqual({ name, status: expected.status })
    const file = listed?.file ?? (attack.expect.status === 200 ? attack.expect.file : undefined)
    if (expected.status === 200 && file !== undefined)
      expect(res.body).toEqual(attack.method === 'HEAD' ? Buffer.alloc(0) : fixture(file))
    if (expected.status !== 200) expect(res.body.toString()).not.toMatch(/PNG|PDF|secret/)
  })

  it('lists only cases that exist, each refused or served with the file its signature names', () => {
    const names = new Set(attackCorpus.map((c) => `${c.category}: ${c.name}`))
    expect(Object.keys(byWorker).filter((name) => !names.has(name))).toEqual([])
    // A listed 200 must name the file it serves, which the replay then compares byte for byte.
    expect(Object.entries(byWorker).filter(([, d]) => d.status === 200 && d.file === undefined)).toEqual([])
    expect(Object.values(byWorker).filter((d) => d.status !== 200 && d.status < 400)).toEqual([])
  })
})
