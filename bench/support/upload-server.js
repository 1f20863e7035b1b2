'use strict'
// The servers bench/uploads.js and bench/soak-uploads.js load, in one child process so the load generator does not
// share their event loop: signedUpload (with signedStatic on the same mount) and a durable hand-written handler that
// does what signedUpload does to keep a file (stream to a temporary beside it, fsync, rename, fsync the folder), each
// on its own loopback port and folder. Over IPC it answers `cpu` (its CPU time so far),
// `rss` (its resident memory, and the highest seen since the last `rss`, sampled every 20 ms), and `settle` (once
// every upload under way is done: the temporaries left in its folder, which must be none).
const { close, createWriteStream, fsync, open, promises: fs } = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { pipeline } = require('node:stream/promises')
const { promisify } = require('node:util')
const { createHash, randomBytes } = require('node:crypto')
const { signedStatic, signedUpload } = require('express-signed-url')

const [root, key] = [process.env.BENCH_ROOT, process.env.BENCH_KEY]
const maxBytes = Number(process.env.BENCH_MAX_BYTES ?? 100e6)
const oursRoot = path.join(root, 'ours')
const durableRoot = path.join(root, 'durable')

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

// The floor: no link and no checks, but as durable as signedUpload (lib/http/upload-file.ts, receive.ts): the body
// streamed to a temporary in the target's folder, the file fsynced, renamed into place, the folder fsynced. With
// `?sha256=<base64url>`, the body's SHA-256 is computed as it streams and checked before the rename.
const durable = http.createServer(async (req, res) => {
  const name = randomBytes(8).toString('hex')
  const temporary = path.join(durableRoot, `.${name}.upload`)
  const expected = new URL(req.url, 'http://localhost').searchParams.get('sha256')
  const hash = expected === null ? undefined : createHash('sha256')
  const answer = (status) => {
    res.statusCode = status
    res.end()
  }
  let fd
  try {
    fd = await promisify(open)(temporary, 'wx')
    const digest = async function* (body) {
      for await (const chunk of body) {
        hash?.update(chunk)
        yield chunk
      }
    }
    await pipeline(req, digest, createWriteStream(null, { fd, autoClose: false }))
    if (hash !== undefined && hash.digest('base64url') !== expected) throw Object.assign(new Error(), { status: 400 })
    await promisify(fsync)(fd)
    await promisify(close)(fd)
    fd = undefined
    await fs.rename(temporary, path.join(durableRoot, name))
    const folder = await fs.open(durableRoot, 'r')
    await folder.sync()
    await folder.close()
    answer(201)
  } catch (err) {
    if (fd !== undefined) await promisify(close)(fd).catch(() => undefined)
    await fs.rm(temporary, { force: true })
    answer(err.status ?? 507)
  }
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

Promise.all([fs.mkdir(oursRoot, { recursive: true }), fs.mkdir(durableRoot, { recursive: true }), uploads.ready]).then(
  () => {
    const ports = {}
    let pending = 2
    for (const [name, server] of Object.entries({ ours, durable })) {
      server.listen(0, '127.0.0.1', () => {
        ports[name] = server.address().port
        if (--pending === 0) console.log(JSON.stringify(ports))
      })
    }
  },
)
