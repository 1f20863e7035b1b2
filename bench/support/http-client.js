'use strict'
// What bench/http.js and bench/profile.js share: the HTTP bench server (bench/support/http-server.js) as a child
// process, asked over IPC for its CPU time and counts (or to profile itself), and one autocannon load.
const { fork } = require('node:child_process')
const path = require('node:path')
const autocannon = require('autocannon')

/** Starts the server on `root` with `key`; resolves with its ports and `ask(message)`, which resolves its answer. */
async function startHttpServer(root, key, env = {}) {
  const child = fork(path.join(__dirname, 'http-server.js'), {
    env: { ...process.env, BENCH_ROOT: root, BENCH_KEY: key, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const ports = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))))
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code})`)))
  })
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send(message)
    })
  return { ports, ask, stop: () => child.kill() }
}

/** One load on `url`: `{ seconds }` or `{ amount }` requests over `connections`; fails on any error or non-2xx. */
function load(url, { connections, seconds, amount }) {
  return new Promise((resolve, reject) => {
    const size = amount === undefined ? { duration: seconds } : { amount }
    autocannon({ url, connections, ...size }, (err, result) => {
      if (err) return reject(err)
      if (result.non2xx > 0 || result.errors > 0)
        return reject(new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`))
      resolve(result)
    })
  })
}

module.exports = { startHttpServer, load }
