'use strict'
// Bounded load/soak test: tens of thousands of mixed valid and forged requests against the example app on
// loopback, at high concurrency. Prints throughput, exact status counts against what each request must get,
// errors, and the server's memory before and after. Asserts only correctness: one mismatch fails it.
//
//   npm run soak                       # 40000 requests, 128 at a time, at most 120 s
//   SOAK_REQUESTS=200000 SOAK_CONCURRENCY=256 SOAK_SECONDS=300 npm run soak
const { spawn } = require('node:child_process')
const { randomBytes } = require('node:crypto')
const { readFileSync } = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { createSigner } = require('express-signed-url')

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 40_000)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 128)
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120)

const key = randomBytes(32).toString('base64url')
const signer = createSigner({ key, ttl: '1h' })
const pastSigner = createSigner({ key, now: () => Date.now() - 7_200_000 })
const forger = createSigner({ key: randomBytes(32) })

// Each kind of request, how to make its target, and the one status it must get. Fresh links are signed per
// request so signing is exercised too.
const kinds = [
  { name: 'valid image', status: 200, target: () => signer.sign('private/image.png') },
  { name: 'valid download', status: 200, target: () => signer.sign('private/report.pdf', { ttl: '5m' }) },
  { name: 'valid HEAD', status: 200, method: 'HEAD', target: () => signer.sign('private/image.png') },
  {
    name: 'valid Range',
    status: 206,
    headers: { Range: 'bytes=0-99' },
    target: () => signer.sign('private/image.png'),
  },
  { name: 'valid + cache-buster', status: 200, target: () => `${signer.sign('private/image.png')}&v=${Math.random()}` },
  { name: 'forged signature', status: 403, target: () => forger.sign('private/image.png') },
  { name: 'expired', status: 403, target: () => pastSigner.sign('private/image.png', { ttl: 60 }) },
  {
    name: 'edited expiry',
    status: 403,
    target: () => signer.sign('private/image.png').replace(/expiry=(\d+)/, (_m, e) => `expiry=${Number(e) + 1}`),
  },
  {
    name: 'other file',
    status: 403,
    target: () => signer.sign('private/image.png').replace('image.png', 'report.pdf'),
  },
  { name: 'unsigned', status: 403, target: () => '/private/image.png' },
  {
    name: 'traversal',
    status: 403,
    target: () => signer.sign('private/image.png').replace('/private/', '/private/%2e%2e/private/'),
  },
  {
    name: 'duplicated signature',
    status: 403,
    target: () => {
      const l = signer.sign('private/image.png')
      return `${l}&signature=${l.split('signature=')[1]}`
    },
  },
  { name: 'POST', status: 403, method: 'POST', target: () => signer.sign('private/image.png') },
]

function rssOf(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? `${(Number(match[1]) / 1024).toFixed(1)} MB` : 'unknown'
}

function startServer() {
  const app = path.join(__dirname, '..', 'examples', 'app.js')
  const child = spawn(process.execPath, [app], {
    env: { ...process.env, SIGNING_KEY: key, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const port = /localhost:(\d+)/.exec(out)
      if (port) resolve({ child, port: Number(port[1]) })
    })
    child.on('exit', (code) => reject(new Error(`example app exited with ${code}`)))
  })
}

function request(agent, port, kind) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, agent, method: kind.method ?? 'GET', path: kind.target(), headers: kind.headers },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
        res.on('error', (err) => resolve(err))
      },
    )
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve(err))
    req.end()
  })
}

async function main() {
  const { child, port } = await startServer()
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const counts = new Map(kinds.map((k) => [k.name, { sent: 0, ok: 0, wrong: new Map() }]))
  const byStatus = new Map()
  const expectedByStatus = new Map()
  let errors = 0

  // Warm up, then take the memory baseline.
  for (let i = 0; i < 500; i++) await request(agent, port, kinds[i % kinds.length])
  const rssBefore = rssOf(child.pid)

  const deadline = Date.now() + SECONDS * 1000
  let next = 0
  const started = process.hrtime.bigint()
  async function worker() {
    while (next < TOTAL && Date.now() < deadline) {
      const kind = kinds[next++ % kinds.length]
      const tally = counts.get(kind.name)
      tally.sent++
      expectedByStatus.set(kind.status, (expectedByStatus.get(kind.status) ?? 0) + 1)
      const status = await request(agent, port, kind)
      if (typeof status !== 'number') {
        errors++
        continue
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
      if (status === kind.status) tally.ok++
      else tally.wrong.set(status, (tally.wrong.get(status) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rssAfter = rssOf(child.pid)
  agent.destroy()
  child.kill()

  const sent = [...counts.values()].reduce((n, t) => n + t.sent, 0)
  let mismatches = 0
  console.log(
    `\nsoak: ${sent} requests (${TOTAL} planned), concurrency ${CONCURRENCY}, ${seconds.toFixed(1)} s, ${(sent / seconds).toFixed(0)} requests/s, Node ${process.version}`,
  )
  console.log('\nkind                      expected   sent     as expected   other')
  for (const kind of kinds) {
    const t = counts.get(kind.name)
    const other = [...t.wrong].map(([s, n]) => `${n}x${s}`).join(' ')
    mismatches += t.sent - t.ok
    console.log(
      `${kind.name.padEnd(26)}${String(kind.status).padEnd(11)}${String(t.sent).padEnd(9)}${String(t.ok).padEnd(14)}${other}`,
    )
  }
  console.log('\nstatus   expected   received')
  for (const status of new Set([...expectedByStatus.keys(), ...byStatus.keys()])) {
    console.log(
      `${String(status).padEnd(9)}${String(expectedByStatus.get(status) ?? 0).padEnd(11)}${byStatus.get(status) ?? 0}`,
    )
  }
  console.log(`\nerrors: ${errors}   mismatches: ${mismatches}   server RSS: ${rssBefore} before, ${rssAfter} after`)
  if (sent < TOTAL) console.log(`stopped at the ${SECONDS} s limit before all requests were sent`)
  process.exitCode = mismatches === 0 && errors === 0 ? 0 : 1
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
