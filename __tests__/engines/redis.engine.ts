// The Redis store with a real Redis (Debian's redis-server, on a free loopback port, started and stopped here by
// its PID) and two app processes sharing it (bench/support/store-app.js): counts that hold across processes, revocations
// that reach the other process, and Redis going down mid-load. Run by `npm run test:engines`.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { createSigner, createRedisStore, requireSignature, type Duration } from 'express-signed-url'
import { KEY, SITE } from '../support/helpers'
import { harness, tally, type App, type Reply, type Server } from './store-harness'
import { rawGet } from '../support/raw-client'

const { command, startApp, startProxy, startRedis } = harness
type Redis = Server

const execFileAsync = promisify(execFile)

// Real time: the app processes have their own clocks. Links made in one second for one path and lifetime are the
// same link (and a link's expiry is now plus its lifetime), so each test gives lifetimes far from the others'.
const signer = createSigner({ key: KEY })

describe('the Redis store, across two processes', () => {
  let redis: Redis
  let a: App
  let b: App
  beforeAll(async () => {
    redis = await startRedis()
    ;[a, b] = await Promise.all([startApp(redis.url, KEY, SITE), startApp(redis.url, KEY, SITE)])
  }, 30_000)
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  it('serves a 3-use link exactly 3 times of 200 concurrent requests through both', async () => {
    const link = signer.sign('private/image.png', { uses: 3 })
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).get(link)))
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3)
    expect(replies.filter((r) => r.status === 410 && r.code === 'ERR_USES_EXHAUSTED')).toHaveLength(197)
  })

  describe('limited-use links charged for the bytes sent, across the two processes', () => {
    // Larger than a loopback connection's buffers, so a client that stops reading cuts the response off.
    const BIG = randomBytes(24 * 1024 * 1024)
    let dir: string
    let c: App
    let d: App
    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'redis-uses-'))
      writeFileSync(path.join(dir, 'big.bin'), BIG)
      ;[c, d] = await Promise.all([startApp(redis.url, KEY, dir), startApp(redis.url, KEY, dir)])
    }, 30_000)
    afterAll(async () => {
      await Promise.all([c?.stop(), d?.stop()])
      rmSync(dir, { recursive: true, force: true })
    })

    it('completes a download cut off in one process and resumed through the other, then refuses it', async () => {
      const link = signer.sign('big.bin', { uses: 1, ttl: 1101 })
      const [first] = await rawGet(c.port, link, { keep: 3 * 1024 * 1024 })
      expect(first.status).toBe(200)
      const [rest] = await rawGet(d.port, link, { headers: { Range: `bytes=${first.body.length}-` } })
      expect(rest.status).toBe(206)
      expect(Buffer.concat([first.body, rest.body]).equals(BIG)).toBe(true)
      expect(await d.get(link)).toMatchObject({ status: 410, code: 'ERR_USES_EXHAUSTED' })
      expect(await c.get(link)).toMatchObject({ status: 410, code: 'ERR_USES_EXHAUSTED' })
    })

    it('sends no more than 2 x size x 1.001 + 2 x min(2 x size, 64 MiB) to a 2-use link cut off and re-asked through both, at once', async () => {
      const link = signer.sign('big.bin', { uses: 2, ttl: 1102 })
      let got = 0
      for (let round = 0; round < 100; round++) {
        const replies = (
          await Promise.all(
            Array.from({ length: 6 }, (_, i) =>
              rawGet(i % 2 === 0 ? c.port : d.port, link, { keep: (i + 1) * 1024 * 1024 }),
            ),
          )
        ).flat()
        const served = replies.filter((r) => r.status === 200)
        got += served.reduce((n, r) => n + r.body.length, 0)
        if (served.length === 0 && replies.every((r) => r.status === 410)) break
      }
      console.log(`a 2-use link of ${BIG.length} bytes, attacked through two processes, sent ${got} bytes`)
      expect(got).toBeGreaterThanOrEqual(BIG.length)
      expect(got).toBeLessThanOrEqual(2 * BIG.length * 1.001 + 2 * Math.min(2 * BIG.length, 64 * 1024 * 1024))
      expect((await c.get(link)).status).toBe(410)
    }, 60_000)
  })

  it('refuses, in the other process, a link revoked through one', async () => {
    const link = signer.sign('private/image.png', { ttl: 1001 })
    expect((await b.get(link)).status).toBe(200)
    const started = process.hrtime.bigint()
    expect(await a.ask({ revoke: link })).toEqual(expect.objectContaining({ ok: true }))
    // The other process learns of it through pub/sub: ask it (bounded) until it refuses, and say how long it took.
    let served = 0
    let reply = await b.get(link)
    while (reply.status === 200 && served < 1000) {
      served++
      reply = await b.get(link)
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    console.log(`revocation reached the other process within ${ms.toFixed(1)} ms (${served} requests served after)`)
    expect([reply.status, reply.code]).toEqual([403, 'ERR_LINK_REVOKED'])
    expect((await a.get(link)).code).toBe('ERR_LINK_REVOKED')
    expect((await b.get(signer.sign('private/image.png', { ttl: 1002 }))).status).toBe(200)
  })

  it('still tells every process of a revocation when the message count in Redis is written by hand', async () => {
    for (const [i, score] of ['-inf', 'inf', '-0.5', '-1e300'].entries()) {
      await command(redis.port, 'ZADD', 'signed-url:revocations', score, '#seq')
      const link = signer.sign('private/image.png', { ttl: 1700 + i })
      expect(await a.ask({ revoke: link })).toMatchObject({ ok: true })
      let reply = await b.get(link)
      for (let n = 0; reply.status === 200 && n < 2000; n++) reply = await b.get(link)
      expect(reply.code).toBe('ERR_LINK_REVOKED')
    }
    // And both are current again (the count started over: a gap, and a load).
    for (const app of [a, b]) {
      let current = false
      for (let n = 0; !current && n < 200; n++) {
        current = (await app.ask({ memory: true })).current === true
        if (!current) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(current).toBe(true)
    }
  })

  it('takes back a folder through one process in the other', async () => {
    const link = signer.sign('private/videos/42/seg-0.ts')
    expect(await a.ask({ revokeFolder: 'private/videos/42/', options: { maxTtl: 7200 } })).toMatchObject({ ok: true })
    let reply = await b.get(link)
    for (let i = 0; reply.status === 200 && i < 1000; i++) reply = await b.get(link)
    expect(reply.code).toBe('ERR_LINK_REVOKED')
    expect((await b.get(signer.sign('private/image.png', { ttl: 1003 }))).status).toBe(200)
  })

  it('takes a link back from the command line (revoke, against REDIS_URL), in both processes', async () => {
    const link = signer.sign('private/image.png', { ttl: 1500 })
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js')
    const run = (args: string[]) =>
      execFileAsync(process.execPath, [cli, ...args], { env: { ...process.env, REDIS_URL: redis.url } })
    expect((await run(['revoke', `https://files.example.com${link}`])).stdout).toMatch(/^revoked: the link/)
    for (const app of [a, b]) {
      let reply = await app.get(link)
      for (let i = 0; reply.status === 200 && i < 1000; i++) reply = await app.get(link)
      expect(reply.code).toBe('ERR_LINK_REVOKED')
    }
    const folder = signer.sign('private/docs/report-2026.pdf', { ttl: 1600 })
    expect((await run(['revoke', '--folder', '/private/docs/', '--max-ttl', '2h'])).stdout).toMatch(
      /revoked: the folder/,
    )
    let reply = await b.get(folder)
    for (let i = 0; reply.status === 200 && i < 1000; i++) reply = await b.get(folder)
    expect(reply.code).toBe('ERR_LINK_REVOKED')
    await expect(run(['revoke', '/private/image.png'])).rejects.toMatchObject({ code: 2 })
  })

  it('never over-serves while Redis goes down and comes back; 503 with a code meanwhile; no crash', async () => {
    const links = Array.from({ length: 20 }, (_, i) => signer.sign('private/image.png', { uses: 3, ttl: 3000 + i }))
    const served = new Map<string, number>()
    const all: Reply[] = []
    const round = async () => {
      const replies = await Promise.all(
        links.flatMap((link, i) => [a, b].map((app) => app.get(link).then((r) => ({ r, link, i })))),
      )
      for (const { r, link } of replies) {
        all.push(r)
        if (r.status === 200) served.set(link, (served.get(link) ?? 0) + 1)
      }
      return replies.map(({ r }) => r)
    }
    const rssBefore = (await b.ask({ memory: true })).rss as number
    await round()
    await redis.kill()
    const whileDown = await round()
    expect(tally(whileDown)).toEqual({ '503 ERR_STORE_UNAVAILABLE': 40 })
    // Links that need no store are still served, from the local copy of the revocations.
    expect((await a.get(signer.sign('private/image.png', { ttl: 4004 }))).status).toBe(200)
    await redis.restart()
    // Back once the clients reconnect (they retry every 100 ms to 2 s): bounded.
    let back = 0
    for (let i = 0; i < 100 && back < 2; i++) {
      back = 0
      // A fresh one-use link per process and try (links made in one second with one lifetime are one link).
      for (const [n, app] of [a, b].entries()) {
        const probe = signer.sign('private/a b.png', { uses: 1, ttl: 100 + 2 * i + n })
        if ((await app.get(probe)).status === 200) back++
      }
      if (back < 2) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(back).toBe(2)
    for (let i = 0; i < 4; i++) await round()
    // Each link served at most its 3 uses over the whole run, and, as Redis kept its counts, exactly 3 by now.
    expect([...served.values()].every((n) => n === 3)).toBe(true)
    expect(served.size).toBe(20)
    expect(all.some((r) => r.status === 500)).toBe(false)
    expect(a.alive() && b.alive()).toBe(true)
    const rssAfter = (await b.ask({ memory: true })).rss as number
    console.log(`app RSS ${Math.round(rssBefore / 1e6)} MB before, ${Math.round(rssAfter / 1e6)} MB after`)
    expect(rssAfter - rssBefore).toBeLessThan(64e6)
  }, 60_000)
})

describe('the Redis store and a clockTolerance of hours', () => {
  let redis: Redis
  beforeAll(async () => {
    redis = await startRedis()
  }, 30_000)
  afterAll(() => redis?.stop())

  it.each([
    ['2h', 7200],
    ['6h', 21600],
  ])(
    'keeps a used-up and a revoked link refused until expiry + %s (the tolerance), then expired',
    async (tolerance, seconds) => {
      // One injected clock for the signer, the guard and the store (Redis keeps each count until a time of this
      // clock, far enough ahead of its own).
      let clock = Date.now()
      const now = () => clock
      const store = createRedisStore({ url: redis.url, now, prefix: `tolerance-${seconds}:` })
      const guard = requireSignature({
        key: KEY,
        now,
        clockTolerance: tolerance as Duration,
        store,
        onReject: (err, _req, res) => {
          res.statusCode = err.status ?? 500
          res.end(err.code)
        },
      })
      const server = http.createServer((req, res) => guard(req, res, () => res.end('served')))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as { port: number }).port
      const get = (target: string) =>
        new Promise<string>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: target }, (res) => {
              let body = ''
              res.on('data', (d) => (body += String(d)))
              res.on('end', () => resolve(`${res.statusCode} ${body}`))
            })
            .on('error', reject)
        })
      try {
        await store.ready
        const signer = createSigner({ key: KEY, now })
        const once = signer.sign('private/image.png', { uses: 1, ttl: 60 })
        const taken = signer.sign('private/image.png', { ttl: 60 })
        expect(await get(once)).toBe('200 served')
        await store.revoke(taken)
        // The last second a link is accepted: still used up, still revoked (state outlives the tolerance).
        clock += (60 + seconds - 1) * 1000
        expect(await get(once)).toBe('410 ERR_USES_EXHAUSTED')
        expect(await get(taken)).toBe('403 ERR_LINK_REVOKED')
        clock += 2000
        expect([await get(once), await get(taken)]).toEqual(['403 ERR_URL_EXPIRED', '403 ERR_URL_EXPIRED'])
      } finally {
        await store.close()
        await new Promise((resolve) => server.close(resolve))
      }
    },
  )
})

