'use strict'
// Where a request's server CPU goes: the bench server (bench/support/http-server.js) answers loopback requests for a
// 1 kB file through signedStatic under the V8 CPU profiler, and this prints the guard's share of its busy CPU (the
// self time of functions from this package's dist/, against every sample but idle), with and without the Node
// built-ins the guard calls directly (the HMAC's crypto.hash), over a few runs; issue 29's target is at most 2.5%.
// Then verify() alone, in this process: its functions by self time.
//
//   npm run bench:profile                          # 3 profiled runs of 4 s, then 2 s of verify()
//   BENCH_PROFILE_RUNS=5 BENCH_PROFILE_SECONDS=6 npm run bench:profile
const { randomBytes } = require('node:crypto')
const fs = require('node:fs')
const { Session } = require('node:inspector')
const os = require('node:os')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { load, startHttpServer } = require('./support/http-client')
const { summarize } = require('./support/profile-summary')
const { machine, spread } = require('./support/rounds')

const RUNS = Number(process.env.BENCH_PROFILE_RUNS ?? 3)
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 4)
const CONNECTIONS = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 16)
const TARGET = 2.5

const percent = (part, whole) => (100 * part) / whole
const line = ([name, time], whole) => `    ${percent(time, whole).toFixed(1).padStart(5)}%  ${name}`

async function serverProfile() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-profile-'))
  fs.mkdirSync(path.join(root, 'private'))
  fs.writeFileSync(path.join(root, 'private', '1kB.bin'), randomBytes(1024))
  const key = randomBytes(32).toString('base64url')
  const server = await startHttpServer(root, key)
  const url = `http://127.0.0.1:${server.ports.ours}${createSigner({ key, ttl: '1d' }).sign('private/1kB.bin')}`
  const shares = []
  const withCalls = []
  let last
  try {
    await load(url, { connections: CONNECTIONS, seconds: Math.min(SECONDS, 2) }) // warm up, not profiled
    for (let run = 0; run < RUNS; run++) {
      await server.ask('profile-start')
      const result = await load(url, { connections: CONNECTIONS, seconds: SECONDS })
      last = await server.ask('profile-stop')
      last.requests = result.requests.total
      shares.push(percent(last.ours, last.total))
      withCalls.push(percent(last.oursWithCalls, last.total))
    }
  } finally {
    server.stop()
    fs.rmSync(root, { recursive: true, force: true })
  }
  const s = spread(shares)
  const w = spread(withCalls)
  const range = (x) => `median ${x.median.toFixed(2)}%, ${x.min.toFixed(2)}–${x.max.toFixed(2)}% over ${RUNS} runs`
  console.log(
    `signedStatic, 1 kB file, ${CONNECTIONS} connections on loopback, ${RUNS} profiled runs of ${SECONDS} s; share of ` +
      "the server's busy CPU (every sample but idle)",
  )
  console.log(`  the guard (self time of functions from dist/): ${range(s)}`)
  console.log(`    target ≤ ${TARGET}%: ${s.median <= TARGET ? 'meets' : 'MISSES'}; each run: ${fmt(shares)}`)
  console.log(`  with the Node built-ins it calls directly (crypto.hash, Buffer writes): ${range(w)}`)
  console.log(`    each run: ${fmt(withCalls)}`)
  console.log(`  the last run (${last.requests} requests), dist/ functions by self time:`)
  for (const entry of last.topOurs) console.log(line(entry, last.total))
  console.log('  and every function by self time:')
  for (const entry of last.top) console.log(line(entry, last.total))
  console.log('')
}

const fmt = (values) => values.map((v) => `${v.toFixed(2)}%`).join(', ')

async function verifyProfile() {
  const signer = createSigner({ key: randomBytes(32) })
  const link = signer.sign('private/images/photo-2026-11-28.jpg')
  if (!signer.verify(link).ok) throw new Error('the link to profile does not verify')
  const session = new Session()
  session.connect()
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 100 })
  await post('Profiler.start')
  let accepted = 0
  const end = Date.now() + (SECONDS / 2) * 1000
  while (Date.now() < end) for (let i = 0; i < 1000; i++) accepted += signer.verify(link).ok ? 1 : 0
  const { profile } = await post('Profiler.stop')
  session.disconnect()
  const summary = summarize(profile)
  console.log(`verify() profile: ${accepted} verifications in ${SECONDS / 2} s, in this process; self time by function`)
  for (const entry of summary.top) console.log(line(entry, summary.total))
}

async function main() {
  console.log(`express-signed-url profiles: ${machine()}\n`)
  await serverProfile()
  await verifyProfile()
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
