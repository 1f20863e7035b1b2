'use strict'
// signedUpload against a durable hand-written handler (no link and no checks, but the same steps to keep a file:
// stream to a temporary beside it, fsync, rename, fsync the folder; with a digest, the SHA-256 checked as it streams),
// both in one server process (bench/support/upload-server.js). Each round runs both, in a fresh random order, so
// they share the machine's noise; ratios are taken round by round and printed as the median with their min–max. For
// 1 kB, 1 MB and 50 MB bodies, without and with a `sha256` field: MB/s and server CPU per upload, and their ratios.
// Then resumable uploads (tus-js-client, 8 MB chunks) against single PUTs, both through signedUpload. Then ten 50 MB
// uploads at once to signedUpload, with the server's RSS before and at its peak: the body is streamed, never held,
// so it stays flat. A benchmark, not a test: it prints, and fails only on errors.
//
//   npm run bench:uploads                 # 5 rounds
//   BENCH_ROUNDS=9 npm run bench:uploads
const { createHash, randomBytes } = require('node:crypto')
const { existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { putBody, pool, startUploadServer, tusBody } = require('./support/upload-client')
const { machine, shuffle, spread } = require('./support/rounds')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
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
    for (const side of ['ours', 'durable', 'partial'])
      for (const name of existsSync(path.join(root, side)) ? readdirSync(path.join(root, side)) : [])
        rmSync(path.join(root, side, name), { recursive: true, force: true })
  }
  let errors = 0
  let serial = 0
  console.log(`${machine()}; ${ROUNDS} rounds, durable and signedUpload in a fresh random order each round`)
  console.log('ratio: ours / durable in MB/s, and durable / ours in CPU per upload, round by round: median (min–max)')
  console.log(
    'body    sha256  durable MB/s  ours MB/s  ratio  durable CPU/upload  ours CPU/upload  CPU ratio  MB/s min–max',
  )
  /**
   * Two kinds of upload of one size, each round in a random order: `size.count` uploads made by `task(kind)`, then
   * its MB/s and server CPU per upload. Returns each kind's medians, and the per-round ratios' spreads.
   */
  const interleaved = async (kinds, size, task) => {
    const runs = Object.fromEntries(kinds.map((kind) => [kind, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of shuffle(kinds)) {
        const tasks = Array.from({ length: size.count }, () => task(kind))
        const cpu0 = (await server.ask('cpu')).cpu
        const t0 = process.hrtime.bigint()
        const statuses = await pool(tasks, size.concurrency)
        const ms = Number(process.hrtime.bigint() - t0) / 1e6
        const cpu = (await server.ask('cpu')).cpu - cpu0
        runs[kind].push({ mbps: (size.bytes * size.count) / 1e6 / (ms / 1000), cpu: cpu / 1000 / size.count })
        errors += statuses.filter((s) => s !== 201).length
        clear()
      }
    }
    const [base, other] = kinds
    const median = (kind, figure) => spread(runs[kind].map((r) => r[figure])).median
    return {
      mbps: (kind) => median(kind, 'mbps'),
      cpuPer: (kind) => median(kind, 'cpu'),
      mbpsRatio: spread(runs[other].map((r, i) => r.mbps / runs[base][i].mbps)),
      cpuRatio: spread(runs[other].map((r, i) => runs[base][i].cpu / r.cpu)),
    }
  }
  const range = ({ min, max }) => `${min.toFixed(2)}–${max.toFixed(2)}`
  const link = (prefix, options = {}) =>
    signer.sign(`${prefix}/${(serial++).toString(36)}.bin`, { method: 'put', ...options })
  for (const size of SIZES) {
    const body = randomBytes(size.bytes)
    const digest = createHash('sha256').update(body).digest('base64url')
    for (const withSha of [false, true]) {
      const { mbps, cpuPer, mbpsRatio, cpuRatio } = await interleaved(['durable', 'ours'], size, (side) => {
        const target =
          side === 'durable'
            ? `/upload${withSha ? `?sha256=${digest}` : ''}`
            : link('r', withSha ? { sha256: digest } : {})
        return () => putBody(server.ports[side], target, body)
      })
      console.log(
        `${size.label.padEnd(7)} ${(withSha ? 'yes' : 'no').padEnd(7)} ${mbps('durable').toFixed(1).padStart(12)}  ` +
          `${mbps('ours').toFixed(1).padStart(9)}  ${mbpsRatio.median.toFixed(2).padStart(5)}  ` +
          `${cpuPer('durable').toFixed(2).padStart(15)} ms  ${cpuPer('ours').toFixed(2).padStart(12)} ms` +
          `${cpuRatio.median.toFixed(2).padStart(11)}  ${range(mbpsRatio).padStart(12)}`,
      )
    }
  }
  // Resumable against single PUT, both through signedUpload: what tus's creation and chunking cost.
  const CHUNK = 8 * 1024 * 1024
  console.log(
    `\nresumable (tus, ${CHUNK / 1024 / 1024} MB chunks) against one PUT, both signedUpload, in a random order each round`,
  )
  console.log('body    PUT MB/s  tus MB/s  ratio  PUT CPU/upload  tus CPU/upload  MB/s min–max')
  for (const size of QUICK ? [SIZES[1]] : SIZES.slice(1)) {
    const body = randomBytes(size.bytes)
    const { mbps, cpuPer, mbpsRatio } = await interleaved(['put', 'tus'], size, (kind) => {
      const target = link('t')
      return kind === 'put'
        ? () => putBody(server.ports.ours, target, body)
        : () => tusBody(server.ports.ours, target, body, CHUNK)
    })
    console.log(
      `${size.label.padEnd(7)} ${mbps('put').toFixed(1).padStart(8)}  ${mbps('tus').toFixed(1).padStart(8)}  ` +
        `${mbpsRatio.median.toFixed(2).padStart(5)}  ${cpuPer('put').toFixed(2).padStart(11)} ms  ` +
        `${cpuPer('tus').toFixed(2).padStart(11)} ms  ${range(mbpsRatio).padStart(12)}`,
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