describe('the Redis store when Redis stalls or a connection goes silent', () => {
  let redis: Redis
  beforeAll(async () => {
    redis = await startRedis()
  }, 30_000)
  afterAll(() => redis?.stop())
  // Asks (bounded: about 10 s) until `done` holds for the app's answer.
  const until = async (ask: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await ask()) return true
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return false
  }

  it('answers 503 after its timeout, not never, while Redis is stopped (SIGSTOP); then recovers', async () => {
    const app = await startApp(redis.url, KEY, SITE)
    try {
      expect((await app.get(signer.sign('private/image.png', { uses: 1, ttl: 5001 }))).status).toBe(200)
      process.kill(redis.pid(), 'SIGSTOP')
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => app.get(signer.sign('private/image.png', { uses: 1, ttl: 5100 + i }))),
      )
      expect(tally(replies)).toEqual({ '503 ERR_STORE_UNAVAILABLE': 20 })
      expect((await app.get(signer.sign('private/image.png', { ttl: 5002 }))).status).toBe(200)
      process.kill(redis.pid(), 'SIGCONT')
      // Back once Redis answers again: a fresh one-use link per try.
      let probe = 6000
      const back = await until(
        async () => (await app.get(signer.sign('private/a b.png', { uses: 1, ttl: probe++ }))).status === 200,
      )
      expect(back).toBe(true)
    } finally {
      process.kill(redis.pid(), 'SIGCONT')
      await app.stop()
    }
  }, 30_000)

  it('notices a subscription gone silent, refuses all with strictRevocation, and catches up after', async () => {
    const proxy = await startProxy(redis.port)
    const a = await startApp(redis.url, KEY, SITE)
    const b = await startApp(proxy.url, KEY, SITE, { strict: true })
    try {
      const link = signer.sign('private/image.png', { ttl: 5300 })
      expect((await b.get(link)).status).toBe(200)
      proxy.pause()
      expect(await a.ask({ revoke: link })).toMatchObject({ ok: true })
      // B cannot hear of it: within its heartbeat's reach it marks its copy behind, and refuses everything.
      expect(await until(async () => (await b.ask({ memory: true })).current === false)).toBe(true)
      expect(await b.get(signer.sign('private/a b.png', { ttl: 5301 }))).toMatchObject({
        status: 503,
        code: 'ERR_STORE_UNAVAILABLE',
      })
      proxy.resume()
      expect(await until(async () => (await b.ask({ memory: true })).current === true)).toBe(true)
      expect((await b.get(link)).code).toBe('ERR_LINK_REVOKED')
      expect((await b.get(signer.sign('private/a b.png', { ttl: 5302 }))).status).toBe(200)
    } finally {
      proxy.resume()
      await Promise.all([a.stop(), b.stop()])
      await proxy.stop()
    }
  }, 30_000)

  it('loses no revocation to a reload: 20 loads, each with a revocation published after Redis read the set', async () => {
    // A reads Redis through a proxy that holds the reply to its ZSCAN (the load's read of the set) until told.
    const proxy = await startProxy(redis.port, { holdRepliesTo: 'ZSCAN' })
    const a = await startApp(proxy.url, KEY, SITE, { options: { timeout: 5000 } })
    const b = await startApp(redis.url, KEY, SITE)
    try {
      for (let i = 0; i < 20; i++) {
        const holding = proxy.holding()
        // A message lost (the count moved on without it): at the next heartbeat, every process loads again.
        await command(redis.port, 'ZINCRBY', 'signed-url:revocations', '-1', '#seq')
        await holding
        // Redis has read the set for A; this revocation is not in what A will receive.
        const link = signer.sign('private/image.png', { ttl: 8000 + i })
        const verified = signer.verify(link) as { path: string; expiresAt: number; signature: string }
        const stored = { path: verified.path, expiresAt: verified.expiresAt, signature: verified.signature }
        expect(await b.ask({ revoke: link })).toMatchObject({ ok: true })
        // A hears of it while its load waits for the reply...
        expect(await until(async () => (await a.ask({ revoked: stored })).revoked === true)).toBe(true)
        proxy.release()
        // ...and still refuses it once the load is done.
        expect(await until(async () => (await a.ask({ memory: true })).current === true)).toBe(true)
        expect(await a.get(link)).toMatchObject({ status: 403, code: 'ERR_LINK_REVOKED' })
      }
    } finally {
      proxy.release()
      await Promise.all([a.stop(), b.stop()])
      await proxy.stop()
    }
  }, 60_000)

  it('is current again in every process after Redis restarts', async () => {
    const apps = await Promise.all([startApp(redis.url, KEY, SITE), startApp(redis.url, KEY, SITE)])
    try {
      await redis.kill()
      await redis.restart()
      for (const app of apps)
        expect(await until(async () => (await app.ask({ memory: true })).current === true)).toBe(true)
    } finally {
      await Promise.all(apps.map((app) => app.stop()))
    }
  }, 30_000)
})

