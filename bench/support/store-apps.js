'use strict'
// App processes (store-app.js) sharing a Redis store, asked over IPC and over HTTP; and a TCP proxy in front of a
// Redis that can go silent, as a network that drops packets does.
const { fork } = require('node:child_process')
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')

/**
 * Starts an app process (bench/support/store-app.js) on the Redis at `target`, serving `root` under `key`: a redis:// URL, or
 * what store-app.js makes a client of ({ cluster: urls }, { sentinel: { name, sentinels } }, { client: url }).
 * `strict` gives its guard strictRevocation; `options` are more store options.
 */
async function startApp(target, key, root, { strict = false, options = {} } = {}) {
  const child = fork(path.join(__dirname, 'store-app.js'), {
    env: {
      ...process.env,
      STORE_REDIS_URL: typeof target === 'string' ? target : JSON.stringify(target),
      STORE_OPTIONS: JSON.stringify(options),
      STORE_KEY: key,
      STORE_ROOT: root,
      STORE_STRICT: strict ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const { port } = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))))
    child.once('exit', (code) => reject(new Error(`the app process exited (${code})`)))
  })
  let serial = 0
  const ask = (message) =>
    new Promise((resolve) => {
      const id = ++serial
      const listener = (reply) => {
        if (reply.id !== id) return
        child.off('message', listener)
        resolve(reply)
      }
      child.on('message', listener)
      child.send({ ...message, id })
    })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  return {
    port,
    pid: child.pid,
    alive: () => child.exitCode === null && child.signalCode === null,
    ask,
    get: (target, headers = {}) => get(port, target, headers, agent),
    stop: () =>
      new Promise((resolve) => {
        agent.destroy()
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        process.kill(child.pid, 'SIGTERM')
      }),
  }
}

/** A GET; resolves with the status, the refusal's code (if any) and the body's length. */
function get(port, target, headers, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: target, headers, agent }, (res) => {
      let bytes = 0
      res.on('data', (d) => (bytes += d.length))
      res.on('end', () => resolve({ status: res.statusCode, code: res.headers['x-refusal'], bytes }))
    })
    req.on('error', reject)
  })
}

/**
 * A TCP proxy to `port` on a free loopback port: `pause()` stops forwarding (the connections stay open and
 * silent, as on a network that drops packets), `resume()` forwards again, including what waited. With
 * `holdRepliesTo` (a command name, such as 'ZSCAN'), a connection that sends that command while a `holding()` waits
 * has its replies held from then on until `release()`; `holding()` resolves once a reply is being held.
 */
async function startProxy(port, { holdRepliesTo } = {}) {
  let paused = false
  const sockets = new Set()
  const held = []
  let holds = []
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1')
    let holding = false
    client.on('data', (chunk) => {
      // Only while someone waits on holding(): the command sent at other times passes as usual.
      if (holds.length > 0 && holdRepliesTo !== undefined && chunk.includes(`\r\n${holdRepliesTo}\r\n`)) holding = true
    })
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from)
      from.on('data', (chunk) => {
        if (paused || (holding && from === upstream)) {
          held.push([to, chunk])
          if (holding) for (const resolve of holds.splice(0)) resolve()
        } else to.write(chunk)
      })
      from.on('error', () => to.destroy())
      from.on('close', () => {
        sockets.delete(from)
        to.destroy()
      })
    }
    client.on('close', () => (holding = false))
    // Let go by release(): forwards what waited, and holds nothing more until the command is sent again.
    client.release = () => (holding = false)
  })
  const proxyPort = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
  const flush = () => {
    for (const [to, chunk] of held.splice(0)) to.write(chunk)
  }
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    pause: () => (paused = true),
    resume: () => {
      paused = false
      flush()
    },
    holding: () => new Promise((resolve) => holds.push(resolve)),
    release: () => {
      for (const socket of sockets) socket.release?.()
      flush()
    },
    stop: () =>
      new Promise((resolve) => {
        holds = []
        for (const socket of sockets) socket.destroy()
        server.close(resolve)
      }),
  }
}

module.exports = { startApp, startProxy }
