'use strict'
// What a store costs the guard, per request, in one process: requireSignature on a plain link with no revocation
// check at all (a store whose `revoked` answers false at once), with a memory store holding 1000 revoked links
// and 10 revoked folders, and with a Redis store holding the same (checked from its local copy); the three
// interleaved in rounds, CPU per request and the ratio to the first. Then limited-use links, whose use is counted
// per request: in the memory store and in Redis (one round trip), their CPU and time per request.
// A benchmark, not a test: it prints, and fails only if a request is not served.
//
//   npm run bench:store                # 7 rounds
//   BENCH_ROUNDS=1 BENCH_REQUESTS=500 npm run bench:store   # the smoke run of the engine suite
const { EventEmitter } = require('node:events')
const { randomBytes } = require('node:crypto')
const os = require('node:os')
const { createMemoryStore, createRedisStore, createSigner, requireSignature } = require('express-signed-url')
const { startRedis } = require('./store-harness')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000)
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
    await new Promise((resolve) => guard(request(link), res, resolve))
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
  const redisStore = createRedisStore({ url: redis.url })
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
    console.log('limited-use links (one count per request, one at a time)   CPU/request   time/request')
    const counted = Math.max(50, Math.floor(REQUESTS / 20))
    for (const [name, store] of [
      ['memory store', createMemoryStore()],
      ['Redis store (a Lua script per request)', redisStore],
    ]) {
      const guard = requireSignature({ signer, store })
      const uses = Array.from({ length: counted }, () => signer.sign(`private/once-${serial++}.zip`, { uses: 1 }))
      const { cpu: used, ms } = await countedRun(guard, uses)
      console.log(
        `  ${name.padEnd(54)} ${(used / counted).toFixed(2).padStart(6)} µs   ${((ms * 1000) / counted).toFixed(1)} µs`,
      )
    }
  } finally {
    await redisStore.close()
    await redis.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
