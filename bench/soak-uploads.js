'use strict'
// Bounded upload soak: thousands of uploads of every kind (whole, with a digest, wrong digest, too large declared or
// chunked, wrong type, a get link, a forged link, onto an existing file, pairs racing to one path, clients that go
// away mid-body) against signedUpload on loopback. Prints uploads/s, MB/s, the exact count of each status against
// what each upload must get, the temporaries left (must be 0), every landed file checked against its digest, and
// the server's memory. One mismatch fails it.
//
//   npm run soak:uploads                                     # 3000 uploads, 32 at a time, at most 120 s
//   SOAK_UPLOADS=20000 SOAK_CONCURRENCY=64 SOAK_SECONDS=600 npm run soak:uploads
const { createHash, randomBytes } = require('node:crypto')
const { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createSigner } = require('express-signed-url')
const { putBody, pool, startUploadServer } = require('./support/upload-client')

const TOTAL = Number(process.env.SOAK_UPLOADS ?? 3000)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32)
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120)
const MAX_BYTES = 1_000_000

const key = randomBytes(32).toString('base64url')
const signer = createSigner({ key, ttl: '1h' })
const forger = createSigner({ key: randomBytes(32) })
const sha = (bytes) => createHash('sha256').update(bytes).digest('base64url')
const body = (n) => randomBytes(n)
let serial = 0
const fresh = () => `u/${(serial++).toString(36)}.bin`
const put = (file, options) => signer.sign(file, { method: 'put', ...options })

// Each kind: what it sends, and the statuses it must get (a race pair answers twice). `landed` lists the files that
// must exist afterwards with the digest they must have.
const landed = []
const kinds = [
  {
    name: 'whole (Content-Length)',
    expect: [201],
    run: async (port) => {
      const [file, b] = [fresh(), body(64_000)]
      landed.push([file, sha(b)])
      return [await putBody(port, put(file), b)]
    },
  },
  {
    name: 'whole, chunked, with its digest',
    expect: [201],
    run: async (port) => {
      const [file, b] = [fresh(), body(100_000)]
      landed.push([file, sha(b)])
      return [await putBody(port, put(file, { sha256: sha(b) }), b, { chunked: true })]
    },
  },
  {
    name: 'wrong digest',
    expect: [422],
    run: async (port) => [await putBody(port, put(fresh(), { sha256: sha(body(10)) }), body(20_000))],
  },
  {
    name: "over the link's maxBytes, declared",
    expect: [413],
    run: async (port) => [await putBody(port, put(fresh(), { maxBytes: 1000 }), body(1001))],
  },
  {
    name: "over the server's cap, chunked",
    expect: [413],
    run: async (port) => [await putBody(port, put(fresh()), body(MAX_BYTES + 1), { chunked: true })],
  },
  {
    name: 'a type the link does not name',
    expect: [415],
    run: async (port) => [
      await putBody(port, put(fresh(), { contentType: 'image/png' }), body(100), {
        headers: { 'Content-Type': 'text/html' },
      }),
    ],
  },
  { name: 'a get link', expect: [403], run: async (port) => [await putBody(port, signer.sign(fresh()), body(100))] },
  {
    name: 'a forged upload link',
    expect: [403],
    run: async (port) => [await putBody(port, forger.sign(fresh(), { method: 'put' }), body(100))],
  },
  {
    name: 'onto an existing file',
    expect: [409],
    run: async (port) => [await putBody(port, put('existing.bin'), body(100))],
  },
  {
    name: 'two racing to one path',
    expect: [201, 409],
    run: async (port) => {
      const file = fresh()
      const [a, b] = [body(30_000), body(30_000)]
      landed.push([file, [sha(a), sha(b)]])
      return (await Promise.all([putBody(port, put(file), a), putBody(port, put(file), b)])).sort()
    },
  },
  {
    name: 'client gone mid-body',
    expect: ['aborted'],
    run: async (port) => [await putBody(port, put(fresh()), body(50_000), { abortAfter: 1 + (serial % 49_000) })],
  },
]

async function main() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'soak-uploads-'))
  const server = await startUploadServer(root, key, { BENCH_MAX_BYTES: String(MAX_BYTES) })
  const folder = path.join(root, 'ours')
  mkdirSync(path.join(folder, 'u'), { recursive: true })
  writeFileSync(path.join(folder, 'existing.bin'), 'kept')
  const port = server.ports.ours
  const rssBefore = (await server.ask('rss')).rss
  const deadline = Date.now() + SECONDS * 1000
  const counts = kinds.map(() => new Map())
  let bytes = 0
  let done = 0
  let mismatches = 0
  const started = Date.now()
  const tasks = Array.from({ length: TOTAL }, (_, i) => async () => {
    if (Date.now() > deadline) return
    const kind = kinds[i % kinds.length]
    const got = await kind.run(port)
    const seen = counts[i % kinds.length]
    for (const status of got) seen.set(status, (seen.get(status) ?? 0) + 1)
    if (JSON.stringify(got) !== JSON.stringify(kind.expect)) mismatches++
    done++
  })
  await pool(tasks, CONCURRENCY)
  const seconds = (Date.now() - started) / 1000
  const { leftovers } = await server.ask('settle')
  const { rss, peak } = await server.ask('rss')
  // Every file that landed is whole: its digest is one of the bodies sent to it.
  let corrupt = 0
  for (const [file, digests] of landed) {
    const bytesOnDisk = readFileSync(path.join(folder, file))
    bytes += bytesOnDisk.length
    if (![digests].flat().includes(sha(bytesOnDisk))) corrupt++
  }
  const kept = readFileSync(path.join(folder, 'existing.bin'), 'utf8') === 'kept'
  server.stop()
  rmSync(root, { recursive: true, force: true })

  console.log(`${done} of ${TOTAL} uploads in ${seconds.toFixed(1)} s, ${CONCURRENCY} at a time`)
  console.log(`${(done / seconds).toFixed(0)} uploads/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s landed`)
  for (const [i, kind] of kinds.entries()) {
    const got = [...counts[i]].map(([s, n]) => `${s}: ${n}`).join(', ')
    const runs = Math.floor(done / kinds.length) + (i < done % kinds.length ? 1 : 0)
    const want = [...new Set(kind.expect)].map((s) => `${s}: ${runs * kind.expect.filter((e) => e === s).length}`)
    console.log(`  ${kind.name.padEnd(36)} ${got.padEnd(22)} expected ${want.join(', ')}`)
  }
  console.log(`landed files checked: ${landed.length}, corrupt: ${corrupt}; existing file kept: ${kept}`)
  console.log(`temporaries left: ${leftovers}`)
  console.log(
    `server RSS: ${(rssBefore / 1e6).toFixed(0)} MB before, ${(peak / 1e6).toFixed(0)} MB peak, ${(rss / 1e6).toFixed(0)} MB after`,
  )
  const failed = mismatches > 0 || leftovers > 0 || corrupt > 0 || !kept || done < TOTAL
  if (done < TOTAL) console.log(`stopped at the ${SECONDS} s bound`)
  console.log(failed ? `FAILED: ${mismatches} mismatches` : 'OK: every upload got exactly what it must')
  process.exitCode = failed ? 1 : 0
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
