// The store for many processes, on Redis (or Valkey) through node-redis (the `redis` package, an optional peer
// dependency): standalone, Cluster or Sentinel. Use counts are one atomic script per counted request; revocations
// live in one sorted set, and every process keeps a copy, loaded when it connects and kept current through pub/sub,
// so checking one costs no round trip.
import { createHash, randomBytes } from 'node:crypto'
import { asOptions, assertKnownOptions, clockOption, describeValue } from '../util/option-checks.js'
import {
  encodeRevocation,
  folderRevocation,
  linkRevocation,
  revocationOf,
  RevocationSet,
  type Revocation,
} from './revocations.js'
import type { LinkStore } from './link-store.js'
import { LEASE_SECONDS, MAX_ASKS, MAX_CLAIMS, MAX_PENDING, USE, type UseAnswer } from './use-budget.js'

/** What a command may be told: how long node-redis waits to send it (ms). */
interface SendOptions {
  timeout?: number
}
type Listener = (message: string) => void

/** What the store needs of every kind of node-redis client (v6): connecting, pub/sub, its events. */
interface RedisClientBase {
  connect(): Promise<unknown>
  subscribe(channel: string, listener: Listener): Promise<unknown>
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  off?(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  readonly isOpen: boolean
  readonly isReady: boolean
}

/** A client of one Redis: `createClient()` of the `redis` package. */
export interface RedisStandaloneClientLike extends RedisClientBase {
  sendCommand(args: string[], options?: SendOptions): Promise<unknown>
  duplicate(): RedisStandaloneClientLike
  close?(): Promise<unknown>
  destroy?(): unknown
}

/** A client of a Redis Cluster: `createCluster()` of the `redis` package. */
export interface RedisClusterClientLike extends RedisClientBase {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: SendOptions,
  ): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  nodeClient(node: never): unknown
  readonly masters: readonly unknown[]
}

/** A client of the primary that Redis Sentinel names: `createSentinel()` of the `redis` package. */
export interface RedisSentinelClientLike extends RedisClientBase {
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: SendOptions): Promise<unknown>
  use<T>(
    fn: (lease: { sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown> }) => Promise<T>,
  ): Promise<T>
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  getSentinelNode(): unknown
}

/** Any client {@link createRedisStore} takes. */
export type RedisClientLike = RedisStandaloneClientLike | RedisClusterClientLike | RedisSentinelClientLike

/** Options of {@link createRedisStore}: a `url`, or a `client` the app made and closes itself. */
export interface RedisStoreOptions {
  /** `redis://host:port/db`: the store makes its own client of one Redis (the `redis` package must be installed). */
  url?: string
  /**
   * A node-redis client (v6), connected or not: `createClient()`, `createCluster()` or `createSentinel()`. A
   * Sentinel client follows failovers; a `url` or `createClient()` of a primary does not.
   */
  client?: RedisClientLike
  /** Prefix of every key and channel. Default `'signed-url:'`. */
  prefix?: string
  /** How long a command may take before the store counts as unable to answer (ms). Default `1000`. */
  timeout?: number
  /**
   * How many replicas must hold a use or a revocation (Redis's `WAIT`) before it counts: a request whose use
   * they do not confirm within `timeout` is refused with 503, and `revoke` rejects. Default `0`: the primary's word.
   * With 0, a failover to a replica that lagged forgets the uses and revocations it had not yet received.
   */
  waitForReplicas?: number
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. */
  now?: () => number
}

