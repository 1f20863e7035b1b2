'use strict'
// The deployments a store meets in production, built from the servers of redis-server.js: a 3-master Cluster, and a
// primary, a replica and three Sentinels. Every wait is bounded; everything is stopped by its PID.
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { REDIS, command, freePorts, startRedis, until } = require('./redis-server')

const SENTINEL = process.env.REDIS_SENTINEL_PATH ?? 'redis-sentinel'
const CLI = process.env.REDIS_CLI_PATH ?? 'redis-cli'

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

/** Starts a replica of `primary` (a server of startRedis) and resolves once it is in sync (bounded: 10 s). */
async function startReplica(primary) {
  await command(primary.port, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0')
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const synced = async () => /master_link_status:up/.test(await command(replica.port, 'INFO', 'replication'))
  await until(`port ${replica.port} to replicate port ${primary.port}`, synced, 10_000).catch(async (error) => {
    await replica.stop()
    throw error
  })
  return replica
}

module.exports = { startCluster, startReplica, startSentinel }
