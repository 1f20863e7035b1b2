// The Redis store on the deployments people run, each started here (bench/support/store-harness.js) and stopped by PID: a
// Redis Cluster of three masters, a primary with a replica and three Sentinels, and Valkey. Two app processes
// (bench/support/store-app.js) share each, through the node-redis client made for it (createCluster, createSentinel, or the
// store's own). On each: a limited-use link is served exactly its uses, a revocation reaches the other process, and
// on Sentinel a failover gives 503s only, never a 500 or an over-serve; with waitForReplicas, a failover to a replica
// that lagged serves no use twice. Run by `npm run test:engines`.
import { createSigner } from 'express-signed-url'
import { KEY, SITE } from '../support/helpers'
import { harness, tally, type App, type Reply, type Sentinel, type Target } from './store-harness'

// Real time: the app processes have their own clocks. Links made in one second for one path and lifetime are one
// link, so each test gives lifetimes far from the others'.
const signer = createSigner({ key: KEY })
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
// Asks (bounded: about 20 s) until `done` holds.
async function until(done: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (await done()) return true
    await pause(50)
  }
  return false
}
// Asks one app for `link` until it refuses it as revoked (bounded); how long that took.
async function refusedWithin(app: App, link: string, since: bigint): Promise<number | undefined> {
  for (let i = 0; i < 2000; i++) {
    if ((await app.get(link)).code === 'ERR_LINK_REVOKED') return Number(process.hrtime.bigint() - since) / 1e6
    if (i > 100) await pause(5)
  }
  return undefined
}

const topologies: [string, () => Promise<{ target: Target; stop(): Promise<void> }>][] = [
  [
    'a Redis Cluster of three masters',
    async () => {
      const cluster = await harness.startCluster()
      return { target: { cluster: cluster.urls }, stop: () => cluster.stop() }
    },
  ],
  [
    'a primary, a replica and three Sentinels',
    async () => {
      const sentinel = await harness.startSentinel()
      return { target: { sentinel: { name: sentinel.name, sentinels: sentinel.sentinels } }, stop: sentinel.stop }
    },
  ],
  [
    'Valkey',
    async () => {
      const valkey = await harness.startValkey()
      return { target: valkey.url, stop: valkey.stop }
    },
  ],
]

describe.each(topologies)('the Redis store on %s, across two processes', (name, start) => {
  let deployment: Awaited<ReturnType<typeof start>>
  let a: App
  let b: App
  beforeAll(async () => {
    deployment = await start()
    ;[a, b] = await Promise.all([
      harness.startApp(deployment.target, KEY, SITE),
      harness.startApp(deployment.target, KEY, SITE),
    ])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await deployment?.stop()
  })

  it('serves a 3-use link exactly 3 times of 100 concurrent requests through both', async () => {
    for (const ttl of [1100, 1101, 1102]) {
      const link = signer.sign('private/image.png', { uses: 3, ttl })
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).get(link)))
      expect(tally(replies)).toEqual({ '200': 3, '410 ERR_USES_EXHAUSTED': 97 })
    }
  })

  it('refuses, in the other process, a link or a folder revoked through one', async () => {
    const link = signer.sign('private/image.png', { ttl: 1200 })
    expect((await b.get(link)).status).toBe(200)
    const since = process.hrtime.bigint()
    expect(await a.ask({ revoke: link })).toMatchObject({ ok: true })
    const ms = await refusedWithin(b, link, since)
    console.log(`${name}: a revocation reached the other process within ${ms?.toFixed(1)} ms`)
    expect(ms).toBeDefined()
    const folder = signer.sign('private/videos/42/seg-0.ts', { ttl: 1201 })
    expect(await b.ask({ revokeFolder: 'private/videos/42/', options: { maxTtl: 7200 } })).toMatchObject({ ok: true })
    expect(await refusedWithin(a, folder, process.hrtime.bigint())).toBeDefined()
    expect((await a.get(signer.sign('private/image.png', { ttl: 1202 }))).status).toBe(200)
    expect([(await a.ask({ memory: true })).current, (await b.ask({ memory: true })).current]).toEqual([true, true])
  })
})

// With waitForReplicas: 1, what this promises: no use served that the promoted replica lacks. (With 0, a failover
// may forget the uses written during the switch; the lagging-replica tests below show it.)
describe('the Redis store through Sentinel, during a failover', () => {
  let sentinel: Sentinel
  let apps: App[]
  beforeAll(async () => {
    sentinel = await harness.startSentinel()
    const target = { sentinel: { name: sentinel.name, sentinels: sentinel.sentinels } }
    const options = { options: { waitForReplicas: 1 } }
    apps = await Promise.all([
      harness.startApp(target, KEY, SITE, options),
      harness.startApp(target, KEY, SITE, options),
    ])
  }, 60_000)
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await sentinel?.stop()
  })

  it('answers only 200, 410 or 503 under load, never a 500 nor a use twice; then follows the new primary', async () => {
    const links = Array.from({ length: 20 }, (_, i) => signer.sign('private/image.png', { uses: 3, ttl: 2000 + i }))
    const served = new Map<string, number>()
    const all: Reply[] = []
    let failing = true
    const failover = sentinel.failover().finally(() => (failing = false))
    // Rounds of every link through both processes while the failover runs, and a few after.
    for (let after = 0; failing || after < 3; after += failing ? 0 : 1) {
      const replies = await Promise.all(
        links.flatMap((link) => apps.map((app) => app.get(link).then((r) => ({ r, link })))),
      )
      for (const { r, link } of replies) {
        all.push(r)
        if (r.status === 200) served.set(link, (served.get(link) ?? 0) + 1)
      }
    }
    await failover
    console.log(`Sentinel failover under load: ${JSON.stringify(tally(all))}`)
    // A response whose end could not be settled while Redis failed over holds its share until its lease lapses:
    // requests meanwhile may wait and get ERR_USES_BUSY (503), never a serve past the uses.
    expect(
      Object.keys(tally(all)).every((k) =>
        /^(?:200|410 ERR_USES_EXHAUSTED|503 ERR_USES_BUSY|503 ERR_STORE_UNAVAILABLE)$/.test(k),
      ),
    ).toBe(true)
    expect([...served.values()].every((n) => n <= 3)).toBe(true)
    // Both processes serve (and count) on the new primary, and revocations still reach the other.
    for (const [i, app] of apps.entries()) {
      let probe = 2100 + 50 * i
      expect(
        await until(
          async () => (await app.get(signer.sign('private/a b.png', { uses: 1, ttl: probe++ }))).status === 200,
        ),
      ).toBe(true)
    }
    const link = signer.sign('private/image.png', { ttl: 2200 })
    expect(await apps[0].ask({ revoke: link })).toMatchObject({ ok: true })
    expect(await refusedWithin(apps[1], link, process.hrtime.bigint())).toBeDefined()
    expect(apps.every((app) => app.alive())).toBe(true)
  }, 90_000)
})