// One link's budget (use-budget.ts, whose steps these scripts follow line for line) lives in the hash KEYS[1]:
// k kept, h held, u heldUntil, r credited, c claims ("start end start end ..."), n seq, a asks ("start end ticket
// ..."), z size, p pending ("ticket start end credit ..."). A count that an earlier version kept as a plain number (the kept amount) is taken over first, keeping its
// lifetime; holds nobody vouched for in time lapse into kept.
const BUDGET = `local function num(s) return tonumber(s) or 0 end
local function int(n) return string.format('%.0f', n) end
local function list(s)
  local out = {}
  for n in string.gmatch(s or '', '%d+') do out[#out + 1] = tonumber(n) end
  return out
end
local function spell(l)
  local out = {}
  for i = 1, #l do out[i] = int(l[i]) end
  return table.concat(out, ' ')
end
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then
  local was = math.max(0, num(redis.call('GET', KEYS[1])))
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'k', int(was), 'h', '0', 'u', '0', 'r', '0', 'c', '', 'n', '0', 'a', '', 'z', '0', 'p', '')
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local f = redis.call('HMGET', KEYS[1], 'k', 'h', 'u', 'r', 'c', 'n', 'a', 'z', 'p')
local kept, held, heldUntil, credited, claims = num(f[1]), num(f[2]), num(f[3]), num(f[4]), list(f[5])
local seq, asks, bytes, pending = num(f[6]), list(f[7]), num(f[8]), list(f[9])
local function write(expireAt)
  redis.call('HSET', KEYS[1], 'k', int(kept), 'h', int(held), 'u', int(heldUntil), 'r', int(credited), 'c',
    spell(claims), 'n', int(seq), 'a', spell(asks), 'z', int(bytes), 'p', spell(pending))
  -- Kept as long as the longest any guard asked (guards with other clock tolerances may share it).
  if expireAt then
    local left = redis.call('TTL', KEYS[1])
    if left < 0 or tonumber(redis.call('TIME')[1]) + left < tonumber(expireAt) then
      redis.call('EXPIREAT', KEYS[1], expireAt)
    end
  end
end
local function overlapOf(l, start, stop)
  local total = 0
  for i = 1, #l, 2 do
    local from, to = math.max(l[i], start), math.min(l[i + 1], stop)
    if to > from then total = total + to - from end
  end
  return total
end
local function subtract(l, start, stop)
  local left = {}
  for i = 1, #l, 2 do
    local from, to = l[i], l[i + 1]
    if to <= start or from >= stop then
      left[#left + 1] = from
      left[#left + 1] = to
    else
      if from < start then
        left[#left + 1] = from
        left[#left + 1] = start
      end
      if to > stop then
        left[#left + 1] = stop
        left[#left + 1] = to
      end
    end
  end
  return left
end
local function creditFor(overlap, resend, size)
  local credit = math.min(math.floor(overlap / size * ${USE}), resend - credited, kept)
  if credit > 0 then return credit end
  return 0
end
`
// Takes ARGV amount, limit, resend, start, end, size of the budget (kept until ARGV[7], Unix seconds) at ARGV[8]
// (now): a ticket (a number), 'held' or 'spent', as takeUse.
const TAKE = `${BUDGET}local now = tonumber(ARGV[8])
if held > 0 and now > heldUntil then
  kept = kept + held
  held = 0
end
local amount, limit, resend = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start, stop, size = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if amount == 0 then
  if kept < limit then return 0 else return 'spent' end
end
if size ~= bytes then
  claims, asks, pending, bytes = {}, {}, {}, size
end
local room = math.min(resend - credited, kept)
local credits = {}
local credit = 0
if size > 0 then
  for i = 1, #claims, 2 do
    if room <= 0 then break end
    local from, to = math.max(claims[i], start), math.min(claims[i + 1], stop)
    local worth = 0
    if to > from then worth = math.min(math.floor((to - from) / size * ${USE}), room) end
    if worth > 0 then
      credits[#credits + 1] = from
      credits[#credits + 1] = to
      credits[#credits + 1] = worth
      room = room - worth
      credit = credit + worth
    end
  end
end
if kept - credit + held + amount <= limit then
  kept = kept - credit
  held = held + amount
  heldUntil = math.max(heldUntil, now + ${LEASE_SECONDS})
  credited = credited + credit
  seq = seq + 1
  for i = 1, #credits, 3 do
    claims = subtract(claims, credits[i], credits[i + 1])
    pending[#pending + 1] = seq
    pending[#pending + 1] = credits[i]
    pending[#pending + 1] = credits[i + 1]
    pending[#pending + 1] = credits[i + 2]
  end
  while #pending > ${4 * MAX_PENDING} do
    for _ = 1, 4 do table.remove(pending, 1) end
  end
  if size > 0 then
    asks[#asks + 1] = start
    asks[#asks + 1] = stop
    asks[#asks + 1] = seq
    while #asks > ${3 * MAX_ASKS} do
      for _ = 1, 3 do table.remove(asks, 1) end
    end
  end
  write(ARGV[7])
  return seq
end
if kept - credit + amount <= limit then return 'held' end
return 'spent'`
// Settles ARGV ticket, amount, kept, resend, size, start, end, with the claim [ARGV[8], ARGV[9]) when given, as
// settleUse; nothing for a budget that lapsed.
const SETTLE = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${BUDGET}local ticket, amount, sent = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local resend, size, start, stop = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local fromHeld = math.min(held, amount)
held = held - fromHeld
kept = math.max(0, kept + sent - (amount - fromHeld))
local through = start
if ARGV[8] ~= '' then through = tonumber(ARGV[9]) elseif sent > 0 then through = stop end
local left = {}
for i = 1, #pending, 4 do
  if pending[i] ~= ticket then
    for j = 0, 3 do left[#left + 1] = pending[i + j] end
  else
    local from, to = math.max(pending[i + 1], through), pending[i + 2]
    if to > from and size > 0 then
      local back = math.min(pending[i + 3], math.ceil((to - from) / size * ${USE}))
      kept = kept + back
      credited = credited - back
      claims[#claims + 1] = from
      claims[#claims + 1] = to
    end
  end
end
pending = left
while #claims > ${2 * MAX_CLAIMS} do
  table.remove(claims, 1)
  table.remove(claims, 1)
end
if ARGV[8] ~= '' and tonumber(ARGV[9]) > tonumber(ARGV[8]) and size == bytes then
  local claim = { tonumber(ARGV[8]), tonumber(ARGV[9]) }
  local overlap = 0
  for i = 1, #asks, 3 do
    if asks[i + 2] > ticket then
      overlap = overlap + overlapOf(claim, asks[i], asks[i + 1])
      claim = subtract(claim, asks[i], asks[i + 1])
    end
  end
  if overlap > 0 and size > 0 then
    local credit = creditFor(overlap, resend, size)
    kept = kept - credit
    credited = credited + credit
  end
  for i = 1, #claim do claims[#claims + 1] = claim[i] end
  while #claims > ${2 * MAX_CLAIMS} do
    table.remove(claims, 1)
    table.remove(claims, 1)
  end
end
write(nil)
return 1`
// Renews the holds' lease at ARGV[1] (now), as renewUse.
const RENEW = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${BUDGET}if held > 0 then heldUntil = math.max(heldUntil, tonumber(ARGV[1]) + ${LEASE_SECONDS}) end
write(nil)
return 1`
// Every message on the channel KEYS[2] carries the next number of one count, kept in the set KEYS[1] itself as the
// member '#seq' (its score is minus the count: revocations' scores, Unix times, are positive). The set and the
// channel share one name, so on a Cluster they share a slot and the script runs on one node, whatever the prefix.
// A count that is not a whole number below 2^53 (written by hand: inf, a fraction) starts again from 1, which every
// process takes for a gap: messages always stay JSON.
const NUMBERED = `local function publish(message)
  local seq = -tonumber(redis.call('ZINCRBY', KEYS[1], -1, '#seq'))
  if not (seq >= 1 and seq < 9007199254740992 and seq == math.floor(seq)) then
    redis.call('ZADD', KEYS[1], -1, '#seq')
    seq = 1
  end
  redis.call('PUBLISH', KEYS[2], '{"seq":' .. string.format('%.0f', seq) .. ',' .. string.sub(message, 2))
end
`
// Adds revocation ARGV[1] (lapsing at ARGV[2]) to the set, drops lapsed ones (before ARGV[3]), and tells every
// process: one step, so none can read the set without it and miss the message.
const REVOKE = `${NUMBERED}redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '0', ARGV[3])
publish(ARGV[1])
return 1`
// A heartbeat ARGV[1] on the channel: proof the subscription still hears, and a number that shows a gap.
const BEAT = `${NUMBERED}publish(ARGV[1])
return 1`

// How often each process publishes a heartbeat (ms), how many commands may wait at once, and how many members of
// the set one ZSCAN asks for (a page of about 100 kB: each decodes in well under the 50 ms an event loop may block).
const HEARTBEAT = 1000
const MAX_IN_FLIGHT = 1000
const PAGE = 1000

const SHA1 = new Map(
  [TAKE, SETTLE, RENEW, REVOKE, BEAT].map((body) => [body, createHash('sha1').update(body).digest('hex')]),
)

// Sends a command to the node that holds `key` (the primary); `pinned` runs steps on one connection, so a WAIT
// after them counts their writes.
type Send = (key: string, args: string[]) => Promise<unknown>
interface Connection {
  send: Send
  pinned<T>(key: string, steps: (send: Send) => Promise<T>): Promise<T>
  connect(): Promise<void>
  /** Subscribes `listener`; `resubscribed` is called whenever the subscription may have missed messages. */
  subscribe(listener: Listener, resubscribed: () => void): Promise<void>
  close(): Promise<void>
}

/**
 * A store in Redis, shared by every process that uses the same Redis and prefix. `ready` resolves once this
 * process has loaded the revocations and listens for new ones, however long the first connection takes; it rejects
 * only when Redis refuses the store's credentials or rights, or the store is closed first. Redis should persist its
 * data (AOF): a Redis that restarts empty forgets how often each link was used. Throws a TypeError on bad options.
 */
export function createRedisStore(options: Readonly<RedisStoreOptions>): LinkStore & { ready: Promise<void> } {
  const opts = asOptions<RedisStoreOptions>('createRedisStore', options)
  assertKnownOptions('createRedisStore', opts, OPTIONS)
  if ((opts.url === undefined) === (opts.client === undefined))
    throw new TypeError('createRedisStore: give either "url" or "client"')
  if (opts.url !== undefined && (typeof opts.url !== 'string' || !/^rediss?:\/\//.test(opts.url)))
    throw new TypeError(`createRedisStore: "url" must be a redis:// or rediss:// URL, got ${describeValue(opts.url)}`)
  const prefix = opts.prefix ?? 'signed-url:'
  if (typeof prefix !== 'string' || /[\s\u0000-\u001f]/.test(prefix))
    throw new TypeError(`createRedisStore: "prefix" must be a string without spaces, got ${describeValue(prefix)}`)
  const timeout = opts.timeout ?? 1000
  if (!Number.isSafeInteger(timeout) || timeout < 1)
    throw new TypeError(
      `createRedisStore: "timeout" must be a positive number of milliseconds, got ${describeValue(timeout)}`,
    )
  const replicas = opts.waitForReplicas ?? 0
  if (!Number.isSafeInteger(replicas) || replicas < 0)
    throw new TypeError(
      `createRedisStore: "waitForReplicas" must be a whole number of replicas, 0 or more, got ${describeValue(replicas)}`,
    )
  const now = clockOption('createRedisStore', opts.now)
  const setKey = `${prefix}revocations`
  const channel = `${prefix}revocations`
  // Made only once every option is known good.
  const connection =
    opts.client === undefined ? ownConnection(opts.url as string, channel) : given(opts.client, channel)
  const nowS = () => now() / 1000
  const revocations = new RevocationSet(nowS)
  let closed = false
  // Commands under way: past MAX_IN_FLIGHT (a Redis that stopped answering), new ones fail at once, so memory
  // stays bounded however long it stays silent.
  let inFlight = 0
  // node-redis drops a command's timeout once the command is on the socket: a Redis that stalls (SIGSTOP, a long
  // script, a network that drops packets without closing) would hold every request. So each has its own timer.
  // A command counts as waiting until Redis answers it (or its connection drops), not until its timer gives up:
  // one that timed out still holds its place in node-redis's queue.
  const timed =
    (send: Send): Send =>
    (key, args) => {
      if (inFlight >= MAX_IN_FLIGHT) return Promise.reject(new Error('createRedisStore: too many commands waiting'))
      inFlight++
      return withTimeout(
        send(key, args).finally(() => inFlight--),
        timeout,
      )
    }
  const command = timed(connection.send)
  // A script by its SHA-1 (EVALSHA: a fraction of EVAL's cost, measured), sent whole once Redis lacks it.
  const script = async (send: Send, body: string, keys: string[], args: string[]) => {
    const sha = SHA1.get(body) as string
    try {
      return await send(keys[0], ['EVALSHA', sha, String(keys.length), ...keys, ...args])
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return send(keys[0], ['EVAL', body, String(keys.length), ...keys, ...args])
    }
  }
  // A write that must survive a failover: the script, then WAIT on the same connection until `replicas` replicas
  // hold it (Redis's WAIT counts every earlier write of the connection). Not confirmed in time: it did not count.
  // What the script did is not taken back: an undo sent later may reach a promoted replica that never had the
  // write (node-redis queues commands while it reconnects), and take back a use that was never spent there.
  // `wrote` says from the script's reply whether it wrote what replicas must hold (default: it did).
  const durable = async (
    body: string,
    keys: string[],
    args: string[],
    wrote: (reply: unknown) => boolean = () => true,
    unconfirmed: (reply: unknown) => void = () => undefined,
  ): Promise<unknown> => {
    if (replicas === 0) return script(command, body, keys, args)
    // Bounded as a whole too: a lease of a Sentinel client waits for the connection's other commands.
    const leased = connection.pinned(keys[0], async (send) => {
      const pinned = timed(send)
      const result = await script(pinned, body, keys, args)
      if (!wrote(result)) return result
      const wait = ['WAIT', String(replicas), String(Math.max(1, Math.floor(timeout * 0.8)))]
      const held = await pinned(keys[0], wait).then(Number, (err: unknown) => {
        unconfirmed(result)
        throw err
      })
      if (!(held >= replicas)) {
        unconfirmed(result)
        throw new Error(`createRedisStore: ${String(held)} of ${replicas} replicas confirmed the write in time`)
      }
      return result
    })
    return withTimeout(leased, 2 * timeout)
  }

  // The copy of the revocations is current while (1) it was loaded, with no message on the channel missed since,
  // and (2) the heartbeat this process publishes every HEARTBEAT ms comes back within `timeout`. Every message
  // carries the next number of one count (see NUMBERED): a number out of turn means messages were lost (a
  // subscription that reconnected, moved to another Cluster node, or followed a failover to a primary that lacks
  // some), and the copy is loaded again. A silent subscription is noticed by the missing heartbeat, a reconnected
  // one (where the client says so) at once.
  let loaded = false
  // Counts the times the copy may have missed something: a load that began before the last of them is not enough.
  let missed = 0
  let expected: number | undefined
  let lastEcho = Date.now()
  let loading: Promise<void> | undefined
  const heartbeat = JSON.stringify({ heartbeat: `${process.pid}.${randomBytes(6).toString('hex')}` })
  const behind = () => {
    loaded = false
    missed++
  }
  // `ready`: resolved by the first load, rejected by a refusal (credentials, rights) or a close before it.
  let isReady = false
  let settle: { resolve(): void; reject(err: unknown): void } | undefined
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
  const notReady = (err: unknown) => {
    if (!isReady) settle?.reject(err)
  }
  // Loads the set in pages (ZSCAN: each a short step for Redis, and a pause for this process's event loop between
  // them) into a copy built beside the current one; revocations that arrive meanwhile are kept (RevocationSet.load).
  // True if nothing was missed while it ran.
  const load = async (): Promise<boolean> => {
    const began = missed
    const into = revocations.load()
    let cursor = '0'
    do {
      const [next, flat] = (await command(setKey, ['ZSCAN', setKey, cursor, 'COUNT', String(PAGE)])) as [
        unknown,
        unknown[],
      ]
      into.put(membersOf(flat))
      cursor = textOf(next)
    } while (cursor !== '0')
    into.finish()
    return began === missed
  }
  // Loads until a load succeeds and nothing was missed during it, one at a time.
  const reload = (): Promise<void> => {
    loading ??= (async () => {
      try {
        while (!closed) {
          try {
            if (await load()) {
              loaded = true
              isReady = true
              settle?.resolve()
              return
            }
          } catch (err) {
            // Refused rights (ACL) are the app's to mend: said through `ready`, and tried again meanwhile.
            if (isRefusal(err)) notReady(err)
            await pause(100)
          }
        }
      } finally {
        loading = undefined
      }
    })()
    return loading
  }
  const onMessage = (text: string) => {
    // Revocations and heartbeats are short: anything longer is no message of ours (and would block to parse).
    if (text.length > MAX_MESSAGE) return
    let message: { seq?: unknown; heartbeat?: unknown }
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      return
    }
    if (typeof message !== 'object' || message === null) return
    if (typeof message.seq === 'number') {
      if (expected !== undefined && message.seq !== expected) behind()
      expected = message.seq + 1
      // The subscription hears this message, so a load begun now misses nothing after it.
      if (!loaded) void reload()
    }
    if (message.heartbeat !== undefined) {
      if (text.endsWith(heartbeat.slice(1))) lastEcho = Date.now()
      return
    }
    const revocation = revocationOf(message)
    if (revocation !== undefined) revocations.add(revocation)
  }
  const beat = () =>
    script(command, BEAT, [setKey, channel], [heartbeat]).catch((err: unknown) => {
      if (isRefusal(err)) notReady(err)
    })
  const beats = setInterval(() => {
    if (Date.now() - lastEcho > timeout + HEARTBEAT) behind()
    void beat()
  }, HEARTBEAT)
  beats.unref()
  // A subscription that reconnected may have missed messages: behind until a load after it, which a heartbeat sent
  // now starts as soon as it comes back.
  const resubscribed = () => {
    behind()
    void beat()
  }

  // Connects and subscribes, each step again (after a pause) until it works, for as long as it takes; only a
  // refusal of the store's credentials or rights ends it, and rejects `ready`. The first message heard (a
  // heartbeat, this process's own at the latest) starts the load, and `ready` resolves once it is done.
  void (async () => {
    for (let tries = 0; !closed; tries++) {
      try {
        await connection.connect()
        // Closed while connecting: what came up after the close is closed now.
        if (closed) {
          await connection.close()
          return
        }
        // node-redis keeps a listener once however often it is given (a retry after a late answer is harmless).
        await withTimeout(connection.subscribe(onMessage, resubscribed), timeout)
        if (closed) {
          await connection.close()
          return
        }
        lastEcho = Date.now()
        void beat()
        return
      } catch (err) {
        if (isRefusal(err)) {
          notReady(err)
          return
        }
        await pause(Math.min(100 * (tries + 1), 2000))
      }
    }
  })()
  // Awaited by those who want it; until then, requests that need the store are refused (503).
  ready.catch(() => undefined)

  const publish = async (revocation: Revocation) => {
    const text = encodeRevocation(revocation)
    // Every process would ignore it (see MAX_MESSAGE): no path that long is ever requested (Node's headers end at 16 KiB).
    if (text.length > MAX_MESSAGE)
      throw new TypeError(`revokeFolder: the folder is too long (over ${MAX_MESSAGE - 100} characters)`)
    // Kept here first: refused in this process at once, whatever Redis answers.
    revocations.add(revocation)
    await durable(REVOKE, [setKey, channel], [text, String(revocation.until), String(Math.floor(nowS()))])
  }
  return {
    get current() {
      return loaded && Date.now() - lastEcho <= timeout + HEARTBEAT
    },
    ready,
    revoke: async (link) => publish(linkRevocation(link)),
    revokeFolder: async (folder, folderOptions) => publish(folderRevocation(folder, folderOptions, nowS())),
    revoked: (link) => revocations.has(link),
    async take(signature, ask, until) {
      const key = `${prefix}uses:${signature}`
      const { amount, limit, resend, start, end, size } = ask
      const args = [amount, limit, resend, start, end, size, until, Math.floor(nowS())].map(String)
      // A check that holds nothing (amount 0) writes nothing that a replica must hold.
      // A request refused ('held', 'spent') wrote nothing a replica must hold: no WAIT for each of a wait's polls.
      // A hold the replicas did not confirm is refused (503) and settled as sent in full on the primary: never given
      // back (that could reach a promoted replica that never had it), and no longer in the way of other requests
      // as a running response would be.
      const sentInFull = (reply: unknown) => {
        const ticket = answerOf(reply)
        if (typeof ticket !== 'number') return
        const settle = [ticket, amount, amount, resend, size, start, end, '', ''].map(String)
        script(command, SETTLE, [key], settle).catch(() => undefined)
      }
      const answer =
        amount > 0
          ? await durable(TAKE, [key], args, (reply) => typeof answerOf(reply) === 'number', sentInFull)
          : await script(command, TAKE, [key], args)
      return answerOf(answer)
    },
    async settle(signature, ticket, ask, kept, tail) {
      // Settling is never waited for: one lost in a failover leaves the hold, which lapses into kept (refuses more,
      // never serves more). (A hold the replicas did not confirm was refused, never served.)
      const { amount, resend, size, start, end } = ask
      const args = [ticket, amount, kept, resend, size, start, end, tail?.[0] ?? '', tail?.[1] ?? ''].map(String)
      await script(command, SETTLE, [`${prefix}uses:${signature}`], args)
    },
    async renew(signature) {
      await script(command, RENEW, [`${prefix}uses:${signature}`], [String(Math.floor(nowS()))])
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(beats)
      notReady(new Error('createRedisStore: closed before it was ready'))
      // A connection under way fails at once; one that comes up after is closed by the step that awaited it. (Not
      // waited for here: a step may be pausing on a timer that holds no process open, and a process waiting on
      // nothing else would exit in the middle of close().)
      await connection.close()
    },
  }
}

// The longest message on the channel taken for one: room for a revocation of any folder a request can name (Node's
// request headers end at 16 KiB); a longer one cannot be revoked (a TypeError).
const MAX_MESSAGE = 64 * 1024

// A reply as text: node-redis gives strings, or Buffers when the app's client maps them so (typeMapping).
function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return String(value)
}

const OPTIONS: ReadonlySet<string> = new Set(['url', 'client', 'prefix', 'timeout', 'waitForReplicas', 'now'])

// The revocations among a ZSCAN page (member, score, member, score...): the members that decode as one.
function* membersOf(flat: readonly unknown[]): Generator<Revocation> {
  for (let i = 0; i < flat.length; i += 2) {
    const member = textOf(flat[i])
    if (member.charCodeAt(0) !== 0x7b /* { */) continue
    try {
      const revocation = revocationOf(JSON.parse(member))
      if (revocation !== undefined) yield revocation
    } catch {
      // Not one of ours.
    }
  }
}

// Errors that no retry mends: Redis refused the store's credentials or rights (ACL), or the script commands.
function isRefusal(err: unknown): boolean {
  // node-redis wraps the server's refusal when its reconnect strategy gives up on it: the cause says it.
  for (let e = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++)
    if (/\b(?:WRONGPASS|NOAUTH|NOPERM)\b/.test(e.message)) return true
  return false
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

// `promise`, or a rejection once `ms` have passed without it (the timer holds no process open).
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('createRedisStore: Redis did not answer in time')), ms)
    timer.unref()
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// The kind of client the app gave, told apart by what only it has (node-redis exports no classes to test against):
// a Cluster client its `masters` and `nodeClient`, a Sentinel client its `use` and `getSentinelNode`. Anything else
// (a client pool, another library's client) is refused: its calls would fail on every request.
function given(client: unknown, channel: string): Connection {
  const c = client as Record<string, unknown> | null
  const has = (...names: string[]) => names.every((name) => typeof c?.[name] === 'function')
  if (typeof client !== 'object' || c === null || !has('sendCommand', 'connect', 'subscribe', 'on'))
    throw new TypeError(
      `createRedisStore: "client" must be a node-redis v6 client (createClient, createCluster or createSentinel), got ${describeValue(client)}`,
    )
  if (has('nodeClient') && 'masters' in c) return clusterConnection(client as RedisClusterClientLike, channel)
  if (has('use', 'getSentinelNode')) return sentinelConnection(client as RedisSentinelClientLike, channel)
  if (has('duplicate')) return standaloneConnection(client as RedisStandaloneClientLike, channel, false)
  throw new TypeError(
    `createRedisStore: "client" must be a node-redis v6 client (createClient, createCluster or createSentinel), got ${describeValue(client)}`,
  )
}

// Errors are the connection's: commands fail (and are refused with 503) while it lasts; never a crash.
const ignore = () => undefined

// One Redis: commands on the client, pub/sub on a duplicate of it (a subscribed connection takes no commands), the
// duplicate closed with the store, the client too when the store made it.
function standaloneConnection(client: RedisStandaloneClientLike, channel: string, own: boolean): Connection {
  client.on('error', ignore)
  const subscriber = client.duplicate()
  subscriber.on('error', ignore)
  let watching = false
  const send: Send = (_key, args) => client.sendCommand(args)
  return {
    send,
    // One connection carries every command of the client: WAIT after a write counts it.
    pinned: (_key, steps) => steps(send),
    async connect() {
      if (!client.isOpen) await client.connect()
    },
    async subscribe(listener, resubscribed) {
      if (!watching) {
        watching = true
        // node-redis subscribes again by itself after a reconnection; what was published meanwhile is lost.
        subscriber.on('ready', resubscribed)
      }
      if (!subscriber.isOpen) await subscriber.connect()
      await subscriber.subscribe(channel, listener)
    },
    async close() {
      await end(subscriber)
      if (own) await end(client)
    },
  }
}

// A Cluster: each command goes to the node of its key's slot. Pub/sub is the classic kind (PUBLISH reaches every
// node over the cluster bus, and node-redis listens on one node, moving to another if it fails): revocations are
// rare, and a heartbeat a second per process costs the bus little, where sharded pub/sub would tie every process's
// subscription to the one shard that holds the set and its resubscription to slot moves. node-redis tells of every
// node's (re)connection, the one it listens on among them: the copy is behind at each (more often than needed, the
// safe side).
function clusterConnection(client: RedisClusterClientLike, channel: string): Connection {
  const send: Send = (key, args) => client.sendCommand(key, false, args)
  // node-redis keeps one connection to each node: WAIT after a write, routed by the same key, follows it.
  return listeningOn(client, channel, 'node-ready', send, (_key, steps) => steps(send))
}

// The primary Sentinel names: node-redis finds it, and after a failover the new one, commands and pub/sub alike; a
// failover moves the subscription, and what was published meanwhile may be lost.
function sentinelConnection(client: RedisSentinelClientLike, channel: string): Connection {
  // node-redis may keep several connections to the primary: a lease holds one for the write and its WAIT.
  const pinned: Connection['pinned'] = (_key, steps) =>
    client.use((lease) => steps((_k, args) => lease.sendCommand(false, args)))
  return listeningOn(client, channel, 'topology-change', (_key, args) => client.sendCommand(false, args), pinned)
}

// A Cluster or Sentinel client, the app's: commands through `send`, pub/sub on the client itself (node-redis keeps
// a connection of its own for it), `event` telling when the subscription may have missed messages. Closing the
// store takes its listeners off, never the client down.
function listeningOn(
  client: RedisClusterClientLike | RedisSentinelClientLike,
  channel: string,
  event: 'node-ready' | 'topology-change',
  send: Send,
  pinned: Connection['pinned'],
): Connection {
  client.on('error', ignore)
  let listening: Listener | undefined
  let missed: (() => void) | undefined
  return {
    send,
    pinned,
    async connect() {
      if (!client.isOpen) await client.connect()
    },
    async subscribe(listener, resubscribed) {
      if (missed === undefined) client.on(event, (missed = resubscribed))
      await client.subscribe(channel, listener)
      listening = listener
    },
    async close() {
      if (missed !== undefined) client.off?.(event, missed)
      if (listening !== undefined) await client.unsubscribe(channel, listening as never).catch(ignore)
    },
  }
}

// Closes a client: gracefully once it is connected, at once (no more reconnecting) while it is not.
async function end(client: RedisStandaloneClientLike): Promise<void> {
  try {
    if (client.isReady && client.close !== undefined) await client.close()
    else client.destroy?.()
  } catch {
    // Gone already; or destroyed while its socket was being made, after which node-redis 6 finishes connecting
    // and says it is ready but refuses close(): destroy() ends it.
    try {
      client.destroy?.()
    } catch {
      // Gone.
    }
  }
}

// The store's own client of one Redis: commands fail at once while Redis is unreachable (no queue to serve from
// later), and it reconnects every 100 ms to 2 s, except when Redis refuses its credentials.
function ownConnection(url: string, channel: string): Connection {
  let redis: { createClient(options: object): RedisStandaloneClientLike }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    redis = require('redis') as typeof redis
  } catch {
    throw new TypeError('createRedisStore: "url" needs the redis package: npm install redis')
  }
  const client = redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number, cause: unknown) =>
        isRefusal(cause) ? (cause as Error) : Math.min(100 * (retries + 1), 2000),
    },
  })
  return standaloneConnection(client, channel, true)
}

// A TAKE's reply (a number, a string, or bytes when the client returns buffers) as an answer; anything else is a
// store that cannot answer.
function answerOf(reply: unknown): UseAnswer {
  const text = Buffer.isBuffer(reply) ? reply.toString() : reply
  if (text === 'held' || text === 'spent') return text
  const ticket = typeof text === 'string' && /^\d{1,15}$/.test(text) ? Number(text) : text
  if (typeof ticket === 'number' && Number.isSafeInteger(ticket) && ticket >= 0) return ticket
  throw new Error('createRedisStore: an unexpected reply to a use count')
}
