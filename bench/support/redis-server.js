'use strict'
// A Redis server of the store's tests and benchmarks' own: Debian's redis-server (or valkey-server, redis-sentinel)
// on a free loopback port, its data in a temporary folder, persisted with AOF so a restart keeps the counts; one
// command sent to it without a client; bounded waits. Stopped by its PID.
const { spawn } = require('node:child_process')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const REDIS = process.env.REDIS_SERVER_PATH ?? 'redis-server'
const VALKEY = process.env.VALKEY_SERVER_PATH ?? 'valkey-server'

/** A port free on loopback now (for the servers the benchmarks and tests start). */
function freePort() {
  return freePorts(1).then(([port]) => port)
}

/** `count` distinct ports free on loopback now (all held open at once, so no two are the same). */
async function freePorts(count) {
  const servers = []
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer()
      servers.push(server)
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', resolve)
      })
    }
    return servers.map((server) => server.address().port)
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))))
  }
}

/**
 * Sends one command to the server on loopback `port` and resolves with its reply (RESP2: strings, numbers, null,
 * arrays); an error reply, a refused connection or no reply within 5 s rejects.
 */
function command(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let buffer = Buffer.alloc(0)
    socket.setTimeout(5000, () => socket.destroy(new Error(`no reply to ${args[0]} from port ${port} in 5 s`)))
    socket.once('error', reject)
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      const parsed = parseReply(buffer, 0)
      if (parsed === undefined) return
      socket.destroy()
      if (parsed[0] instanceof Error) reject(parsed[0])
      else resolve(parsed[0])
    })
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`)
  })
}

// The RESP2 reply at `at`: [value, offset after it], or undefined while the buffer holds only part of it.
function parseReply(buffer, at) {
  const end = buffer.indexOf('\r\n', at)
  if (end < 0) return undefined
  const type = buffer[at]
  const line = buffer.toString('utf8', at + 1, end)
  if (type === 0x2b /* + */) return [line, end + 2]
  if (type === 0x2d /* - */) return [new Error(line), end + 2]
  if (type === 0x3a /* : */) return [Number(line), end + 2]
  const length = Number(line)
  if (length < 0) return [null, end + 2]
  if (type === 0x24 /* $ */) {
    if (buffer.length < end + 4 + length) return undefined
    return [buffer.toString('utf8', end + 2, end + 2 + length), end + 4 + length]
  }
  const items = []
  let next = end + 2
  for (let i = 0; i < length; i++) {
    const item = parseReply(buffer, next)
    if (item === undefined) return undefined
    items.push(item[0])
    next = item[1]
  }
  return [items, next]
}

// Resolves once `check()` resolves truthy (polled every 50 ms; a throw counts as not yet); rejects after `ms`.
async function until(what, check, ms) {
  const deadline = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Starts redis-server (or `server`: valkey-server, redis-sentinel) on a free loopback port (or `port`), its data in
 * a temporary folder, with `args` after the defaults and `config`, if given, as its config file (a Sentinel writes
 * into its own). `restart()` starts it again on the same port and data. Rejects if the server exits or does not
 * answer PING within 5 s, with `code` 'ENOENT' when the binary is missing.
 */
async function startRedis({ server = REDIS, args = [], config, port } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-redis-'))
  port ??= await freePort()
  const configFile = path.join(dir, 'server.conf')
  if (config !== undefined) writeFileSync(configFile, config)
  let child
  const run = async () => {
    child = spawn(
      server,
      [
        ...(config === undefined ? [] : [configFile]),
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
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    // The tail of its log, for the error if it exits while starting.
    let log = ''
    const keep = (data) => (log = (log + data).slice(-1500))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let failure
    child.once('error', (error) => {
      failure = error
      if (error.code === 'ENOENT') error.message = `${server} not found: not installed, or its path is wrong`
    })
    child.once('exit', (code, signal) => {
      failure ??= new Error(`${server} on port ${port} exited (${code ?? signal}) while starting:\n${log}`)
    })
    await until(
      `${server} to answer PING on port ${port}`,
      async () => failure ?? (await command(port, 'PING')) === 'PONG',
      5000,
    )
    if (failure) throw failure
  }
  const kill = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve()
      child.once('exit', () => resolve())
      process.kill(child.pid, 'SIGKILL')
    })
  const stop = async () => {
    await kill()
    rmSync(dir, { recursive: true, force: true })
  }
  await run().catch(async (error) => {
    await stop()
    throw error
  })
  return { port, pid: () => child.pid, url: `redis://127.0.0.1:${port}`, kill, restart: run, stop }
}

/** Starts valkey-server as startRedis starts redis-server; rejects with "Valkey not installed" when it is missing. */
async function startValkey(options = {}) {
  return startRedis({ ...options, server: options.server ?? VALKEY }).catch((error) => {
    if (error.code === 'ENOENT') error.message = `Valkey not installed: ${error.message} (VALKEY_SERVER_PATH names it)`
    throw error
  })
}

module.exports = { REDIS, command, freePort, freePorts, startRedis, startValkey, until }
