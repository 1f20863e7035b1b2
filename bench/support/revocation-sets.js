'use strict'
// Large sets of revocations for bench/store.js: written into Redis as revoke would leave them, loaded by a new Redis
// store (how long, the longest the event loop stood still, the memory per entry, and a reload after a lost
// message), and revoked through a memory store.
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { randomBytes } = require('node:crypto')
const { createMemoryStore, createRedisStore } = require('express-signed-url')

const DAY = 86400
const gc = global.gc ?? (() => undefined)
// What the heap and the typed arrays hold (the copy keeps revoked links in typed arrays, off the heap).
const memory = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

// Resolves once `check()` is true, looking at every turn of the event loop.
async function turnsUntil(check) {
  while (!check()) await new Promise((resolve) => setImmediate(resolve))
}

/** Writes `n` live link revocations under `prefix` in Redis (ZADD in batches, as revoke leaves them). */
async function fillRedis(writer, prefix, n) {
  const until = Math.floor(Date.now() / 1000) + DAY
  for (let done = 0; done < n; done += 10000) {
    const batch = []
    for (let i = done; i < Math.min(n, done + 10000); i++) {
      const signature = randomBytes(32).toString('base64url')
      batch.push({ score: until, value: JSON.stringify({ signature, until }) })
    }
    await writer.zAdd(`${prefix}revocations`, batch)
  }
}

/**
 * A new Redis store on `prefix`, loaded, with how its load went; then a lost message (the count moves on without
 * it, so the next heartbeat, within a second, shows the gap) and how the reload went, timed until it is current.
 */
async function loadedStore(url, writer, prefix, n) {
  gc()
  const before = memory()
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const t0 = process.hrtime.bigint()
  const store = createRedisStore({ url, prefix, timeout: 5000 })
  await store.ready
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  delay.disable()
  gc()
  const perEntry = n === 0 ? 0 : (memory() - before) / n
  await writer.zIncrBy(`${prefix}revocations`, -1, '#seq')
  await turnsUntil(() => !store.current)
  const again = monitorEventLoopDelay({ resolution: 5 })
  again.enable()
  const t1 = process.hrtime.bigint()
  await turnsUntil(() => store.current)
  const reloadMs = Number(process.hrtime.bigint() - t1) / 1e6
  again.disable()
  return { store, loadMs, loadBlock: delay.max / 1e6, reloadMs, reloadBlock: again.max / 1e6, perEntry }
}

/** A memory store holding `n` live link revocations, each made by revoke. */
async function revokedInMemory(n) {
  const store = createMemoryStore()
  const until = Math.floor(Date.now() / 1000) + DAY
  for (let i = 0; i < n; i++)
    await store.revoke(`/r/${i}.png?expiry=${until}&method=get&signature=${randomBytes(32).toString('base64url')}`)
  return store
}

module.exports = { fillRedis, loadedStore, revokedInMemory }