describe('createRedisStore', () => {
  it('checks its options with TypeErrors that name them', () => {
    expect(() => createRedisStore({} as never)).toThrow(/give either "url" or "client"/)
    expect(() => createRedisStore({ url: 'http://x' })).toThrow(/"url" must be a redis:\/\//)
    expect(() => createRedisStore({ url: 'redis://127.0.0.1:1', timeout: 0 })).toThrow(/"timeout"/)
    expect(() => createRedisStore({ url: 'redis://127.0.0.1:1', prefix: 'a b' })).toThrow(/"prefix"/)
    expect(() => createRedisStore({ client: {} as never })).toThrow(/"client" must be a node-redis v6 client/)
    expect(() => createRedisStore({ url: 'redis://x', waitForReplicas: -1 })).toThrow(/"waitForReplicas"/)
    expect(() => createRedisStore({ url: 'redis://x', waitForReplicas: 1.5 })).toThrow(/"waitForReplicas"/)
    expect(() => createRedisStore({ url: 'redis://x', tiemout: 5 } as never)).toThrow(TypeError)
  })

  it("closes while Redis is unreachable, and the process goes on after close() (its own client, or the app's)", async () => {
    // In a process of its own: one with nothing else to wait on would exit in the middle of a close() that waited
    // on a retry's timer (the CLI's revoke exited 0 so, after printing its error).
    const dist = path.join(__dirname, '..', '..', 'dist', 'index.js')
    const program = `
      const { createRedisStore } = require(${JSON.stringify(dist)})
      const { createClient } = require('redis')
      ;(async () => {
        for (const ms of [0, 1, 20, 150, 400]) {
          const own = createRedisStore({ url: 'redis://127.0.0.1:1' })
          await new Promise((resolve) => setTimeout(resolve, ms))
          await own.close()
          const client = createClient({ url: 'redis://127.0.0.1:1' })
          client.on('error', () => undefined)
          const theirs = createRedisStore({ client })
          await new Promise((resolve) => setTimeout(resolve, ms))
          await theirs.close()
          client.destroy()
        }
        console.log('closed every one')
      })()`
    const { stdout } = await execFileAsync(process.execPath, ['-e', program], { timeout: 20_000 })
    expect(stdout.trim()).toBe('closed every one')
  })

  it('refuses with 503 (not a hang) while Redis is unreachable, and is not ready yet', async () => {
    const store = createRedisStore({ url: 'redis://127.0.0.1:1', timeout: 200 })
    let settled = false
    store.ready.then(
      () => (settled = true),
      () => (settled = true),
    )
    expect(store.current).toBe(false)
    await expect(
      store.take('x'.repeat(43), { amount: 1, limit: 3, resend: 0, start: 0, end: 0, size: 0 }, 9e9),
    ).rejects.toBeDefined()
    await expect(store.revoke(signer.sign('private/image.png', { ttl: 7001 }))).rejects.toBeDefined()
    // An unreachable Redis is no reason to give up: `ready` waits for it (it rejects only when refused).
    expect(settled).toBe(false)
    await store.close()
  })
})
