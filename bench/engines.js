'use strict'
// What verification costs on the other engines, each against its own floor, in alternating rounds of one run:
// - nginx: requests/s through the njs verifier (examples/nginx) against the same files from a plain location of
//   the same nginx, 1 kB and 1 MB, on loopback;
// - workerd: verifications/s of the web signer's verify() inside a Worker against one crypto.subtle.verify of
//   the same string to sign with a key imported once (the floor), timed from outside around a loop of n.
//
//   npm run bench:engines
//   BENCH_ENGINES_ROUNDS=5 BENCH_ENGINES_SECONDS=5 npm run bench:engines
const { execFileSync, spawn } = require('node:child_process')
const { randomBytes } = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const autocannon = require('autocannon')
const { Miniflare } = require('miniflare')
const { createSigner } = require('express-signed-url')
const { freePort } = require('./support/store-harness')

const ROUNDS = Number(process.env.BENCH_ENGINES_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_ENGINES_SECONDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_ENGINES_CONNECTIONS ?? 32)
// For a quick smoke run (the test suite's): a fixed number of requests and of loop iterations.
const AMOUNT = process.env.BENCH_ENGINES_AMOUNT === undefined ? undefined : Number(process.env.BENCH_ENGINES_AMOUNT)
const LOOP = AMOUNT ?? 5000
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'
const ROOT = path.join(__dirname, '..')

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = ''
        res.on('data', (d) => {
          body += d
        })
        res.on('end', () => resolve({ status: res.statusCode, body }))
      })
      .on('error', reject)
  })
}

/**
 * Alternating rounds of each variant; `measure` returns named figures (the first is the one ratios are taken of),
 * per-round ratios against the first variant, then medians.
 */
async function rounds(variants, measure) {
  const names = Object.keys(variants)
  const runs = new Map(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      runs.get(name).push(await measure(name, variants[name]))
    }
  }
  const base = runs.get(names[0])
  return names.map((name) => {
    const list = runs.get(name)
    const row = { name }
    for (const figure of Object.keys(list[0])) {
      row[figure] = median(list.map((r) => r[figure]))
      row[`${figure} ratio`] = median(list.map((r, i) => r[figure] / base[i][figure]))
    }
    return row
  })
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100

/** CPU time (user + system, in ticks) used so far by these processes and their children. */
function cpuTicks(pids) {
  const all = new Set(pids)
  const stats = new Map()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      stats.set(Number(entry), text.slice(text.lastIndexOf(')') + 2).split(' '))
    } catch {
      /* ended meanwhile */
    }
  }
  for (const [pid, fields] of stats) if (all.has(Number(fields[1]))) all.add(pid)
  let ticks = 0
  for (const pid of all) if (stats.has(pid)) ticks += Number(stats.get(pid)[11]) + Number(stats.get(pid)[12])
  return ticks
}

