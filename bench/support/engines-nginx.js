'use strict'
// bench/engines.js's nginx part: requests/s and server CPU per request through the njs verifier (examples/nginx)
// against the same files from a plain location of the same nginx, and Node's signedStatic, 1 kB and 1 MB.
const { execFileSync, spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const autocannon = require('autocannon')
const { createSigner } = require('express-signed-url')
const { freePort } = require('./store-harness')
const { AMOUNT, CONNECTIONS, NGINX, ROOT, SECONDS, get, rounds } = require('./engines-common')

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
  const node = spawn(process.execPath, [path.join(__dirname, 'http-server.js')], {
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
            `${row.cpu.toFixed(0).padStart(9)} µs CPU/req${row['cpu ratio'].toFixed(2).padStart(7)} (${row['cpu range']})`,
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

module.exports = { nginxRows }
