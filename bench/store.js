'use strict'
// What a store costs the guard, per request, in one process: requireSignature on a plain link with no revocation
// check at all (a store whose `revoked` answers false at once), with a memory store holding 1000 revoked links
// and 10 revoked folders, and with a Redis store holding the same (checked from its local copy); the three
// interleaved in rounds, CPU per request and the ratio to the first. Then limited-use links, whose use is counted
// per request: in the memory store and in Redis (one round trip), their CPU and time per request.
// Last, a Redis store's copy of the revocations at 0, 1k, 100k and 1M live entries: how long a process takes to
// load it, the longest the event loop stood still meanwhile, the memory per entry, and the per-request check then.
// A benchmark, not a test: it prints, and fails only if a request is not served.
//
//   npm run bench:store                # 7 rounds; sizes up to 1M
//   BENCH_ROUNDS=1 BENCH_REQUESTS=500 BENCH_SIZES=0,1000 npm run bench:store   # the smoke run of the engine suite
const { EventEmitter } = require('node:events')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { randomBytes } = require('node:crypto')
const os = require('node:os')
const { createMemoryStore, createRedisStore, createSigner, requireSignature } = require('express-signed-url')
const { command, startRedis } = require('./support/store-harness')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000)
const SIZES = (process.env.BENCH_SIZES ?? '0,1000,100000,1000000').split(',').map(Number)
const key = randomBytes(32).toString('base64url')
const signer = createSigner({ key, ttl: '1h' })

// A request and a response as the guard reads and writes them (no sockets: only the guard's own work is timed).
function request(url) {
  return { url, originalUrl: url, method: 'GET', headers: {}, socket: { remoteAddress: '127.0.0.1' } }
}
function response() {
  const res = new EventEmitter()
  res.statusCode = 200
  res.headersSent = false
  res.setHeader = () => undefined
  res.removeHeader = () => undefined
  res.end = () => {
    res.headersSent = true
    res.emit('finish')
  }
  return res
}

async function revokeSome(store) {
  for (let i = 0; i < 1000; i++) await store.revoke(signer.sign(`private/revoked-${i}.png`))
  for (let i = 0; i < 10; i++) await store.revokeFolder(`private/gone-${i}/`, { maxTtl: '1d' })
}

// `n` requests through a guard, each a different plain link; resolves with the CPU microseconds they took.
function plainRun(guard, links) {
  let served = 0
  const start = process.cpuUsage()
  for (const link of links) guard(request(link), response(), () => served++)
  const cpu = process.cpuUsage(start)
  if (served !== links.length) throw new Error(`only ${served} of ${links.length} requests were served`)
  return cpu.user + cpu.system
}

// `n` limited-use requests one after another (each waits for its count); CPU and wall time.
async function countedRun(guard, links) {
  let served = 0
  const start = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (const link of links) {
    const res = response()
    // Served (next) or refused (the guard answers and ends the response): either way, on to the next.
    await new Promise((resolve) => {
      res.once('finish', resolve)
      guard(request(link), res, resolve)
    })
    if (res.statusCode === 200) served++
    res.end()
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const cpu = process.cpuUsage(start)
  if (served !== links.length) throw new Error(`only ${served} of ${links.length} limited-use requests were served`)
  return { cpu: cpu.user + cpu.system, ms }
}

async function main() {
  const redis = await startRedis()
  // Generous timeouts: a busy machine (the engine suite runs this beside others) must not turn a slow answer into a
  // refused request; what is measured is the time each takes when answered.
  const redisStore = createRedisStore({ url: redis.url, timeout: 10_000 })
  try {
    await redisStore.ready
    const memory = createMemoryStore()
    await revokeSome(memory)
    await revokeSome(redisStore)
    const none = { ...createMemoryStore(), revoked: () => false }
    const guards = {
      'no revocation check': requireSignature({ signer, store: none }),
      'memory store, 1000 links + 10 folders revoked': requireSignature({ signer, store: memory }),
      'Redis store, the same (local copy)': requireSignature({ signer, store: redisStore }),
    }
    const names = Object.keys(guards)
    const cpu = Object.fromEntries(names.map((n) => [n, []]))
    let serial = 0
    const links = () => Array.from({ length: REQUESTS }, () => signer.sign(`private/photo-${serial++ % 5000}.jpg`))
    // Warm up, then rounds with the order rotated.
    for (const name of names) plainRun(guards[name], links().slice(0, 2000))
    for (let round = 0; round < ROUNDS; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length])
      for (const name of order) cpu[name].push(plainRun(guards[name], links()) / REQUESTS)
    }
    console.log(`Node ${process.version}, ${os.cpus().length} cores; ${ROUNDS} rounds of ${REQUESTS} requests each`)
    console.log('plain links (revocation checked from the local copy)      CPU/request   ratio')
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
    const base = cpu[names[0]]
    for (const name of names) {
      const ratios = cpu[name].map((v, i) => v / base[i])
      console.log(`  ${name.padEnd(54)} ${median(cpu[name]).toFixed(2).padStart(6)} µs   ${median(ratios).toFixed(3)}`)
    }
    console.log('limited-use links (one count per request, one at a time)   CPU/request   time/request (range)')
    const counted = Math.max(50, Math.floor(REQUESTS / 20))
    // A replica of the same Redis, for waitForReplicas: each use then waits for WAIT 1 too.
    await command(redis.port, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0')
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(redis.port)] })
    for (let i = 0; i < 200 && !/master_link_status:up/.test(await command(replica.port, 'INFO', 'replication')); i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    const replicated = createRedisStore({ url: redis.url, waitForReplicas: 1, timeout: 10_000 })
    try {
      await replicated.ready
      const stores = [
        ['memory store', createMemoryStore()],
        ['Redis store (a Lua script per request)', redisStore],
        ['Redis store, waitForReplicas: 1 (one replica)', replicated],
      ]
      const times = new Map(stores.map(([name]) => [name, { cpu: [], ms: [] }]))
      for (let round = 0; round < ROUNDS; round++) {
        // A fresh random order each round.
        for (const [name, store] of [...stores].sort(() => Math.random() - 0.5)) {
          const guard = requireSignature({ signer, store })
          const uses = Array.from({ length: counted }, () => signer.sign(`private/once-${serial++}.zip`, { uses: 1 }))
          const { cpu: used, ms } = await countedRun(guard, uses)
          times.get(name).cpu.push(used / counted)
          times.get(name).ms.push((ms * 1000) / counted)
        }
      }
      const sorted = (values) => [...values].sort((a, b) => a - b)
      for (const [name, { cpu: used, ms }] of times) {
        const t = sorted(ms)
        console.log(
          `  ${name.padEnd(54)} ${sorted(used)[used.length >> 1].toFixed(2).padStart(6)} µs   ${t[t.length >> 1].toFixed(1)} µs (${t[0].toFixed(1)}-${t.at(-1).toFixed(1)})`,
        )
      }
    } finally {
      await replicated.close()
      await replica.stop()
    }
    await largeSets(redis, guards['no revocation check'])
  } finally {
    await redisStore.close()
    await redis.stop()
  }
}

