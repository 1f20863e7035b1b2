'use strict'
// What a store costs, per request, in one process; every table's rows interleaved in a fresh random order each
// round, CPU from process.cpuUsage, medians with their range over the rounds, ratios taken round by round.
//  1. The revocation check: requireSignature on plain links with no check at all, with a memory store holding 1000
//     revoked links and 10 folders, and with a Redis store holding the same (its local copy).
//  2. Limited-use links against a bare INCR round trip on the same node-redis client (target: within 1.3x, in CPU
//     and in time), one request at a time: the store's use (take, then settle once served, as the guard asks it),
//     and requireSignature itself; on Redis as the test harness starts it (AOF, fsync always: each write waits for
//     the disk) and with fsync every second (Redis's default AOF policy, where Redis's own time shows).
//  3. Revocations held: a Redis store's copy at each size (load, reload, memory, check), and the guard on plain
//     links with the largest size held against none, memory store and Redis copy (target: within 1.10x).
// A benchmark, not a test: it prints, and fails only if a request is not served.
//
//   npm run bench:store                # 7 rounds; sizes up to 1M
//   BENCH_ROUNDS=1 BENCH_REQUESTS=1000 BENCH_SIZES=0,1000 npm run bench:store   # the smoke run of the engine suite
const { randomBytes } = require('node:crypto')
const os = require('node:os')
const { createClient } = require('redis')
const { createMemoryStore, createRedisStore, createSigner, requireSignature } = require('express-signed-url')
const { command, startRedis } = require('./support/store-harness')
const { startReplica } = require('./support/redis-deployments')
const bench = require('./support/store-bench')
const { countedRun, interleaved, median, plainRun, printTimes, ratios, row, spread, useRun } = bench
const { fillRedis, loadedStore, revokedInMemory } = require('./support/revocation-sets')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000)
const SIZES = (process.env.BENCH_SIZES ?? '0,1000,100000,1000000').split(',').map(Number)
const COUNTED = Math.max(50, Math.floor(REQUESTS / 20))
// Plain links cost a few µs each: twice the rounds, for the spread of a ratio to resolve 10%.
const PLAIN_ROUNDS = 2 * ROUNDS + 1
const signer = createSigner({ key: randomBytes(32).toString('base64url'), ttl: '1h' })
const UNTIL = Math.floor(Date.now() / 1000) + 7200
let serial = 0
const plainLinks = () => Array.from({ length: REQUESTS }, () => signer.sign(`private/photo-${serial++ % 5000}.jpg`))
const onceLinks = () => Array.from({ length: COUNTED }, () => signer.sign(`private/once-${serial++}.zip`, { uses: 1 }))
const plain = (guard) => ({ run: (links) => plainRun(guard, links), input: plainLinks })
const counted = (store) => ({
  run: (links) => countedRun(requireSignature({ signer, store }), links),
  input: onceLinks,
})
const none = () => ({ ...createMemoryStore(), revoked: () => false })

async function revokeSome(store) {
  for (let i = 0; i < 1000; i++) await store.revoke(signer.sign(`private/revoked-${i}.png`))
  for (let i = 0; i < 10; i++) await store.revokeFolder(`private/gone-${i}/`, { maxTtl: '1d' })
}

async function revocationChecks(redisStore) {
  const memory = createMemoryStore()
  await revokeSome(memory)
  await revokeSome(redisStore)
  const results = await interleaved(
    {
      'no revocation check': plain(requireSignature({ signer, store: none() })),
      'memory store, 1000 links + 10 folders revoked': plain(requireSignature({ signer, store: memory })),
      'Redis store, the same (local copy)': plain(requireSignature({ signer, store: redisStore })),
    },
    PLAIN_ROUNDS,
  )
  console.log(`\n1. plain links, revocation checked${' '.repeat(26)}CPU/request   ratio to no check`)
  const base = results['no revocation check']
  for (const [name, runs] of Object.entries(results))
    row(name, `${median(runs.map((r) => r.cpu)).toFixed(2)} µs   ${spread(ratios(runs, base, 'cpu'), 3)}`)
}

