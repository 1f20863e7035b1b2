// The same links verified by nginx with njs (examples/nginx): a real nginx from Debian's packages on a loopback
// port, links signed by the Node signer, and the attack corpus replayed against it. Run by `npm run test:engines`
// (which .ci/run calls after installing nginx and libnginx-mod-http-js when missing).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import connect from 'connect'
import express5 from 'express'
import express4 from 'express4'
import {
  createMemoryStore,
  createSigner,
  respondRefused,
  revocationCheck,
  type LinkStore,
  type RejectHandler,
} from 'express-signed-url'
import { attackCorpus, headersOf, outcomeOn, type AttackContext } from '../support/attack-corpus'
import { DOWNLOAD_NAMES, fieldVectors, keyOf, optionsOf } from '../support/field-vectors'
import { expectLifetime, fixture, freePort, KEY, OTHER_KEY, sendTo, SITE } from '../support/helpers'
import { inRanges, parseClientAddress, readIpField } from '../../lib/link/ip-range'
import { create as contentDisposition } from 'content-disposition'

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'
/** The test's client address (sendTo connects from loopback), another one, and where nginx reaches the app from. */
const CLIENT = '127.0.0.1'
const OTHER_CLIENT = '192.0.2.7'
const NGINX_ADDRESS = '127.0.0.2'
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'nginx')
// Real time: nginx has its own clock. Links are made to expire an hour from now.
const nowS = Math.floor(Date.now() / 1000)

interface Nginx {
  port: number
  send: (target: string, options?: { method?: string; headers?: Record<string, string> }) => ReturnType<typeof sendTo>
  errorLog(): string
  stop(): void
}

/** Starts nginx with the example config on a free loopback port and the given key variables; resolves once it answers. */
async function startNginx(
  keys: Record<string, string>,
  edit: (config: string, prefix: string) => string = (config) => config,
): Promise<Nginx> {
  if (!existsSync(NGINX))
    throw new Error(`No nginx at ${NGINX}: apt-get install nginx libnginx-mod-http-js, or set NGINX_PATH`)
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'signed-url-nginx-'))
  const port = await freePort()
  const config = readFileSync(path.join(EXAMPLE, 'nginx.conf.template'), 'utf8')
    .replaceAll('__PREFIX__', prefix)
    .replaceAll('__PORT__', String(port))
    .replaceAll('__ROOT__', SITE)
    .replaceAll('__SCRIPT_DIR__', EXAMPLE)
  writeFileSync(path.join(prefix, 'nginx.conf'), edit(config, prefix))
  const env = { ...process.env, SIGNING_KEY: undefined, SIGNING_KEYS: undefined, ...keys }
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], {
    env,
    stdio: 'ignore',
  })
  const errorLog = () =>
    existsSync(path.join(prefix, 'error.log')) ? readFileSync(path.join(prefix, 'error.log'), 'utf8') : ''
  const stop = () => {
    child.kill()
    rmSync(prefix, { recursive: true, force: true })
  }
  // Wait (bounded) until nginx accepts connections.
  for (let i = 0; i < 200; i++) {
    try {
      await sendTo(port, '/')
      return { port, send: (target, options) => sendTo(port, target, options), errorLog, stop }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  const log = errorLog()
  stop()
  throw new Error(`nginx did not start: ${log}`)
}

/** One request written as raw bytes (the request line byte for byte); resolves with the status nginx answers. */
function sendRaw(port: number, requestLine: Buffer): Promise<{ status: number; response: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([requestLine, Buffer.from('\r\nHost: localhost\r\nConnection: close\r\n\r\n')]))
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => {
      const response = Buffer.concat(chunks)
      resolve({ status: Number(response.subarray(0, 12).toString('latin1').split(' ')[1]), response })
    })
    socket.on('error', reject)
  })
}

/** A njs exception in an error log: a TypeError and its stack (`at ...` lines) where a request was answered 500. */
const JS_EXCEPTION = /js exception|Error:|^\s+at /m

