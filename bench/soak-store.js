'use strict'
// A bounded soak of the Redis store: its own redis-server and two app processes sharing it (bench/support/store-harness.js),
// then a shuffled mix of requests, spread over both processes, SOAK_CONCURRENCY at a time:
//   - plain links (200), links revoked through one process before the run (403 ERR_LINK_REVOKED), links under a
//     folder revoked likewise (403 ERR_LINK_REVOKED), forged links (403 ERR_SIGNATURE_INVALID);
//   - limited-use links, each requested more often than it allows, through both processes at once: exactly its
//     uses served (200), the rest refused (410 ERR_USES_EXHAUSTED).
// It prints requests/s, every outcome's count against the expected one, and the apps' RSS; one mismatch fails it.
//
//   npm run soak:store                  # 6000 requests
//   SOAK_STORE=600 npm run soak:store   # the smoke run of the engine suite
const { randomBytes } = require('node:crypto')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { startApp, startRedis } = require('./support/store-harness')

const TOTAL = Number(process.env.SOAK_STORE ?? 6000)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32)
const ROOT = path.join(__dirname, '..', '__tests__', 'fixtures', 'site')
const key = randomBytes(32).toString('base64url')
const signer = createSigner({ key, ttl: '1h' })
// Files outside private/docs/, the folder the soak revokes.
const FILES = ['private/image.png', 'private/a b.png', 'private/sensitive.txt', 'private/videos/42/seg-0.ts']

async function main() {
  const redis = await startRedis()
  const apps = await Promise.all([startApp(redis.url, key, ROOT), startApp(redis.url, key, ROOT)])
  try {
    await run(apps)
  } finally {
    await Promise.all(apps.map((app) => app.stop()))
    await redis.stop()
  }
}

async function run(apps) {
  // A fifth of the requests go to limited-use links: each 3-use link asked 8 times; the rest are spread evenly.
  const limited = Math.max(1, Math.floor(TOTAL / 5 / 8))
  const each = Math.floor((TOTAL - limited * 8) / 4)
  let ttl = 600
  const fresh = (file, options = {}) => signer.sign(file, { ttl: ttl++, ...options })
  const tasks = []
  const expected = {}
  const expect = (outcome, n) => (expected[outcome] = (expected[outcome] ?? 0) + n)
  for (let i = 0; i < each; i++) tasks.push({ link: fresh(FILES[i % FILES.length]) })
  expect('200', each)
  const revoked = Array.from({ length: 50 }, (_, i) => fresh(FILES[i % FILES.length]))
  for (const link of revoked) await apps[0].ask({ revoke: link })
  for (let i = 0; i < each; i++) tasks.push({ link: revoked[i % revoked.length] })
  expect('403 ERR_LINK_REVOKED', each)
  await apps[1].ask({ revokeFolder: 'private/docs/', options: { maxTtl: '2h' } })
  for (let i = 0; i < each; i++) tasks.push({ link: fresh('private/docs/report-2026.pdf') })
  expect('403 ERR_LINK_REVOKED', each)
  for (let i = 0; i < each; i++) {
    const link = fresh(FILES[i % FILES.length])
    tasks.push({ link: `${link.slice(0, -43)}${link.at(-43) === 'A' ? 'B' : 'A'}${link.slice(-42)}` })
  }
  expect('403 ERR_SIGNATURE_INVALID', each)
  for (let i = 0; i < limited; i++) {
    const link = fresh(FILES[i % FILES.length], { uses: 3 })
    for (let n = 0; n < 8; n++) tasks.push({ link })
  }
  expect('200', limited * 3)
  expect('410 ERR_USES_EXHAUSTED', limited * 5)
  // Shuffled, so the uses of one link race each other through both processes.
  for (let i = tasks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[tasks[i], tasks[j]] = [tasks[j], tasks[i]]
  }
  const rssBefore = await Promise.all(apps.map((app) => app.ask({ memory: true }).then((m) => m.rss)))
  const counts = {}
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (next < tasks.length) {
        const task = tasks[next++]
        const reply = await apps[(next + worker) % 2].get(task.link)
        const outcome = reply.code === undefined ? String(reply.status) : `${reply.status} ${reply.code}`
        counts[outcome] = (counts[outcome] ?? 0) + 1
      }
    }),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rssAfter = await Promise.all(apps.map((app) => app.ask({ memory: true }).then((m) => m.rss)))
  const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`
  console.log(
    `${tasks.length} requests through 2 processes sharing one Redis, ${CONCURRENCY} at a time: ` +
      `${seconds.toFixed(1)} s, ${Math.round(tasks.length / seconds)} requests/s`,
  )
  let mismatches = 0
  for (const outcome of [...new Set([...Object.keys(expected), ...Object.keys(counts)])].sort()) {
    const ok = (counts[outcome] ?? 0) === (expected[outcome] ?? 0)
    if (!ok) mismatches++
    console.log(
      `  ${outcome.padEnd(28)} ${String(counts[outcome] ?? 0).padStart(6)}  expected ${expected[outcome] ?? 0}${ok ? '' : '  MISMATCH'}`,
    )
  }
  console.log(`app RSS: ${rssBefore.map(mb).join(', ')} before; ${rssAfter.map(mb).join(', ')} after`)
  if (mismatches > 0 || !apps.every((app) => app.alive())) {
    console.log(`FAILED: ${mismatches} outcome(s) off`)
    process.exitCode = 1
  } else {
    console.log('OK: every request got exactly what it must')
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
