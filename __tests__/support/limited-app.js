'use strict'
// A folder behind signedStatic with a given store, on a free loopback port, for the suites that drive real clients
// (curl, wget, aria2c, Chromium) at limited-use links: __tests__/engines/downloaders.engine.ts and
// __tests__/browser/video.browser.ts. It logs every request: method, Range (and If-Range), status, the refusal's
// code, the Content-Length it announced, the body bytes it handed to the socket, and whether the response finished
// or was cut off, so a test can print what the server sent against the file's size (the overshoot of a client that
// was killed, the bytes fetched twice by a resume). Under jest, 'express-signed-url' is lib/ (jest.config.js maps
// it); under plain node, the built package.
const http = require('node:http')

/**
 * Starts the app: `signedStatic(root, { key, store, onReject, ...options })` answering every request (no router:
 * the path signed is the file's path under `root`). The refusal is the default one (respondRefused), after its code
 * is logged. `lib` is the package the store came from (a guard takes only a store of its own package); by default
 * require('express-signed-url'). Resolves with { port, base, log, reset(), settled(ms), report(size), close() }.
 */
async function startLimitedApp({ root, key, store, options = {}, lib = require('express-signed-url') }) {
  const { respondRefused, signedStatic } = lib
  const log = []
  const open = new Set()
  const entries = new WeakMap()
  // When the first request since the last reset came: each request's time is given from there.
  let first
  const guard = signedStatic(root, {
    key,
    store,
    ...options,
    onReject(err, req, res, next) {
      const entry = entries.get(res)
      if (entry !== undefined) entry.code = err.code
      respondRefused(err, req, res, next)
    },
  })
  const server = http.createServer((req, res) => {
    const entry = {
      n: log.length + 1,
      method: req.method,
      path: req.url.split('?')[0],
      range: req.headers.range,
      ifRange: req.headers['if-range'],
      status: undefined,
      code: undefined,
      length: undefined,
      bytes: 0,
      finished: false,
      closed: false,
      at: 0,
      ms: 0,
    }
    const started = process.hrtime.bigint()
    first ??= started
    entry.at = Math.round(Number(started - first) / 1e6)
    log.push(entry)
    entries.set(res, entry)
    open.add(entry)
    // Body bytes as they are handed to Node (serve-static pipes the file through res.write): with the socket's own
    // buffers, a client that stops reading has received less, never more.
    const count = (chunk, encoding) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return
      entry.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length
    }
    const write = res.write
    const end = res.end
    res.write = function (chunk, encoding, callback) {
      count(chunk, encoding)
      return write.call(this, chunk, encoding, callback)
    }
    res.end = function (chunk, encoding, callback) {
      count(chunk, encoding)
      return end.call(this, chunk, encoding, callback)
    }
    res.once('close', () => {
      entry.status = res.headersSent ? res.statusCode : undefined
      const length = res.getHeader('content-length')
      entry.length = length === undefined ? undefined : Number(length)
      entry.finished = res.writableFinished
      entry.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6)
      entry.closed = true
      open.delete(entry)
    })
    guard(req, res, (err) => {
      res.statusCode = err ? 500 : 404
      res.end()
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    /** Every request so far, in the order they came. */
    log,
    /** Forgets the requests so far (the log of the next case starts empty). */
    reset: () => {
      log.length = 0
      first = undefined
    },
    /** Resolves once every request so far has closed (a killed client's too); rejects after `ms`. */
    settled: async (ms = 5000) => {
      const deadline = Date.now() + ms
      while (open.size > 0) {
        if (Date.now() > deadline) throw new Error(`${open.size} requests still open after ${ms} ms`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    /**
     * The log as text, one request a line, and the file bytes sent by 2xx responses against `size`: the requests
     * the server saw and how far beyond one file's worth they went.
     */
    report: (size) => report(log, size),
    /** Stops listening and ends every connection still open; resolves once the server has closed. */
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MiB`

function report(log, size) {
  const lines = log.map((e) => {
    const range = e.range === undefined ? 'no Range' : `Range ${e.range}`
    // A refusal that came after the client had gone (it waited on the store) is no answer, but says why.
    const code = e.code === undefined ? '' : e.status === undefined ? ` (then ${e.code}, too late)` : ` ${e.code}`
    const status = `${e.status ?? 'no answer'}${code}`
    const length = e.length === undefined ? '' : ` of ${e.length}`
    const ifRange = e.ifRange === undefined ? '' : ` If-Range ${e.ifRange}`
    const end = !e.closed ? 'STILL OPEN' : `${e.finished ? 'finished' : 'cut off'} after ${e.ms} ms`
    return `  #${e.n} +${e.at} ms ${e.method} ${range}${ifRange} -> ${status}, ${e.bytes}${length} bytes out, ${end}`
  })
  const sent = log.filter((e) => e.status >= 200 && e.status < 300).reduce((sum, e) => sum + e.bytes, 0)
  lines.push(
    `  file bytes out (2xx bodies): ${sent} = ${mb(sent)} for a file of ${mb(size)}: ${(sent / size).toFixed(3)} × its size`,
  )
  return lines.join('\n')
}

module.exports = { startLimitedApp, report }