let nginx: Nginx
const send = (target: string, options?: { method?: string; headers?: Record<string, string> }) =>
  nginx.send(target, options)

beforeAll(async () => {
  nginx = await startNginx({ SIGNING_KEYS: KEY })
}, 30_000)

afterAll(() => nginx?.stop())

describe('revocation at nginx: auth_request to the app (examples/nginx/revocation.conf)', () => {
  let nginx: Nginx
  let app: http.Server
  let store: LinkStore
  let take: jest.SpyInstance
  const signer = createSigner({ key: KEY })
  let ttl = 700
  const fresh = (file = 'private/image.png') => signer.sign(file, { ttl: ttl++ })
  // The codes the app refused with, in order: nginx answers its own 403 page, whichever check refused.
  const refusals: string[] = []
  const recordRefusal: RejectHandler = (err, req, res, next) => {
    refusals.push(err.code)
    respondRefused(err, req, res, next)
  }
  let check: ReturnType<typeof revocationCheck>
  /** The app as docs/ has it: Express, trusting nginx alone (here on this host) for the client's address. */
  const trustingNginx = () => express5().set('trust proxy', 'loopback').use(check)
  let handle: (req: IncomingMessage, res: ServerResponse) => void
  beforeAll(async () => {
    store = createMemoryStore()
    take = jest.spyOn(store, 'take')
    check = revocationCheck({ key: KEY, store, onReject: recordRefusal })
    handle = trustingNginx()
    app = http.createServer((req, res) => handle(req, res))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    const appAddress = `127.0.0.1:${(app.address() as net.AddressInfo).port}`
    // The config as docs/ says: the snippet included in the server block, auth_request in location /. nginx
    // reaches the app from 127.0.0.2, as from another host: the app's socket address is never the client's.
    nginx = await startNginx({ SIGNING_KEYS: KEY }, (config, prefix) => {
      const snippet = readFileSync(path.join(EXAMPLE, 'revocation.conf'), 'utf8').replaceAll('__APP__', appAddress)
      writeFileSync(path.join(prefix, 'revocation.conf'), snippet)
      return config
        .replace(/(root [^;]+;)/, `$1\n    proxy_bind ${NGINX_ADDRESS};\n    include ${prefix}/revocation.conf;`)
        .replace('js_content signed.handle;', 'auth_request /_revoked;\n      js_content signed.handle;')
    })
  }, 30_000)
  afterAll(async () => {
    nginx?.stop()
    if (app.listening) await new Promise((resolve) => app.close(resolve))
  })

  it('serves a link until the app takes it back, then refuses it; other links still served', async () => {
    const link = fresh()
    expect((await nginx.send(link)).status).toBe(200)
    await store.revoke(link)
    const refused = await nginx.send(link)
    expect(refused.status).toBe(403)
    expect(refused.body).not.toEqual(fixture('private/image.png'))
    expect((await nginx.send(link.replace('image', '%69mage'))).status).toBe(403)
    expect((await nginx.send(fresh())).status).toBe(200)
  })

  it('refuses a revoked grant cookie and links under a revoked folder', async () => {
    const grant = signer.grant('private/videos/42/', { ttl: ttl++ })
    const cookie = { Cookie: `signed-grant=${grant.value}` }
    expect((await nginx.send('/private/videos/42/seg-0.ts', { headers: cookie })).status).toBe(200)
    await store.revoke(grant.value)
    expect((await nginx.send('/private/videos/42/seg-0.ts', { headers: cookie })).status).toBe(403)
    const report = fresh('private/docs/report-2026.pdf')
    await store.revokeFolder('/private/docs/', { maxTtl: '1h' })
    expect((await nginx.send(report)).status).toBe(403)
  })

  it('refuses limited-use links without the app counting them', async () => {
    expect((await nginx.send(signer.sign('private/image.png', { uses: 3, ttl: ttl++ }))).status).toBe(403)
    expect(take).not.toHaveBeenCalled()
  })

  describe('when the link is bound to client addresses (ip)', () => {
    const image = fixture('private/image.png')
    // What a client may send to pass for the address another link is bound to.
    const spoofs = [OTHER_CLIENT, `${OTHER_CLIENT}, ${CLIENT}`, `${OTHER_CLIENT}, ${NGINX_ADDRESS}`]
    beforeEach(() => {
      refusals.length = 0
    })
    afterAll(() => {
      handle = trustingNginx()
    })

    describe.each([
      ['Express 5 trusting nginx', trustingNginx],
      ['Express 4 trusting nginx', () => express4().set('trust proxy', 'loopback').use(check)],
      ['Connect, checking in an Express app that trusts nginx', () => connect().use(trustingNginx())],
    ])('%s', (_name, make) => {
      beforeAll(() => {
        handle = make()
      })

      it('serves a link bound to the client: nginx sends its address, and the app reads it', async () => {
        const res = await nginx.send(signer.sign('private/image.png', { ip: CLIENT, ttl: ttl++ }))
        expect([res.status, res.body, refusals]).toEqual([200, image, []])
      })

      it('refuses a link bound to another address with the IP refusal, whatever X-Forwarded-For the client sends', async () => {
        const link = signer.sign('private/image.png', { ip: OTHER_CLIENT, ttl: ttl++ })
        for (const forwarded of [undefined, ...spoofs]) {
          const res = await nginx.send(
            link,
            forwarded === undefined ? {} : { headers: { 'X-Forwarded-For': forwarded } },
          )
          expect([forwarded, res.status, res.body.includes(image)]).toEqual([forwarded, 403, false])
        }
        expect(refusals).toEqual(Array(1 + spoofs.length).fill('ERR_IP_NOT_ALLOWED'))
      })
    })

    describe.each([
      ['Connect', () => connect().use(check)],
      [
        'plain Node',
        () => (req: IncomingMessage, res: ServerResponse) =>
          check(req, res, () => {
            res.statusCode = 404
            res.end()
          }),
      ],
      ['Express without trust proxy', () => express5().use(check)],
    ])('%s (fails closed: the guard sees nginx, not the client)', (_name, make) => {
      beforeAll(() => {
        handle = make()
      })

      it("refuses even the client's own bound link with the IP refusal, whatever X-Forwarded-For it sends", async () => {
        const link = signer.sign('private/image.png', { ip: CLIENT, ttl: ttl++ })
        for (const forwarded of [undefined, CLIENT, ...spoofs]) {
          const res = await nginx.send(
            link,
            forwarded === undefined ? {} : { headers: { 'X-Forwarded-For': forwarded } },
          )
          expect([forwarded, res.status, res.body.includes(image)]).toEqual([forwarded, 403, false])
        }
        expect(refusals).toEqual(Array(2 + spoofs.length).fill('ERR_IP_NOT_ALLOWED'))
        // Unbound links still pass the check.
        expect((await nginx.send(fresh())).status).toBe(200)
      })
    })
  })

  it('answers 503 when the app cannot answer (fail closed), never the file', async () => {
    await new Promise((resolve) => app.close(resolve))
    const reply = await nginx.send(fresh())
    expect(reply.status).toBe(503)
    expect(reply.headers['cache-control']).toBe('no-store')
  })
})

