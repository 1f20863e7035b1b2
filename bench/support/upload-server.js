'use strict'
// The servers bench/uploads.js and bench/soak-uploads.js load, in one child process so the load generator does not
// share their event loop: signedUpload (with signedStatic on the same mount) and a bare handler that only pipes
// the body to a file, each on its own loopback port and folder. Over IPC it answers `cpu` (its CPU time so far),
// `rss` (its resident memory, and the highest seen since the last `rss`, sampled every 20 ms), and `settle` (once
// every upload under way is done: the temporaries left in its folder, which must be none).
const { createWriteStream, promises: fs } = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { randomBytes } = require('node:crypto')
const { signedStatic, signedUpload } = require('express-signed-url')

const [root, key] = [process.env.BENCH_ROOT, process.env.BENCH_KEY]
const maxBytes = Number(process.env.BENCH_MAX_BYTES ?? 100e6)
const oursRoot = path.join(root, 'ours')
const bareRoot = path.join(root, 'bare')

// Resumable too (the tus rows of bench/uploads.js); single PUTs take the same path as without it.
const uploads = signedUpload(oursRoot, {
  key,
  maxBytes,
  timeout: '10s',
  overwrite: false,
  resumable: { folder: path.join(root, 'partial') },
})
const statics = signedStatic(oursRoot, { key })
const ours = http.createServer((req, res) =>
  uploads(req, res, (err) =>
    err ? ((res.statusCode = 500), res.end()) : statics(req, res, () => ((res.statusCode = 404), res.end())),
  ),
)

// The floor: no link, no checks, no digest, no sync; a fresh name per upload so nothing collides.
const bare = http.createServer((req, res) => {
  const out = createWriteStream(path.join(bareRoot, randomBytes(8).toString('hex')))
  req.pipe(out)
  out.on('finish', () => {
    res.statusCode = 201
    res.end()
  })
  out.on('error', () => {
    res.statusCode = 507
    res.end()
  })
})

let peak = 0
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20).unref()

/** Temporaries (`.….upload`) anywhere under the folder. */
async function leftovers(folder) {
  const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile() && e.name.endsWith('.upload')).length
}

process.on('message', async (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send({ cpu: user + system })
  } else if (message === 'rss') {
    const rss = process.memoryUsage().rss
    process.send({ rss, peak: Math.max(peak, rss) })
    peak = rss
  } else if (message === 'settle') {
    await uploads.idle()
    process.send({ leftovers: await leftovers(oursRoot) })
  }
})

Promise.all([fs.mkdir(oursRoot, { recursive: true }), fs.mkdir(bareRoot, { recursive: true }), uploads.ready]).then(
  () => {
    const ports = {}
    let pending = 2
    for (const [name, server] of Object.entries({ ours, bare })) {
      server.listen(0, '127.0.0.1', () => {
        ports[name] = server.address().port
        if (--pending === 0) console.log(JSON.stringify(ports))
      })
    }
  },
)
