'use strict'
// HTTP benchmark on loopback: signedStatic against plain express.static for the same 1 kB and 1 MB files, with the
// `signed` package's verifier in front of express.static as a peer. Each round loads every server once, in a fresh
// random order; the figure that counts is the server's own CPU per request (process.cpuUsage in the server process,
// bench/support/http-server.js, over the requests it answered), since requests/s is capped by the load generator
// sharing the cores. Ratios are taken round by round against express.static and printed as the median with p25–p75
// and min–max; express.static is also measured a second time as its own task, a control row that shows the noise.
//
//   npm run bench:http                                   # 21 rounds of 1 s per server and size
//   BENCH_HTTP_ROUNDS=31 BENCH_HTTP_SECONDS=2 npm run bench:http
//   BENCH_HTTP_ROUNDS=1 BENCH_HTTP_AMOUNT=12 npm run bench:http   # a smoke run (what the test suite does)
const { randomBytes } = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const signedPeer = require('signed').default
const { createSigner } = require('express-signed-url')
const { load, startHttpServer } = require('./support/http-client')
const { machine, shuffle, spread } = require('./support/rounds')

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 21)
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 1)
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32)
// A fixed number of requests per load instead of a duration: for a quick smoke run (the test suite's).
const AMOUNT = process.env.BENCH_HTTP_AMOUNT === undefined ? undefined : Number(process.env.BENCH_HTTP_AMOUNT)
const SIZE = { connections: CONNECTIONS, seconds: SECONDS, amount: AMOUNT }

/** One load of a variant: its requests/s and latency, and the server's CPU per request it answered. */
async function measure(server, variant, file) {
  const before = await server.ask('stats')
  const r = await load(variant.url(file), SIZE)
  const after = await server.ask('stats')
  const answered = after.served[variant.app] - before.served[variant.app]
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu: (after.cpu - before.cpu) / answered }
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-bench-'))
  const sizes = { '1 kB': 1024, '1 MB': 1024 * 1024 }
  for (const [label, bytes] of Object.entries(sizes))
    fs.writeFileSync(path.join(root, `${label.replace(' ', '')}.bin`), randomBytes(bytes))
  const key = randomBytes(32).toString('base64url')
  const ours = createSigner({ key, ttl: '1d' })
  const peer = signedPeer({ secret: key, ttl: 86400 })
  const server = await startHttpServer(root, key)
  const { ports } = server
  const variants = {
    'express.static': { app: 'plain', url: (file) => `http://127.0.0.1:${ports.plain}/${file}` },
    'express.static, again (control)': { app: 'plain', url: (file) => `http://127.0.0.1:${ports.plain}/${file}` },
    signedStatic: { app: 'ours', url: (file) => `http://127.0.0.1:${ports.ours}${ours.sign(file)}` },
    // The same link's query on plain express.static: what a longer URL and Express's query parsing cost alone.
    'express.static, link query': { app: 'plain', url: (file) => `http://127.0.0.1:${ports.plain}${ours.sign(file)}` },
    'signed + express.static': { app: 'peer', url: (file) => peer.sign(`http://127.0.0.1:${ports.peer}/${file}`) },
  }
  const names = Object.keys(variants)
  const results = []
  try {
    for (const label of Object.keys(sizes)) {
      const file = `${label.replace(' ', '')}.bin`
      const runs = new Map(names.map((n) => [n, []]))
      // Warm up each server and path (not in a smoke run of a fixed amount).
      if (AMOUNT === undefined) for (const name of shuffle(names)) await measure(server, variants[name], file)
      for (let round = 0; round < ROUNDS; round++)
        for (const name of shuffle(names)) runs.get(name).push(await measure(server, variants[name], file))
      const base = runs.get('express.static')
      for (const [name, list] of runs) {
        const median = (figure) => spread(list.map((r) => r[figure])).median
        results.push({
          size: label,
          name,
          rps: median('rps'),
          p50: median('p50'),
          p99: median('p99'),
          ratio: spread(list.map((r, i) => r.rps / base[i].rps)).median,
          cpu: median('cpu'),
          // Requests per server CPU-second against express.static's, round by round.
          cpuRatio: spread(list.map((r, i) => base[i].cpu / r.cpu)),
        })
      }
    }
  } finally {
    server.stop()
    fs.rmSync(root, { recursive: true, force: true })
  }
  print(results)
}

function print(results) {
  console.log(`HTTP on loopback: ${machine()}`)
  const each = AMOUNT === undefined ? `${SECONDS} s` : `${AMOUNT} requests`
  console.log(
    `${ROUNDS} rounds of ${each} per server, each round in a fresh random order, ${CONNECTIONS} connections; medians;\n` +
      'req/s ratio against express.static (capped by the load generator, which shares the cores); CPU = the server\n' +
      "process's own CPU time (process.cpuUsage) over the requests it answered; req/CPU-s ratio against\n" +
      'express.static, round by round: median, p25–p75, min–max. The control row is express.static measured again.\n',
  )
  console.log(
    `${'file'.padEnd(7)}${'server'.padEnd(33)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}` +
      `${'ratio'.padStart(7)}${'CPU µs/req'.padStart(12)}${'req/CPU-s ratio'.padStart(17)}${'p25–p75'.padStart(12)}` +
      `${'min–max'.padStart(12)}`,
  )
  for (const r of results) {
    const { median, p25, p75, min, max } = r.cpuRatio
    console.log(
      `${r.size.padEnd(7)}${r.name.padEnd(33)}${r.rps.toFixed(0).padStart(8)}${String(r.p50).padStart(8)}` +
        `${String(r.p99).padStart(8)}${r.ratio.toFixed(2).padStart(7)}${r.cpu.toFixed(0).padStart(12)}` +
        `${median.toFixed(2).padStart(17)}${`${p25.toFixed(2)}–${p75.toFixed(2)}`.padStart(12)}` +
        `${`${min.toFixed(2)}–${max.toFixed(2)}`.padStart(12)}`,
    )
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