// Limited-use links on the Redis at `port` (a client of its own, given to the stores), against a bare INCR on that
// client; `extra` adds rows (other stores) to the same rounds.
async function usesAgainstIncr(redis, title, extra = {}) {
  const client = createClient({ url: redis.url, disableOfflineQueue: true })
  await client.connect()
  const store = createRedisStore({ client, timeout: 10_000 })
  try {
    await store.ready
    const keys = () => Array.from({ length: COUNTED }, () => `bench:incr:${serial++}`)
    const untimed = { timeout: 0 }
    const tasks = {
      'bare INCR (no per-command timer, as the store sends)': {
        run: async (list) => {
          for (const key of list) await client.sendCommand(['INCR', key], untimed)
        },
        input: keys,
      },
      'bare INCR (node-redis defaults: its own 5 s timer)': {
        run: async (list) => {
          for (const key of list) await client.incr(key)
        },
        input: keys,
      },
      "the store's use: take, then settle once served": {
        run: (signatures) => useRun(store, signatures, UNTIL),
        input: () => Array.from({ length: COUNTED }, () => randomBytes(32).toString('base64url')),
      },
      'Redis store (a Lua script per request)': counted(store),
      ...extra,
    }
    await command(redis.port, 'CONFIG', 'RESETSTAT')
    const results = await interleaved(tasks, ROUNDS)
    const stats = String(await command(redis.port, 'INFO', 'commandstats'))
    const own = (name) => /usec_per_call=([\d.]+)/.exec(stats.split('\r\n').find((l) => l.includes(`_${name}:`)))?.[1]
    console.log(`\n2. limited-use links, one request at a time; ${title}`)
    console.log(`${' '.repeat(61)}CPU/request   time/request   wait to serve (µs: median, range)`)
    printTimes(results)
    const base = results['bare INCR (no per-command timer, as the store sends)']
    for (const [name, label] of [
      ["the store's use: take, then settle once served", "the store's use"],
      ['Redis store (a Lua script per request)', 'requireSignature'],
    ]) {
      const [c, t, w] = ['cpu', 'time', 'wait'].map((key) => spread(ratios(results[name], base, key)))
      row(`ratio, ${label} to the bare INCR (target 1.3)`, `CPU ${c}   time ${t}   wait ${w}`)
    }
    row("Redis's own time per call (INFO commandstats)", `INCR ${own('incr')} µs, EVALSHA ${own('evalsha')} µs`)
  } finally {
    await store.close()
    await client.close()
  }
}

async function heldRevocations(redis) {
  const writer = createClient({ url: redis.url })
  await writer.connect()
  const base = plain(requireSignature({ signer, store: none() }))
  const largest = Math.max(...SIZES)
  const kept = {}
  console.log('\n3. a Redis store holding n live revocations in its copy')
  console.log('         n   load (longest block)   reload (longest block)   memory/entry   check/request   to no check')
  try {
    for (const n of SIZES) {
      const prefix = `bench-${n}:`
      await fillRedis(writer, prefix, n)
      const loaded = await loadedStore(redis.url, writer, prefix, n)
      const check = plain(requireSignature({ signer, store: loaded.store }))
      const runs = await interleaved({ check, base }, PLAIN_ROUNDS)
      const ms = (value) => `${value.toFixed(0).padStart(6)} ms`
      const block = (value) => `(${value.toFixed(1)} ms)`.padStart(11)
      console.log(
        `  ${String(n).padStart(8)} entries ${ms(loaded.loadMs)} ${block(loaded.loadBlock)}   ${ms(loaded.reloadMs)} ${block(loaded.reloadBlock)} ${loaded.perEntry.toFixed(0).padStart(9)} B ${median(
          runs.check.map((r) => r.cpu),
        )
          .toFixed(2)
          .padStart(10)} µs   ${spread(ratios(runs.check, runs.base, 'cpu'), 3)}`,
      )
      if (n === 0 || n === largest) kept[n] = loaded.store
      else await loaded.store.close()
      await writer.del(`${prefix}revocations`)
    }
    const memory = { 0: createMemoryStore(), [largest]: await revokedInMemory(largest) }
    const guard = (store) => plain(requireSignature({ signer, store }))
    const results = await interleaved(
      {
        'memory 0': guard(memory[0]),
        'memory n': guard(memory[largest]),
        'redis 0': guard(kept[0] ?? kept[largest]),
        'redis n': guard(kept[largest]),
      },
      PLAIN_ROUNDS,
    )
    console.log(`\n   the guard on plain links, ${largest} revocations held against none   CPU ratio (target 1.10)`)
    row('memory store', spread(ratios(results['memory n'], results['memory 0'], 'cpu'), 3))
    row("Redis store's local copy", spread(ratios(results['redis n'], results['redis 0'], 'cpu'), 3))
  } finally {
    for (const store of new Set(Object.values(kept))) await store.close()
    await writer.close()
  }
}

async function main() {
  const redis = await startRedis()
  const everySecond = await startRedis({ args: ['--appendfsync', 'everysec'] })
  const redisStore = createRedisStore({ url: redis.url, timeout: 10_000 })
  try {
    await redisStore.ready
    console.log(`Node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0].model}; ${ROUNDS} rounds`)
    await revocationChecks(redisStore)
    const replica = await startReplica(redis)
    const replicated = createRedisStore({ url: redis.url, waitForReplicas: 1, timeout: 10_000 })
    try {
      await replicated.ready
      await usesAgainstIncr(redis, 'Redis as the test harness starts it (AOF, fsync always), one replica', {
        'memory store': counted(createMemoryStore()),
        'Redis store, waitForReplicas: 1 (one replica)': counted(replicated),
      })
    } finally {
      await replicated.close()
      await replica.stop()
    }
    await usesAgainstIncr(everySecond, "AOF, fsync every second (Redis's default AOF policy), no replica")
    await heldRevocations(redis)
  } finally {
    await redisStore.close()
    await Promise.all([everySecond.stop(), redis.stop()])
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