// Fills a prefix's revocation set in Redis with `n` live link revocations (ZADD in batches, as revoke would leave
// it), then has a new store load it, and measures that store.
async function largeSets(redis, baseline) {
  const { createClient } = require('redis')
  const writer = createClient({ url: redis.url })
  await writer.connect()
  const gc = global.gc ?? (() => undefined)
  const until = Math.floor(Date.now() / 1000) + 86400
  console.log(
    'Redis store, revocations in each process       load (longest block)  reload (longest block)  memory/entry  check/request  ratio to none (range)',
  )
  try {
    for (const n of SIZES) {
      const prefix = `bench-${n}:`
      for (let done = 0; done < n; done += 10000) {
        const batch = []
        for (let i = done; i < Math.min(n, done + 10000); i++) {
          const signature = randomBytes(32).toString('base64url')
          batch.push({ score: until, value: JSON.stringify({ signature, until }) })
        }
        await writer.zAdd(`${prefix}revocations`, batch)
      }
      gc()
      const heapBefore = process.memoryUsage().heapUsed
      const delay = monitorEventLoopDelay({ resolution: 5 })
      delay.enable()
      const t0 = process.hrtime.bigint()
      const store = createRedisStore({ url: redis.url, prefix, timeout: 5000 })
      await store.ready
      const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
      delay.disable()
      gc()
      const perEntry = n === 0 ? 0 : (process.memoryUsage().heapUsed - heapBefore) / n
      // A reload, as after a lost message (a number out of turn): the new copy is built beside the old, which
      // is then garbage. Timed until the store is current again.
      // One message lost: the count moves on without it, so the next heartbeat (within a second) shows the gap.
      await writer.zIncrBy(`${prefix}revocations`, -1, '#seq')
      while (store.current) await new Promise((resolve) => setImmediate(resolve))
      const again = monitorEventLoopDelay({ resolution: 5 })
      again.enable()
      const t1 = process.hrtime.bigint()
      while (!store.current) await new Promise((resolve) => setImmediate(resolve))
      const reloadMs = Number(process.hrtime.bigint() - t1) / 1e6
      again.disable()
      try {
        const guard = requireSignature({ signer, store })
        const links = Array.from({ length: REQUESTS }, (_, i) => signer.sign(`private/photo-${i % 5000}.jpg`))
        const ratios = []
        const cpu = []
        for (let i = 0; i < 3; i++) for (const g of [guard, baseline]) plainRun(g, links)
        for (let round = 0; round < ROUNDS; round++) {
          // A fresh random order of the two each round.
          const pair = Math.random() < 0.5 ? [guard, baseline] : [baseline, guard]
          const [first, second] = pair.map((g) => plainRun(g, links) / REQUESTS)
          const [ours, base] = pair[0] === guard ? [first, second] : [second, first]
          cpu.push(ours)
          ratios.push(ours / base)
        }
        const sorted = (values) => [...values].sort((a, b) => a - b)
        const r = sorted(ratios)
        const ms = (value) => `${value.toFixed(0).padStart(6)} ms`
        const block = (histogram) => `(${(histogram.max / 1e6).toFixed(1)} ms)`.padStart(11)
        console.log(
          `  ${String(n).padStart(8)} entries${' '.repeat(19)}${ms(loadMs)} ${block(delay)}   ${ms(reloadMs)} ${block(again)} ${perEntry.toFixed(0).padStart(9)} B ${sorted(cpu)[cpu.length >> 1].toFixed(2).padStart(10)} µs   ${r[r.length >> 1].toFixed(3)} (${r[0].toFixed(3)}-${r.at(-1).toFixed(3)})`,
        )
      } finally {
        await store.close()
        await writer.del(`${prefix}revocations`)
      }
    }
  } finally {
    await writer.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
