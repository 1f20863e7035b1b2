'use strict'
// What bench/uploads.js and bench/soak-uploads.js share: the upload server as a child process, and one PUT.
const { fork } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')

/** Starts bench/support/upload-server.js on `root` with `key`; resolves with its ports and an IPC `ask`. */
async function startUploadServer(root, key, env = {}) {
  const child = fork(path.join(__dirname, 'upload-server.js'), {
    env: { ...process.env, BENCH_ROOT: root, BENCH_KEY: key, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const ports = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))))
    child.once('exit', (code) => reject(new Error(`the upload server exited (${code})`)))
  })
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send(message)
    })
  return { ports, ask, stop: () => child.kill() }
}

/**
 * One PUT of `body` (with its Content-Length, unless `chunked`), cut off after `abortAfter` bytes when given.
 * Resolves with the status, or 'aborted' when no answer came.
 */
function putBody(port, target, body, { headers = {}, chunked = false, abortAfter } = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: 'PUT',
        agent: false,
        headers: chunked ? headers : { 'Content-Length': body.length, ...headers },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
        res.on('error', () => resolve('aborted'))
      },
    )
    req.on('error', () => resolve('aborted'))
    if (abortAfter !== undefined) {
      req.write(body.subarray(0, abortAfter), () => setImmediate(() => req.destroy()))
      return
    }
    if (chunked) {
      const half = body.length >> 1
      req.write(body.subarray(0, half))
      req.end(body.subarray(half))
    } else req.end(body)
  })
}

/** Runs `tasks` (functions returning promises), at most `concurrency` at a time; resolves with their results. */
async function pool(tasks, concurrency) {
  const results = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker))
  return results
}

/**
 * One tus upload of `body` with tus-js-client (creation, then PATCHes of `chunkSize`) through the put link `target`;
 * resolves with 201 once it has landed, or the error's text.
 */
function tusBody(port, target, body, chunkSize) {
  const tus = require('tus-js-client')
  return new Promise((resolve) => {
    new tus.Upload(body, {
      endpoint: `http://127.0.0.1:${port}${target}`,
      chunkSize,
      retryDelays: [],
      onError: (err) => resolve(String(err)),
      onSuccess: () => resolve(201),
    }).start()
  })
}

module.exports = { putBody, pool, startUploadServer, tusBody }
