'use strict'
// What the store's engine tests and `npm run soak:store` share: a Redis of their own (Debian's redis-server on a
// free loopback port, its data in a temporary folder, persisted with AOF so a restart keeps the counts), and app
// processes (bench/store-app.js) sharing it. Everything is stopped by its PID.
const { fork, spawn } = require('node:child_process')
const { mkdtempSync, rmSync } = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const REDIS = process.env.REDIS_SERVER_PATH ?? 'redis-server'

/** A port free on loopback now (for the servers the benchmarks and tests start). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

// Resolves once something answers PING on the port (bounded: about 5 s), else rejects.
async function waitForRedis(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('error', () => resolve(false))
      socket.once('data', (d) => {
        socket.destroy()
        resolve(String(d).startsWith('+PONG'))
      })
      socket.write('PING\r\n')
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`redis-server did not answer on port ${port}`)
}

/** Starts redis-server on a free loopback port; `restart()` starts it again on the same port and data. */
async function startRedis() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-redis-'))
  const port = await freePort()
  let child
  const run = async () => {
    child = spawn(
      REDIS,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    )
    child.once('error', () => undefined)
    await waitForRedis(port)
  }
  await run()
  const kill = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      process.kill(child.pid, 'SIGKILL')
    })
  return {
    port,
    pid: () => child.pid,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: run,
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Starts an app process (bench/store-app.js) on the Redis at `url`, serving `root` under `key`; `strict` gives its
 * guard strictRevocation.
 */
async function startApp(url, key, root, { strict = false } = {}) {
  const child = fork(path.join(__dirname, 'store-app.js'), {
    env: { ...process.env, STORE_REDIS_URL: url, STORE_KEY: key, STORE_ROOT: root, STORE_STRICT: strict ? '1' : '0' },
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
 * silent, as on a network that drops packets), `resume()` forwards again, including what waited.
 */
async function startProxy(port) {
  let paused = false
  const sockets = new Set()
  const held = []
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1')
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from)
      from.on('data', (chunk) => (paused ? held.push([to, chunk]) : to.write(chunk)))
      from.on('error', () => to.destroy())
      from.on('close', () => {
        sockets.delete(from)
        to.destroy()
      })
    }
  })
  const proxyPort = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    pause: () => (paused = true),
    resume: () => {
      paused = false
      for (const [to, chunk] of held.splice(0)) to.write(chunk)
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(resolve)
      }),
  }
}

module.exports = { freePort, startApp, startProxy, startRedis }
