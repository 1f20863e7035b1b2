'use strict'
// signedUpload against a bare handler that only pipes the body to a file (no link, no checks, no digest, no sync),
// both in one server process (bench/support/upload-server.js), interleaved round by round so they share the machine's
// noise. For 1 kB, 1 MB and 50 MB bodies, without and with a `sha256` field: MB/s and server CPU per upload, and
// their ratios. Then ten 50 MB uploads at once to signedUpload, with the server's RSS before and at its peak: the
// body is streamed, never held, so it stays flat. A benchmark, not a test: it prints, and fails only on errors.
//
//   npm run bench:uploads                 # 3 rounds
//   BENCH_ROUNDS=5 npm run bench:uploads
const { createHash, randomBytes } = require('node:crypto')
const { mkdtempSync, readdirSync, rmSync } = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { putBody, pool, startUploadServer } = require('./support/upload-client')

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
    for (const side of ['ours', 'bare'])
      for (const name of readdirSync(path.join(root, side)))
        rmSync(path.join(root, side, name), { recursive: true, force: true })
  }
  let errors = 0
  let serial = 0
  console.log(`Node ${process.version}, ${os.cpus().length} cores; ${ROUNDS} rounds, bare and signedUpload interleaved`)
  console.log('body    sha256  bare MB/s  ours MB/s  ratio  bare CPU/upload  ours CPU/upload')
  for (const size of SIZES) {
    const body = randomBytes(size.bytes)
    const digest = createHash('sha256').update(body).digest('base64url')
    for (const withSha of [false, true]) {
      const total = { bare: { ms: 0, cpu: 0 }, ours: { ms: 0, cpu: 0 } }
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
        for (const side of round % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare']) {
          const target = () =>
            side === 'bare'
              ? '/upload'
              : signer.sign(`r/${(serial++).toString(36)}.bin`, {
                  method: 'put',
                  ...(withSha ? { sha256: digest } : {}),
                })
          const tasks = Array.from({ length: size.count }, () => {
            const t = target()
            return () => putBody(server.ports[side], t, body)
          })
          const cpu0 = (await server.ask('cpu')).cpu
          const t0 = process.hrtime.bigint()
          const statuses = await pool(tasks, size.concurrency)
          total[side].ms += Number(process.hrtime.bigint() - t0) / 1e6
          total[side].cpu += (await server.ask('cpu')).cpu - cpu0
          errors += statuses.filter((s) => s !== 201).length
          clear()
        }
      }
      const mbps = (side) => (size.bytes * size.count * ROUNDS) / 1e6 / (total[side].ms / 1000)
      const cpuPer = (side) => total[side].cpu / 1000 / (size.count * ROUNDS)
      console.log(
        `${size.label.padEnd(7)} ${(withSha ? 'yes' : 'no').padEnd(7)} ${mbps('bare').toFixed(1).padStart(9)}  ` +
          `${mbps('ours').toFixed(1).padStart(9)}  ${(mbps('ours') / mbps('bare')).toFixed(2).padStart(5)}  ` +
          `${cpuPer('bare').toFixed(2).padStart(12)} ms  ${cpuPer('ours').toFixed(2).padStart(12)} ms`,
      )
    }
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