describe('nginx with examples/nginx/signed-url.js', () => {
  const signer = createSigner({ key: KEY })

  it('serves a valid link with the right bytes and a private cache lifetime, and refuses an edited one', async () => {
    const signedAt = Date.now()
    const link = signer.sign('private/docs/report-2026.pdf', { ttl: 600 })
    const res = await send(link)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(fixture('private/docs/report-2026.pdf'))
    expectLifetime(res.headers['cache-control'], 600, signedAt)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect((await send(link.replace('report-2026', 'report-2025'))).status).toBe(403)
  })

  it('serves links that say when they were made, and refuses limited-use links (nginx keeps no count)', async () => {
    const stamped = createSigner({ key: KEY, stampIssued: true }).sign('private/image.png')
    expect(stamped).toMatch(/&issued=\d+&/)
    expect((await send(stamped)).status).toBe(200)
    expect((await send(stamped.replace(/issued=\d+/, 'issued=1'))).status).toBe(403)
    expect((await send(signer.sign('private/image.png', { uses: 5 }))).status).toBe(403)
  })

  it('answers Range requests (206)', async () => {
    const res = await send(signer.sign('private/video/clip_01.mp4'), { headers: { Range: 'bytes=100-199' } })
    expect(res.status).toBe(206)
    expect(res.body).toEqual(fixture('private/video/clip_01.mp4').subarray(100, 200))
  })

  it('reads SIGNING_KEYS as parseKeyList does: `id:secret` entries and plain ones, newest first', async () => {
    const other = await startNginx({ SIGNING_KEYS: ` k1:${OTHER_KEY} , ${KEY}` })
    try {
      const withId = createSigner({ keys: [{ id: 'k1', secret: OTHER_KEY }] })
      expect((await other.send(withId.sign('private/image.png'))).status).toBe(200)
      expect((await other.send(signer.sign('private/image.png'))).status).toBe(200)
      // OTHER_KEY is known only under its id: a plain link signed with it is refused.
      expect((await other.send(createSigner({ key: OTHER_KEY }).sign('private/image.png'))).status).toBe(403)
    } finally {
      other.stop()
    }
  }, 30_000)

  it('keeps key ids apart from Object.prototype: a ring with constructor and __proto__ works, and toString is just unknown', async () => {
    const ring = await startNginx({ SIGNING_KEYS: `constructor:${KEY},__proto__:${OTHER_KEY}` })
    try {
      const constructorSigner = createSigner({ keys: [{ id: 'constructor', secret: KEY }] })
      const protoSigner = createSigner({ keys: [{ id: '__proto__', secret: OTHER_KEY }] })
      const image = fixture('private/image.png')
      for (const link of [constructorSigner.sign('private/image.png'), protoSigner.sign('private/image.png')]) {
        expect(link).toMatch(/&kid=(constructor|__proto__)&/)
        const res = await ring.send(link)
        expect([res.status, res.body]).toEqual([200, image])
      }
      const grant = protoSigner.grant('private/videos/42/')
      expect(
        (await ring.send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant=${grant.value}` } })).status,
      ).toBe(200)
      // Each id is bound to its own secret, and plain links have no key in this ring.
      expect(
        (await ring.send(createSigner({ keys: [{ id: 'constructor', secret: OTHER_KEY }] }).sign('private/image.png')))
          .status,
      ).toBe(403)
      expect((await ring.send(createSigner({ key: KEY }).sign('private/image.png'))).status).toBe(403)
      // Names of Object.prototype's properties that are not in the ring: a bad signature (403), never a 500.
      for (const kid of [
        'toString',
        'valueOf',
        'hasOwnProperty',
        'isPrototypeOf',
        'propertyIsEnumerable',
        '__defineGetter__',
      ]) {
        const named = createSigner({ keys: [{ id: kid, secret: KEY }] })
        expect((await ring.send(named.sign('private/image.png'))).status).toBe(403)
        const cookie = { Cookie: `signed-grant=${named.grant('private/videos/42/').value}` }
        expect((await ring.send('/private/videos/42/seg-1.ts', { headers: cookie })).status).toBe(403)
      }
      expect(ring.errorLog()).not.toMatch(JS_EXCEPTION)
    } finally {
      ring.stop()
    }
  }, 30_000)

  it('rounds max-age down as the Node guard does: never longer than the link or grant has left', async () => {
    // Node sends floor(expiry - now) with a fractional now; the old script sent expiry - floor(now), a second more
    // unless now fell exactly on a whole second or the request crossed one between the two clock readings. So the
    // old rounding passes one request with a chance of about (latency + 1 ms) / 1 s, and all ten with far less
    // than 1e-10; the bound below holds for the exact rule on every request, nginx reading its clock after ours.
    const link = signer.sign('private/image.png', { ttl: 600 })
    const expiry = Number(/expiry=(\d+)/.exec(link)![1])
    const grant = signer.grant('private/videos/42/', { ttl: 600 })
    for (let i = 0; i < 10; i++) {
      const before = Date.now() / 1000
      const res =
        i % 2 === 0
          ? await send(link)
          : await send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant=${grant.value}` } })
      const after = Date.now() / 1000
      const limit = i % 2 === 0 ? expiry : grant.expiresAt
      expect(res.status).toBe(200)
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(res.headers['cache-control']))![1])
      expect(maxAge).toBeLessThanOrEqual(limit - before)
      expect(maxAge).toBeGreaterThanOrEqual(Math.floor(limit - after))
      // Spread the requests over different fractions of a second.
      await new Promise((resolve) => setTimeout(resolve, 37 + 61 * i))
    }
  }, 30_000)

  it('refuses raw UTF-8 bytes in the request line (Node refuses them in its parser), and serves the escaped link', async () => {
    const link = signer.sign('private/café.png')
    expect(link).toContain('/private/caf%C3%A9.png?')
    const query = link.split('?')[1]
    const good = await send(link)
    expect([good.status, good.body]).toEqual([200, fixture('private/café.png')])
    for (const target of [
      Buffer.from(`/private/caf\u00e9.png?${query}`), // UTF-8: c3 a9
      Buffer.concat([Buffer.from('/private/caf'), Buffer.from([0xe9]), Buffer.from(`.png?${query}`)]), // not UTF-8
      Buffer.from(`${link}&v=\u00a0`), // a raw U+00A0 in the query
      Buffer.concat([Buffer.from(link), Buffer.from([0x7f])]), // DEL
    ]) {
      const { status, response } = await sendRaw(
        nginx.port,
        Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1')]),
      )
      expect([400, 403]).toContain(status)
      expect(response.toString('latin1')).not.toMatch(/PNG/)
    }
  })

  it.each([
    [
      'an entry whose text before ":" is not a key id',
      { SIGNING_KEYS: `not an id:${KEY}` },
      "has a ':' after something that is not a key id",
    ],
    ['an empty entry', { SIGNING_KEYS: `${KEY},,${OTHER_KEY}` }, 'entry 2 is empty'],
    ['a repeated key id', { SIGNING_KEYS: `k1:${KEY},k1:${OTHER_KEY}` }, 'entry 2 repeats a key id'],
    ['a short key', { SIGNING_KEY: 'short-secret' }, 'at least 32 bytes'],
    ['a key of bytes that are not UTF-8 (U+FFFD)', { SIGNING_KEY: '\ufffd'.repeat(11) }, 'not UTF-8'],
    ['both variables', { SIGNING_KEY: KEY, SIGNING_KEYS: OTHER_KEY }, 'not both'],
    ['no key at all', {}, 'set SIGNING_KEY or SIGNING_KEYS'],
  ])(
    'refuses to serve with %s: 500 for every request and the reason in the error log, no key text',
    async (_name, keys, reason) => {
      const bad = await startNginx(keys)
      try {
        const res = await bad.send(signer.sign('private/image.png'))
        expect(res.status).toBe(500)
        expect(res.body.toString()).not.toMatch(/PNG|key/)
        expect(bad.errorLog()).toContain(reason)
        expect(bad.errorLog()).not.toContain(KEY.slice(0, 12))
        expect(bad.errorLog()).not.toContain('short-secret')
      } finally {
        bad.stop()
      }
    },
    30_000,
  )

  it('serves a folder to the grant cookie the app sets, and only that folder', async () => {
    const signedAt = Date.now()
    const grant = signer.grant('private/videos/42/', { ttl: 600 })
    const cookie = (...values: string[]) => ({
      Cookie: ['theme=dark', ...values.map((v) => `signed-grant=${v}`)].join('; '),
    })
    const segment = await send('/private/videos/42/720p/seg-0.ts', { headers: cookie(grant.value) })
    expect([segment.status, segment.body]).toEqual([200, fixture('private/videos/42/720p/seg-0.ts')])
    expectLifetime(segment.headers['cache-control'], 600, signedAt)
    expect(
      (await send('/private/videos/42/seg-1.ts', { headers: { Cookie: `signed-grant="${grant.value}"` } })).status,
    ).toBe(200)
    expect((await send('/private/videos/43/x.ts', { headers: cookie(grant.value) })).status).toBe(403)
    expect((await send('/private/videos/4/x.ts', { headers: cookie(grant.value) })).status).toBe(403)
    expect((await send('/private/videos/42/seg-1.ts')).status).toBe(403)
    // A signature in the URL is checked first: a bad link is not rescued by a good cookie.
    expect(
      (
        await send(`/private/videos/42/seg-1.ts?expiry=${nowS + 60}&method=get&signature=${'A'.repeat(43)}`, {
          headers: cookie(grant.value),
        })
      ).status,
    ).toBe(403)
    // Junk values are skipped before the cap of 8; forged, re-aimed and expired grants are refused.
    const junk = Array.from({ length: 12 }, (_, i) => `junk${i}.1.-.x`)
    expect((await send('/private/videos/42/seg-1.ts', { headers: cookie(...junk, grant.value) })).status).toBe(200)
    const [folderPart, expiry, kid, signature] = grant.value.split('.')
    const other = Buffer.from('private/videos/43/').toString('base64url')
    const forged = [
      `${folderPart}.${Number(expiry) + 1}.${kid}.${signature}`,
      `${other}.${expiry}.${kid}.${signature}`,
      `${folderPart}.${expiry}.${kid}.${signature.slice(0, 42)}${signature[42] === 'A' ? 'E' : 'A'}`,
      createSigner({ key: KEY, now: () => Date.now() - 7_200_000 }).grant('private/videos/42/', { ttl: 60 }).value,
    ]
    for (const value of forged)
      expect((await send('/private/videos/42/seg-1.ts', { headers: cookie(value) })).status).toBe(403)
    // The guards' cap, exactly: values whose signature is not canonical base64url are skipped before counting;
    // eight that parse and cover the path are checked, and a good ninth is not.
    const unreadable = Array.from({ length: 10 }, () => `${folderPart}.${expiry}.${kid}.${'!'.repeat(43)}`)
    expect((await send('/private/videos/42/seg-1.ts', { headers: cookie(...unreadable, grant.value) })).status).toBe(
      200,
    )
    const eight = Array.from({ length: 8 }, (_, i) => `${folderPart}.${Number(expiry) + i + 1}.${kid}.${signature}`)
    expect((await send('/private/videos/42/seg-1.ts', { headers: cookie(...eight, grant.value) })).status).toBe(403)
    expect(
      (await send('/private/videos/42/seg-1.ts', { headers: cookie(...eight.slice(1), grant.value) })).status,
    ).toBe(200)
    // The same folder in a non-canonical base64url spelling (unused low bits set), which the Node signer refuses too.
    const four = signer.grant('private/videos/4/').value.split('.')
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const loose = four[0].slice(0, -1) + B64[B64.indexOf(four[0].slice(-1)) + 1]
    expect(Buffer.from(loose, 'base64url').toString()).toBe('private/videos/4/')
    expect(signer.verify('/private/videos/4/x.ts', { grants: [[loose, ...four.slice(1)].join('.')] }).ok).toBe(false)
    expect(
      (await send('/private/videos/4/x.ts', { headers: cookie([loose, ...four.slice(1)].join('.')) })).status,
    ).toBe(403)
    expect((await send('/private/videos/4/x.ts', { headers: cookie(four.join('.')) })).status).toBe(200)
    expect(
      (
        await send('/private/videos/43/x.ts', {
          headers: cookie(createSigner({ key: KEY }).grant('private/videos/43/').value),
        })
      ).status,
    ).toBe(200)
  })

  it('verifies key ids and folder grants made by the Node signer', async () => {
    const withId = createSigner({ keys: [{ id: 'k1', secret: OTHER_KEY }] })
    expect((await send(withId.sign('private/image.png'))).status).toBe(403) // nginx has no key k1
    const query = signer.sign('private/videos/42/', { scope: 'prefix' }).split('?')[1]
    expect((await send(`/private/videos/42/seg-1.ts?${query}`)).status).toBe(200)
    expect((await send(`/private/videos/43/x.ts?${query}`)).status).toBe(403)
  })

  // The whole corpus at the root mount. Where the status differs from the Node guard's, it is listed here, each a
  // refusal. nginx refuses a few targets itself, before any script runs: malformed or NUL escapes and `..` above the
  // root (400), absolute-form targets with an authority it cannot read (400), and request lines over its 8 kB header
  // buffer (414). One the script refuses where Node's routers may give up first: an IDNA host, which url.parse
  // cannot read on Node 20 and 22 (Node 404 there, the guard's 403 on later Node; nginx 403). Cases Node's own HTTP parser refuses (400) are refused either by nginx (400) or by the
  // script (403): both are accepted for those, never a 200.
  const byNginx: Record<string, number> = {
    'query structure: a 10 kB query without a signature': 414, // the request line exceeds large_client_header_buffers
    'query structure: a thousand parameters and a forged signature': 414, // likewise, over 8 kB
    'non-canonical path: .. out of the root': 400, // nginx resolves `..` itself and refuses to climb above /
    'non-canonical path: .. through %2F': 400, // nginx decodes %2F while normalising, then climbs above /
    'non-canonical path: an encoded NUL': 400, // nginx refuses %00 in the path
    'non-canonical path: an encoded NUL after ..': 400, // likewise
    'non-canonical path: a malformed escape %zz': 400, // nginx refuses escapes it cannot decode
    'non-canonical path: a lone %': 400, // likewise
    'non-canonical path: a truncated escape at the end': 400, // likewise
    'non-canonical path: %%': 400, // likewise
    'non-canonical path: an absolute-form target whose host hides a folder (h%70rivate)': 400, // `%` in a host
    "non-canonical path: an absolute-form target whose host ends in ';'": 400, // `;` in a host
    'non-canonical path: an absolute-form target whose host has a quote': 400, // `'` in a host
    'non-canonical path: an absolute-form target with a second colon (h:x:)': 400, // a port that is not a number
    'request target: an absolute-form target with userinfo': 400, // nginx reads no userinfo in a request line
    'request target: an absolute-form target with an @ in the authority and a #': 400, // likewise
    'request target: an absolute-form target with an unclosed IPv6 literal': 400, // nginx cannot read the host
    'request target: an absolute-form target with an IDNA host (xn--a)': 403, // the script refuses any xn-- label
  }
  it('lists only refusals of cases in the corpus, and never where Node serves', () => {
    const names = new Map(attackCorpus.map((c) => [`${c.category}: ${c.name}`, c]))
    for (const [name, status] of Object.entries(byNginx)) {
      expect([name, names.has(name)]).toEqual([name, true])
      expect(status).toBeGreaterThanOrEqual(400)
      expect([name, outcomeOn(names.get(name)!, 'nginx').status]).not.toEqual([name, 200])
    }
  })
  const ctx: AttackContext = { base: '', expiry: nowS + 3600, past: nowS - 1, key: KEY, otherKey: OTHER_KEY }
  it.each(attackCorpus.map((c) => [`${c.category}: ${c.name}`, c] as const))('%s', async (name, attack) => {
    const res = await send(attack.target(ctx), { method: attack.method, headers: headersOf(attack, ctx) })
    const expected = outcomeOn(attack, 'nginx')
    if (name in byNginx) {
      expect(res.status).toBe(byNginx[name])
      return
    }
    if (expected.status === 400) {
      // Node's HTTP parser refuses it; nginx refuses it itself or the script does.
      expect([400, 403]).toContain(res.status)
      expect(res.body.toString()).not.toMatch(/PNG|PDF|secret/)
      return
    }
    expect(res.status).toBe(expected.status)
    if (expected.status === 200)
      expect(res.body).toEqual(attack.method === 'HEAD' ? Buffer.alloc(0) : fixture(expected.file))
    if (expected.status !== 200) expect(res.body.toString()).not.toMatch(/PNG|PDF|secret/)
  })

  describe('the extension-field vectors, signed again to expire an hour from now', () => {
    // The vectors' keys, as the Node signer holds them: each vector's link differs only in expiry and signature.
    let ring: Nginx
    const keys = [...new Set(fieldVectors.vectors.map((v) => (v.keyId ? `${v.keyId}:${v.key}` : v.key)))]
    beforeAll(async () => {
      ring = await startNginx({ SIGNING_KEYS: [...keys, KEY].join(',') })
    }, 30_000)
    afterAll(() => ring?.stop())

    it.each(fieldVectors.vectors.map((v) => [v.note, v]))('%s', async (_note, v) => {
      const link = createSigner({ key: keyOf(v) }).sign(v.path, optionsOf(v, nowS + 3600))
      expect(link.replace(/expiry=\d+/, '').split('&signature=')[0]).toBe(
        v.link.replace(/expiry=\d+/, '').split('&signature=')[0],
      )
      // nginx sees the test's loopback address, as the Node guard would.
      const ranges = v.fields.ip === undefined ? undefined : readIpField(v.fields.ip)
      // An upload link never reads: refused on GET, here as by the Node guards.
      const here =
        v.method === undefined && (ranges === undefined || inRanges(parseClientAddress('127.0.0.1')!, ranges))
      const res = await ring.send(link)
      expect(res.status).toBe(here ? 200 : 403)
      if (!here) return
      expect(res.body).toEqual(fixture(v.path))
      const { disposition, filename } = v.fields
      expect(res.headers['content-disposition']).toBe(
        disposition === undefined ? undefined : contentDisposition(filename, { type: disposition }),
      )
      // Every field is signed: changing the last character of any field's value refuses the link.
      for (const field of link.matchAll(/&(notbefore|ip|disposition|filename|scope|kid)=([^&]*)/g)) {
        const tampered = link.replace(
          field[0],
          `&${field[1]}=${field[2].slice(0, -1)}${field[2].endsWith('1') ? '2' : '1'}`,
        )
        expect([field[1], (await ring.send(tampered)).status]).toEqual([field[1], 403])
      }
    })

    it('sends no Content-Disposition with a 404 (a file link that names a folder)', async () => {
      const res = await ring.send(createSigner({ key: KEY }).sign('private/dir', { filename: 'a.pdf' }))
      expect([res.status, res.headers['content-disposition']]).toEqual([404, undefined])
    })

    it('refuses a link before its notbefore, and serves it from then', async () => {
      const signer = createSigner({ key: KEY })
      expect((await ring.send(signer.sign('private/image.png', { notBefore: nowS + 600 }))).status).toBe(403)
      expect((await ring.send(signer.sign('private/image.png', { notBefore: nowS - 1 }))).status).toBe(200)
    })

    it('writes the name of a download as the content-disposition package does, for any Unicode name', async () => {
      const signer = createSigner({ key: KEY })
      for (const filename of DOWNLOAD_NAMES) {
        const res = await ring.send(signer.sign('private/docs/report-2026.pdf', { filename, disposition: 'inline' }))
        expect([filename, res.headers['content-disposition']]).toEqual([
          filename,
          contentDisposition(filename, { type: 'inline' }),
        ])
      }
    })
  })

  it('answered the whole corpus without a njs exception in the error log', () => {
    expect(nginx.errorLog()).not.toMatch(JS_EXCEPTION)
  })
})
