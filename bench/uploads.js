'use strict'
// signedUpload against a bare handler that only pipes the body to a file (no link, no checks, no digest, no sync),
// both in one server process (bench/support/upload-server.js), interleaved round by round so they share the machine's
// noise. For 1 kB, 1 MB and 50 MB bodies, without and with a `sha256` field: MB/s and server CPU per upload, and
// their ratios. Then resumable uploads (tus-js-client, 8 MB chunks) against single PUTs, both through signedUpload.
// Then ten 50 MB uploads at once to signedUpload, with the server's RSS before and at its peak: the
// body is streamed, never held, so it stays flat. A benchmark, not a test: it prints, and fails only on errors.
//
//   npm run bench:uploads                 # 3 rounds
//   BENCH_ROUNDS=5 npm run bench:uploads
const { createHash, randomBytes } = require('node:crypto')
const { existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { putBody, pool, startUploadServer, tusBody } = require('./support/upload-client')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
// Smaller sizes for the smoke run in the engine suite (BENCH_QUICK=1): the same code, seconds instead of minutes.
const QUICK = process.env.BENCH_QUICK === '1'
const SIZES = QUICK
  ? [
      { label: '1 kB', bytes: 1000, count: 20, concurrency: 4 },
      { label: '1 MB', bytes: 1e6, count: 4, concurrency: 2 },
    ]
  : [
      { label: '1 kB', bytes: 1000, count: 300, concurrency: 8 },
      { label: '1 MB', bytes: 1e6, count: 60, concurrency: 4 },
      { label: '50 MB', bytes: 50e6, count: 4, concurrency: 2 },
    ]
const key = randomBytes(32).toString('base64url')
const signer = createSigner({ key, ttl: '1h' })

async function main() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-uploads-'))
  const server = await startUploadServer(root, key)
  const clear = () => {
    // The partial folder holds the tus rows' finished uploads under a second name until swept.
    for (const side of ['ours', 'bare', 'partial'])
      for (const name of existsSync(path.join(root, side)) ? readdirSync(path.join(root, side)) : [])
        rmSync(path.join(root, side, name), { recursive: true, force: true })
  }
  let errors = 0
  let serial = 0
  console.log(`Node ${process.version}, ${os.cpus().length} cores; ${ROUNDS} rounds, bare and signedUpload interleaved`)
  console.log('body    sha256  bare MB/s  ours MB/s  ratio  bare CPU/upload  ours CPU/upload')
  /**
   * Two kinds of upload of one size, interleaved round by round (which goes first alternates, so neither always runs
   * on a warmer or busier machine): each round `size.count` uploads made by `task(kind)`, then its MB/s and server
   * CPU per upload, totalled over the rounds.
   */
  const interleaved = async (kinds, size, task) => {
    const total = Object.fromEntries(kinds.map((kind) => [kind, { ms: 0, cpu: 0 }]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const tasks = Array.from({ length: size.count }, () => task(kind))
        const cpu0 = (await server.ask('cpu')).cpu
        const t0 = process.hrtime.bigint()
        const statuses = await pool(tasks, size.concurrency)
        total[kind].ms += Number(process.hrtime.bigint() - t0) / 1e6
        total[kind].cpu += (await server.ask('cpu')).cpu - cpu0
        errors += statuses.filter((s) => s !== 201).length
        clear()
      }
    }
    const mbps = (kind) => (size.bytes * size.count * ROUNDS) / 1e6 / (total[kind].ms / 1000)
    const cpuPer = (kind) => total[kind].cpu / 1000 / (size.count * ROUNDS)
    return { mbps, cpuPer }
  }
  const link = (prefix, options = {}) =>
    signer.sign(`${prefix}/${(serial++).toString(36)}.bin`, { method: 'put', ...options })
  for (const size of SIZES) {
    const body = randomBytes(size.bytes)
    const digest = createHash('sha256').update(body).digest('base64url')
    for (const withSha of [false, true]) {
      const { mbps, cpuPer } = await interleaved(['bare', 'ours'], size, (side) => {
        const target = side === 'bare' ? '/upload' : link('r', withSha ? { sha256: digest } : {})
        return () => putBody(server.ports[side], target, body)
      })
      console.log(
        `${size.label.padEnd(7)} ${(withSha ? 'yes' : 'no').padEnd(7)} ${mbps('bare').toFixed(1).padStart(9)}  ` +
          `${mbps('ours').toFixed(1).padStart(9)}  ${(mbps('ours') / mbps('bare')).toFixed(2).padStart(5)}  ` +
          `${cpuPer('bare').toFixed(2).padStart(12)} ms  ${cpuPer('ours').toFixed(2).padStart(12)} ms`,
      )
    }
  }
  // Resumable against single PUT, both through signedUpload: what tus's creation and chunking cost.
  const CHUNK = 8 * 1024 * 1024
  console.log(`\nresumable (tus, ${CHUNK / 1024 / 1024} MB chunks) against one PUT, both signedUpload, interleaved`)
  console.log('body    PUT MB/s  tus MB/s  ratio  PUT CPU/upload  tus CPU/upload')
  for (const size of QUICK ? [SIZES[1]] : SIZES.slice(1)) {
    const body = randomBytes(size.bytes)
    const { mbps, cpuPer } = await interleaved(['put', 'tus'], size, (kind) => {
      const target = link('t')
      return kind === 'put'
        ? () => putBody(server.ports.ours, target, body)
        : () => tusBody(server.ports.ours, target, body, CHUNK)
    })
    console.log(
      `${size.label.padEnd(7)} ${mbps('put').toFixed(1).padStart(8)}  ${mbps('tus').toFixed(1).padStart(8)}  ` +
        `${(mbps('tus') / mbps('put')).toFixed(2).padStart(5)}  ${cpuPer('put').toFixed(2).padStart(11)} ms  ` +
        `${cpuPer('tus').toFixed(2).padStart(11)} ms`,
    )
  }
  // Ten large uploads at once: the server's memory is what it was, plus buffers, never the bodies.
  const big = randomBytes(QUICK ? 5e6 : 50e6)
  const before = (await server.ask('rss')).rss
  const statuses = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      putBody(server.ports.ours, signer.sign(`big/${i}.bin`, { method: 'put' }), big),
    ),
  )
  errors += statuses.filter((s) => s !== 201).length
  const { peak } = await server.ask('rss')
  const mb = (n) => (n / 1e6).toFixed(0)
  console.log(
    `ten ${mb(big.length)} MB uploads at once: server RSS ${mb(before)} MB before, ${mb(peak)} MB at its peak ` +
      `(+${mb(peak - before)} MB for ${mb(10 * big.length)} MB received)`,
  )
  server.stop()
  rmSync(root, { recursive: true, force: true })
  if (errors > 0) console.log(`FAILED: ${errors} uploads did not answer 201`)
  process.exitCode = errors > 0 ? 1 : 0
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