// A use spent on the primary, not yet on the replica (frozen with SIGSTOP and its link cut), then the primary lost
// and the replica promoted: what the new primary still counts.
describe.each([
  [0, 'forgets the uses the replica had not received: the link is served past its uses (what waitForReplicas is for)'],
  [1, 'serves no use twice: a use the replica did not confirm was refused (503), never served'],
])(
  'the Redis store through Sentinel with waitForReplicas: %i, after a failover to a replica that lagged',
  (wait, what) => {
    let sentinel: Sentinel
    let apps: App[]
    beforeAll(async () => {
      sentinel = await harness.startSentinel()
      const target = { sentinel: { name: sentinel.name, sentinels: sentinel.sentinels } }
      const options = { options: { waitForReplicas: wait, timeout: 500 } }
      apps = await Promise.all([
        harness.startApp(target, KEY, SITE, options),
        harness.startApp(target, KEY, SITE, options),
      ])
    }, 60_000)
    afterAll(async () => {
      // Whatever failed before, every process is stopped (one left running keeps jest, and CI, from ending).
      try {
        sentinel?.continueReplica()
        await Promise.all(apps.map((app) => app.stop()))
      } finally {
        await sentinel?.stop()
      }
    })

    it(
      what,
      async () => {
        const link = signer.sign('private/image.png', { uses: 3, ttl: 3000 + wait })
        const signature = new URL(link, 'http://x').searchParams.get('signature') as string
        expect((await apps[0].get(link)).status).toBe(200)
        // The first use reached the replica; then the replica freezes.
        const onReplica = () => harness.command(sentinel.replica.port, 'HGET', `signed-url:uses:${signature}`, 'k')
        expect(await until(async () => Number(await onReplica()) > 0)).toBe(true)
        // Frozen, and cut off: what the primary writes from now on stays in its backlog (a frozen replica still
        // connected would find it in its socket's buffer when it wakes).
        sentinel.stopReplica()
        await harness.command(sentinel.primary.port, 'CLIENT', 'KILL', 'TYPE', 'replica')
        const lagging: Reply[] = []
        for (let i = 0; i < 4; i++) lagging.push(await apps[i % 2].get(link))
        await sentinel.killPrimary()
        sentinel.continueReplica()
        await sentinel.waitForPromotion()
        // With waitForReplicas, the former primary comes back as the new primary's replica (WAIT has one to count).
        // Told so at once: Sentinel would do it too, but in its own time (over 30 s on a busy machine).
        if (wait > 0) {
          await sentinel.replica.restart()
          await harness.command(sentinel.replica.port, 'REPLICAOF', '127.0.0.1', String(sentinel.primary.port))
          await sentinel.waitForReplication()
        }
        // Both processes on the new primary (a use counted while a process still reconnects may be answered 503).
        for (const [i, app] of apps.entries()) {
          let probe = 3100 + 100 * wait + 50 * i
          const settled = async () =>
            (await app.get(signer.sign('private/a b.png', { uses: 1, ttl: probe++ }))).status === 200
          expect(await until(settled)).toBe(true)
        }
        // Through both processes, until the new primary says the link is used up (503s while they reconnect).
        const after: Reply[] = []
        await until(async () => {
          const r = await apps[after.length % 2].get(link)
          after.push(r)
          return r.status === 410
        })
        const served = [...lagging, ...after].filter((r) => r.status === 200).length + 1
        console.log(
          `waitForReplicas ${wait}: while the replica lagged ${JSON.stringify(tally(lagging))}; after the failover ${JSON.stringify(tally(after))}; served ${served} of 3`,
        )
        expect(after.at(-1)).toMatchObject({ status: 410, code: 'ERR_USES_EXHAUSTED' })
        expect([...lagging, ...after].some((r) => r.status === 500)).toBe(false)
        if (wait === 0) {
          // The control: the failover really lost the two uses the replica never got.
          expect(tally(lagging)).toEqual({ '200': 2, '410 ERR_USES_EXHAUSTED': 2 })
          expect(served).toBe(5)
        } else {
          // None served: refused while unconfirmed (503), or used up on the primary by those refused uses (410;
          // how many of each depends on how long each waited for its WAIT). The promoted replica counts only the
          // confirmed one.
          expect(lagging.every((r) => r.status === 503 || r.status === 410)).toBe(true)
          expect(tally(lagging)['503 ERR_STORE_UNAVAILABLE']).toBeGreaterThanOrEqual(2)
          expect(served).toBe(3)
        }
      },
      90_000,
    )
  },
)
