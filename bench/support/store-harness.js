'use strict'
// What the store's engine tests and `npm run soak:store` share: a Redis of their own (Debian's redis-server on a
// free loopback port, its data in a temporary folder, persisted with AOF so a restart keeps the counts), the
// deployments a store meets in production built from the same servers (a 3-master Cluster; a primary, a replica and
// three Sentinels; Valkey), and app processes (bench/support/store-app.js) sharing them. Everything is stopped by its PID and
// every wait is bounded.
const { execFile, fork, spawn } = require('node:child_process')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { promisify } = require('node:util')

const REDIS = process.env.REDIS_SERVER_PATH ?? 'redis-server'
const SENTINEL = process.env.REDIS_SENTINEL_PATH ?? 'redis-sentinel'
const CLI = process.env.REDIS_CLI_PATH ?? 'redis-cli'
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

// Starts each of `starts` in turn into `servers` (each start is given those before it); if one fails, stops those
// already started before rejecting.
async function startAll(starts, servers = []) {
  try {
    for (const start of starts) servers.push(await start(servers))
    return servers
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()))
    throw error
  }
}

/**
 * Starts a Redis Cluster of three masters (no replicas) on loopback, formed by `redis-cli --cluster create`, and
 * resolves once every node says cluster_state:ok (bounded: 20 s). `rootNodes` is what node-redis' createCluster takes.
 */
async function startCluster({ server = REDIS, cli = CLI } = {}) {
  const ports = await freePorts(6)
  // Each node's bus port is given: the default, its port + 10000, is past 65535 for most free ports.
  const nodes = await startAll(
    [0, 1, 2].map(
      (i) => () =>
        startRedis({
          server,
          port: ports[i],
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(ports[i + 3]),
            '--cluster-announce-ip',
            '127.0.0.1',
          ],
        }),
    ),
  )
  const stop = () => Promise.all(nodes.map((node) => node.stop())).then(() => undefined)
  try {
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    await promisify(execFile)(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 20_000,
    })
    const ok = async (node) => String(await command(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')
    await until('cluster_state:ok on every node', async () => (await Promise.all(nodes.map(ok))).every(Boolean), 20_000)
  } catch (error) {
    await stop()
    throw error
  }
  const urls = nodes.map((node) => node.url)
  return { rootNodes: urls.map((url) => ({ url })), ports: nodes.map((node) => node.port), urls, nodes, stop }
}

// A Sentinel's reply about one server, a flat [field, value, ...] array, as an object.
const fields = (flat) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])))

// What a Sentinel watching the primary on `port` is started with (redis-sentinel rewrites the file as it learns).
const sentinelConfig = (name, port) =>
  [
    `sentinel monitor ${name} 127.0.0.1 ${port} 2`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n')

// Whether the Sentinel on `port` sees the primary and the replica up, and the two other Sentinels.
async function knowsTopology(port, name, primary, replica) {
  const [master, replicas, sentinels] = await Promise.all([
    command(port, 'SENTINEL', 'MASTER', name),
    command(port, 'SENTINEL', 'REPLICAS', name),
    command(port, 'SENTINEL', 'SENTINELS', name),
  ])
  const up = (flags) => !/s_down|o_down|disconnected/.test(flags)
  const { port: primaryPort, flags } = fields(master)
  if (Number(primaryPort) !== primary.port || !up(flags) || sentinels.length !== 2) return false
  return replicas.map(fields).some((r) => Number(r.port) === replica.port && up(r.flags))
}

/**
 * Starts a primary, one replica and three Sentinels (quorum 2, down after 1 s, failover timeout 5 s) on loopback;
 * resolves once the replica is in sync and every Sentinel knows both and the two other Sentinels (bounded: 20 s).
 * `primary` and `replica` follow the roles: after a promotion (failover(), or killPrimary() and waitForPromotion())
 * they name each other's server.
 */
async function startSentinel({ server = REDIS, sentinel = SENTINEL, name = 'signed-url' } = {}) {
  const servers = []
  const stop = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined)
  let primary
  let replica
  const sentinelPorts = () => servers.slice(2).map((s) => s.port)
  const everySentinel = async (check) => (await Promise.all(sentinelPorts().map(check))).every(Boolean)
  const promoted = (next) => async (port) =>
    Number((await command(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))[1]) === next.port
  const waitForPromotion = async ({ ms = 20_000 } = {}) => {
    const next = replica
    const done = async () => (await everySentinel(promoted(next))) && (await command(next.port, 'ROLE'))[0] === 'master'
    await until(`the Sentinels to promote port ${next.port}`, done, ms)
    ;[primary, replica] = [next, primary]
    return { host: '127.0.0.1', port: next.port }
  }
  const waitForReplication = async ({ ms = 30_000 } = {}) => {
    const linked = async () => {
      const info = Object.fromEntries(
        String(await command(replica.port, 'INFO', 'replication'))
          .split('\r\n')
          .map((l) => l.split(':')),
      )
      return info.master_port === String(primary.port) && info.master_link_status === 'up'
    }
    await until(`port ${replica.port} to replicate from port ${primary.port}`, linked, ms)
  }
  // No 5 s wait before a full sync (the default, for more replicas to join it): a former primary rejoins sooner.
  const replication = ['--repl-diskless-sync-delay', '0']
  const follow = ([first]) =>
    startRedis({ server, args: [...replication, '--replicaof', '127.0.0.1', String(first.port)] })
  const watch = ([first]) =>
    startRedis({ server: sentinel, config: sentinelConfig(name, first.port), args: ['--sentinel'] })
  try {
    await startAll([() => startRedis({ server, args: replication }), follow, watch, watch, watch], servers)
    ;[primary, replica] = servers
    await waitForReplication({ ms: 20_000 })
    const knows = (port) => knowsTopology(port, name, primary, replica)
    await until('every Sentinel to know the primary, the replica and the other two', () => everySentinel(knows), 20_000)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    name,
    sentinels: sentinelPorts().map((port) => ({ host: '127.0.0.1', port })),
    get primary() {
      return primary
    },
    get replica() {
      return replica
    },
    /**
     * Has one Sentinel fail over (SENTINEL FAILOVER, retried while it finds no good replica yet) and resolves with
     * the new primary's address once every Sentinel names it and it says it is primary (bounded: 10 s, then 20 s).
     */
    failover: async () => {
      const [first] = sentinelPorts()
      await until('SENTINEL FAILOVER to be accepted', () => command(first, 'SENTINEL', 'FAILOVER', name), 10_000)
      return waitForPromotion()
    },
    /** Waits until every Sentinel names the replica as primary and it says so (after killPrimary()); swaps roles. */
    waitForPromotion,
    /**
     * Waits until the replica replicates from the primary, link up (bounded: 30 s). After a failover that takes
     * about 10 s: Sentinel waits 8 s before it turns the former primary into a replica.
     */
    waitForReplication,
    /** SIGKILLs the primary (its data stays, for `primary.restart()`). */
    killPrimary: () => primary.kill(),
    /** Freezes the replica (SIGSTOP): connected but applying nothing, it lags until continueReplica() (SIGCONT). */
    stopReplica: () => signal(replica, 'SIGSTOP'),
    continueReplica: () => signal(replica, 'SIGCONT'),
    stop,
  }
}

// Sends `name` to a server's process; one that has exited already (killed, after a promotion) is left be.
function signal(server, name) {
  try {
    process.kill(server.pid(), name)
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}

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

module.exports = {
  command,
  freePort,
  freePorts,
  startApp,
  startCluster,
  startProxy,
  startRedis,
  startSentinel,
  startValkey,
}
