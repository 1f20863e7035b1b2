// The deployments bench/support/store-harness.js builds for the Redis store's engine tests, checked on their own with
// redis-cli (Debian's redis-tools): a 3-master Cluster, a primary with a replica and three Sentinels that fail over,
// and Valkey. Each is stopped at the end of its suite, and none of its processes may outlive that.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { harness, type Cluster, type Sentinel } from './store-harness'

const { startCluster, startSentinel, startValkey } = harness

const execFileAsync = promisify(execFile)
const cli = async (...args: (string | number)[]) =>
  (await execFileAsync('redis-cli', args.map(String), { timeout: 10_000 })).stdout.trim()
// Commands on one connection, one a line (WAIT counts the replicas that have the writes of its own connection).
const session = (port: number, ...commands: string[]) =>
  new Promise<string[]>((resolve, reject) => {
    const child = execFile('redis-cli', ['-p', String(port)], { timeout: 10_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim().split('\n')),
    )
    child.stdin?.end(`${commands.join('\n')}\n`)
  })
const processId = (info: string) => /process_id:(\d+)/.exec(info)?.[1]
const running = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startCluster()', () => {
  let cluster: Cluster
  let pids: number[]
  beforeAll(async () => {
    cluster = await startCluster()
    pids = cluster.nodes.map((node) => node.pid())
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('forms three masters that share the 16384 slots', async () => {
    const nodes = (await cli('-p', cluster.ports[0], 'CLUSTER', 'NODES')).split('\n')
    const flags = nodes.map((line) => line.split(' ')[2].split(','))
    expect(flags.filter((f) => f.includes('master'))).toHaveLength(3)
    expect(await cli('-p', cluster.ports[1], 'CLUSTER', 'INFO')).toMatch(/cluster_slots_ok:16384/)
    expect(cluster.rootNodes).toEqual(cluster.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })))
  })

  it('reads through any node what was written through another (redis-cli -c follows MOVED)', async () => {
    // Keys whose slots are spread over the three masters.
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    for (const [i, key] of keys.entries()) expect(await cli('-c', '-p', cluster.ports[i % 3], 'SET', key, i)).toBe('OK')
    for (const [i, key] of keys.entries())
      expect(await cli('-c', '-p', cluster.ports[(i + 1) % 3], 'GET', key)).toBe(`${i}`)
  })

  it('leaves no process behind when stopped', async () => {
    await cluster.stop()
    expect(pids.filter(running)).toEqual([])
  })
})

describe('startSentinel()', () => {
  let topology: Sentinel
  let pids: number[]
  beforeAll(async () => {
    topology = await startSentinel()
    pids = [topology.primary.pid(), topology.replica.pid()]
  }, 60_000)
  afterAll(() => topology?.stop())

  it('has every Sentinel name the primary, whose writes reach the replica', async () => {
    for (const { port } of topology.sentinels)
      expect(await cli('-p', port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.name)).toBe(
        `127.0.0.1\n${topology.primary.port}`,
      )
    expect(await session(topology.primary.port, 'SET before failover', 'WAIT 1 5000')).toEqual(['OK', '1'])
    expect(await cli('-p', topology.replica.port, 'GET', 'before')).toBe('failover')
  })

  it('lets a test make the replica lag (stopReplica) and catch up (continueReplica)', async () => {
    topology.stopReplica()
    try {
      expect(await session(topology.primary.port, 'SET lagging yes', 'WAIT 1 300')).toEqual(['OK', '0'])
    } finally {
      topology.continueReplica()
    }
    expect(await session(topology.primary.port, 'SET caught up', 'WAIT 1 5000')).toEqual(['OK', '1'])
    expect(await cli('-p', topology.replica.port, 'GET', 'lagging')).toBe('yes')
  })

  it('fails over on request: the former replica is primary, with the data, and takes writes', async () => {
    const former = topology.replica.port
    expect(await topology.failover()).toEqual({ host: '127.0.0.1', port: former })
    expect(topology.primary.port).toBe(former)
    for (const { port } of topology.sentinels)
      expect(await cli('-p', port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.name)).toBe(`127.0.0.1\n${former}`)
    expect((await cli('-p', former, 'ROLE')).split('\n')[0]).toBe('master')
    expect(await cli('-p', former, 'GET', 'before')).toBe('failover')
    expect(await cli('-p', former, 'SET', 'after', 'failover')).toBe('OK')
  }, 40_000)

  it('turns the former primary into a replica of the new one', async () => {
    await topology.waitForReplication()
    expect((await cli('-p', topology.replica.port, 'ROLE')).split('\n')[0]).toBe('slave')
    expect(await session(topology.primary.port, 'SET again yes', 'WAIT 1 5000')).toEqual(['OK', '1'])
    expect(await cli('-p', topology.replica.port, 'GET', 'after')).toBe('failover')
  }, 40_000)

  it('promotes the replica by itself when the primary is killed', async () => {
    const survivor = topology.replica.port
    await topology.killPrimary()
    expect(await topology.waitForPromotion()).toEqual({ host: '127.0.0.1', port: survivor })
    expect(await cli('-p', survivor, 'GET', 'after')).toBe('failover')
  }, 40_000)

  it('leaves no process behind when stopped', async () => {
    const sentinelPids = await Promise.all(
      topology.sentinels.map(async ({ port }) => Number(await cli('-p', port, 'INFO', 'server').then(processId))),
    )
    await topology.stop()
    expect([...pids, ...sentinelPids].filter(running)).toEqual([])
  })
})

describe('startValkey()', () => {
  it('starts Valkey, not Redis, reads and writes, and leaves no process behind', async () => {
    const valkey = await startValkey()
    try {
      expect(await cli('-p', valkey.port, 'INFO', 'server')).toMatch(/valkey_version:8\./)
      expect(await cli('-p', valkey.port, 'SET', 'k', 'v')).toBe('OK')
      expect(await cli('-p', valkey.port, 'GET', 'k')).toBe('v')
    } finally {
      await valkey.stop()
    }
    expect(running(valkey.pid())).toBe(false)
  })

  it('says "Valkey not installed" when valkey-server is missing', async () => {
    await expect(startValkey({ server: '/nonexistent/valkey-server' })).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/^Valkey not installed/),
    })
  })
})