async function nginxRows(root, key) {
  if (!fs.existsSync(NGINX))
    return console.log(`nginx: skipped (no ${NGINX}; apt-get install nginx libnginx-mod-http-js)\n`)
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-bench-nginx-'))
  const port = await freePort()
  const example = path.join(ROOT, 'examples', 'nginx')
  // The example config as tested, plus a plain location serving the same folder without any check: the floor.
  const config = fs
    .readFileSync(path.join(example, 'nginx.conf.template'), 'utf8')
    .replace('    location / {', '    location /plain/ {\n      alias __ROOT__/private/;\n    }\n    location / {')
    .replaceAll('__PREFIX__', prefix)
    .replaceAll('__PORT__', String(port))
    .replaceAll('__ROOT__', root)
    .replaceAll('__SCRIPT_DIR__', example)
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), config)
  const env = { ...process.env, SIGNING_KEY: key }
  delete env.SIGNING_KEYS
  const child = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { env, stdio: 'ignore' })
  const signer = createSigner({ key, ttl: '1d' })
  // Node's signedStatic on the same folder, in its own process (one, as nginx runs one worker here): what moving
  // the serving to nginx gains.
  const node = spawn(process.execPath, [path.join(__dirname, 'support', 'http-server.js')], {
    env: { ...process.env, BENCH_ROOT: root, BENCH_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const nodePorts = await new Promise((resolve, reject) => {
    node.stdout.once('data', (d) => resolve(JSON.parse(String(d))))
    node.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  try {
    for (let i = 0; ; i++) {
      try {
        await get(`http://127.0.0.1:${port}/plain/1kB.bin`)
        break
      } catch (err) {
        if (i > 200) throw err
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
    console.log(
      `nginx ${CONNECTIONS} connections, ${AMOUNT === undefined ? `${SECONDS} s` : `${AMOUNT} requests`} per load; ratios against nginx's plain location:\n  requests/s (capped by the client where the server is fast), and server CPU per request (user + system)`,
    )
    for (const file of ['1kB.bin', '1MB.bin']) {
      const nginxPids = [Number(fs.readFileSync(path.join(prefix, 'nginx.pid'), 'utf8'))]
      const variants = {
        'plain location': { url: `http://127.0.0.1:${port}/plain/${file}`, pids: nginxPids },
        'njs verifier': { url: `http://127.0.0.1:${port}${signer.sign(`private/${file}`)}`, pids: nginxPids },
        'Node signedStatic': {
          url: `http://127.0.0.1:${nodePorts.ours}${signer.sign(`private/${file}`)}`,
          pids: [node.pid],
        },
      }
      // Requests/s is capped by the load generator where the server is fast (it shares the two cores), so the
      // server's own CPU time per request is measured too: that is what the verifier adds.
      const load = (name, { url, pids }) =>
        new Promise((resolve, reject) => {
          const size = AMOUNT === undefined ? { duration: SECONDS } : { amount: AMOUNT }
          const before = cpuTicks(pids)
          autocannon({ url, connections: CONNECTIONS, ...size }, (err, r) => {
            if (err) return reject(err)
            if (r.non2xx > 0 || r.errors > 0)
              return reject(new Error(`nginx ${name}: ${r.non2xx} non-2xx, ${r.errors} errors`))
            const cpu = (((cpuTicks(pids) - before) / CLK_TCK) * 1e6) / Math.max(1, r.requests.total)
            resolve({ rps: r.requests.average, cpu: Math.max(cpu, 1e-3) })
          })
        })
      if (AMOUNT === undefined) for (const [name, variant] of Object.entries(variants)) await load(name, variant)
      for (const row of await rounds(variants, load)) {
        console.log(
          `  ${file.padEnd(9)}${row.name.padEnd(18)}${row.rps.toFixed(0).padStart(9)} req/s${row['rps ratio'].toFixed(2).padStart(7)}` +
            `${row.cpu.toFixed(0).padStart(9)} µs CPU/req${row['cpu ratio'].toFixed(2).padStart(7)}`,
        )
      }
    }
    console.log()
  } finally {
    child.kill()
    node.removeAllListeners('exit')
    node.kill()
    fs.rmSync(prefix, { recursive: true, force: true })
  }
}

// A Worker looping n times over one of two tasks, each checked to succeed every time.
const LOOP_WORKER = `
import { createWebSigner } from 'express-signed-url/web'
const encoder = new TextEncoder()
let state
async function setup(key) {
  const signer = createWebSigner({ key, ttl: '1d' })
  const link = await signer.sign('private/image.png')
  const message = link.slice(0, link.indexOf('&signature=')).replace('/private', 'private')
  const hmac = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  const mac = await crypto.subtle.sign('HMAC', hmac, encoder.encode(message))
  return { signer, link, message, hmac, mac }
}
export default {
  async fetch(request, env) {
    state ??= await setup(env.KEY)
    const url = new URL(request.url)
    const n = Number(url.searchParams.get('n'))
    let ok = 0
    if (url.searchParams.get('task') === 'verify') {
      for (let i = 0; i < n; i++) if ((await state.signer.verify(state.link)).ok) ok++
    } else {
      for (let i = 0; i < n; i++) if (await crypto.subtle.verify('HMAC', state.hmac, state.mac, encoder.encode(state.message))) ok++
    }
    return new Response(String(ok))
  },
}`

async function workerdRows(key) {
  const dist = path.join(ROOT, 'dist', 'esm')
  const modules = [{ type: 'ESModule', path: path.join(ROOT, 'bench', 'loop.mjs'), contents: LOOP_WORKER }]
  // The build's folders too (util/, link/, ...): each module under the path its imports name it by.
  const built = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/'))
  for (const file of built.filter((f) => f.endsWith('.js'))) {
    const name = file === 'web.js' ? 'express-signed-url/web' : `express-signed-url/${file}`
    modules.push({
      type: 'ESModule',
      path: path.join(ROOT, 'bench', name),
      contents: fs.readFileSync(path.join(dist, file), 'utf8'),
    })
  }
  const mf = new Miniflare({
    modules,
    modulesRoot: path.join(ROOT, 'bench'),
    compatibilityDate: '2026-04-01',
    bindings: { KEY: key },
    host: '127.0.0.1',
    port: 0,
  })
  try {
    const base = await mf.ready
    const variants = { 'floor: subtle.verify': 'floor', 'verify()': 'verify' }
    const measure = async (name, task) => {
      const started = process.hrtime.bigint()
      const res = await get(new URL(`/?task=${task}&n=${LOOP}`, base))
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (res.status !== 200 || Number(res.body) !== LOOP)
        throw new Error(`workerd ${name}: ${res.status} ${res.body} of ${LOOP}`)
      return { rate: LOOP / seconds }
    }
    for (const task of Object.values(variants)) await measure(task, task) // warm up
    console.log(
      `workerd (miniflare ${require('miniflare/package.json').version}), loops of ${LOOP} in one request; ratio = verifications/s against the floor`,
    )
    for (const row of await rounds(variants, measure)) {
      console.log(
        `  ${row.name.padEnd(27)}${(row.rate / 1000).toFixed(1).padStart(8)} k/s${row['rate ratio'].toFixed(2).padStart(8)}`,
      )
    }
  } finally {
    await mf.dispose()
  }
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-bench-'))
  // Readable by nginx's worker processes, which drop root.
  fs.chmodSync(root, 0o755)
  fs.mkdirSync(path.join(root, 'private'), { mode: 0o755 })
  fs.writeFileSync(path.join(root, 'private', '1kB.bin'), randomBytes(1024))
  fs.writeFileSync(path.join(root, 'private', '1MB.bin'), randomBytes(1024 * 1024))
  const key = randomBytes(32).toString('base64url')
  console.log(
    `Engines on loopback: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; ${ROUNDS} alternating rounds, medians\n`,
  )
  try {
    await nginxRows(root, key)
    await workerdRows(key)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
