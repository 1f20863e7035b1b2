'use strict'
// HTTP benchmark on loopback: requests/s and latency of signedStatic against plain express.static for the same
// 1 kB and 1 MB files, and the `signed` package's verifier in front of express.static, in alternating rounds
// of one run. Ratios are taken round by round against express.static, then the median is printed.
//
//   npm run bench:http                                   # 3 rounds of 3 s per server and size
//   BENCH_HTTP_ROUNDS=5 BENCH_HTTP_SECONDS=5 npm run bench:http
const { spawn } = require('node:child_process')
const { randomBytes } = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const autocannon = require('autocannon')
const signedPeer = require('signed').default
const { createSigner } = require('express-signed-url')

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32)
// A fixed number of requests per load instead of a duration: for a quick smoke run (the test suite's).
const AMOUNT = process.env.BENCH_HTTP_AMOUNT === undefined ? undefined : Number(process.env.BENCH_HTTP_AMOUNT)

function startServers(root, key) {
  const child = spawn(process.execPath, [path.join(__dirname, 'support', 'http-server.js')], {
    env: { ...process.env, BENCH_ROOT: root, BENCH_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve({ child, ports: JSON.parse(String(d)) }))
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
}

// The server's CPU time (µs) and requests served so far, asked over IPC.
function serverStats(child) {
  return new Promise((resolve) => {
    child.once('message', resolve)
    child.send('stats')
  })
}

function load(url) {
  return new Promise((resolve, reject) => {
    const size = AMOUNT === undefined ? { duration: SECONDS } : { amount: AMOUNT }
    autocannon({ url, connections: CONNECTIONS, ...size }, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-bench-'))
  const sizes = { '1 kB': 1024, '1 MB': 1024 * 1024 }
  for (const [label, bytes] of Object.entries(sizes))
    fs.writeFileSync(path.join(root, `${label.replace(' ', '')}.bin`), randomBytes(bytes))
  const key = randomBytes(32).toString('base64url')
  const ours = createSigner({ key, ttl: '1d' })
  const peer = signedPeer({ secret: key, ttl: 86400 })
  const { child, ports } = await startServers(root, key)
  const results = []
  try {
    const variants = {
      'express.static': (file) => `http://127.0.0.1:${ports.plain}/${file}`,
      signedStatic: (file) => `http://127.0.0.1:${ports.ours}${ours.sign(file)}`,
      // The same link's query on plain express.static: what a longer URL and Express's query parsing cost alone.
      'express.static, link query': (file) => `http://127.0.0.1:${ports.plain}${ours.sign(file)}`,
      'signed + express.static': (file) => peer.sign(`http://127.0.0.1:${ports.peer}/${file}`),
    }
    for (const [label] of Object.entries(sizes)) {
      const file = `${label.replace(' ', '')}.bin`
      const runs = new Map(Object.keys(variants).map((v) => [v, []]))
      if (AMOUNT === undefined) for (const url of Object.values(variants)) await load(url(file)) // warm up each server and path
      for (let round = 0; round < ROUNDS; round++) {
        const names = Object.keys(variants)
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length]
          const before = await serverStats(child)
          const r = await load(variants[name](file))
          const after = await serverStats(child)
          if (r.non2xx > 0 || r.errors > 0)
            throw new Error(`${name} ${label}: ${r.non2xx} non-2xx responses, ${r.errors} errors`)
          const app =
            { 'express.static': 'plain', signedStatic: 'ours', 'express.static, link query': 'plain' }[name] ?? 'peer'
          // Server CPU per request: the server's own CPU time over the requests it answered in this load.
          r.cpuPerRequest = (after.cpu - before.cpu) / (after.served[app] - before.served[app])
          runs.get(name).push(r)
        }
      }
      const base = runs.get('express.static')
      for (const [name, list] of runs) {
        results.push({
          size: label,
          name,
          rps: median(list.map((r) => r.requests.average)),
          p50: median(list.map((r) => r.latency.p50)),
          p99: median(list.map((r) => r.latency.p99)),
          ratio: median(list.map((r, i) => r.requests.average / base[i].requests.average)),
          cpu: median(list.map((r) => r.cpuPerRequest)),
          // Requests per server CPU-second against express.static's, round by round.
          cpuRatio: median(list.map((r, i) => base[i].cpuPerRequest / r.cpuPerRequest)),
        })
      }
    }
  } finally {
    child.kill()
    fs.rmSync(root, { recursive: true, force: true })
  }
  console.log(
    `HTTP on loopback: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
  )
  const each = AMOUNT === undefined ? `${SECONDS} s` : `${AMOUNT} requests`
  console.log(
    `${ROUNDS} alternating rounds of ${each}, ${CONNECTIONS} connections; medians; ratio = requests/s against express.static;`,
  )
  console.log(
    "CPU = the server process's own CPU time (process.cpuUsage) over the requests it answered; req/CPU-s ratio against express.static\n",
  )
  console.log(
    `${'file'.padEnd(7)}${'server'.padEnd(26)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ratio'.padStart(8)}${'CPU µs/req'.padStart(12)}${'req/CPU-s ratio'.padStart(17)}`,
  )
  for (const r of results) {
    console.log(
      `${r.size.padEnd(7)}${r.name.padEnd(26)}${r.rps.toFixed(0).padStart(9)}${String(r.p50).padStart(9)}${String(r.p99).padStart(9)}${r.ratio.toFixed(2).padStart(8)}${r.cpu.toFixed(0).padStart(12)}${r.cpuRatio.toFixed(2).padStart(17)}`,
    )
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
