// The store for many processes, on Redis (or Valkey) through node-redis (the `redis` package, an optional peer
// dependency): standalone, Cluster or Sentinel. Use counts are one atomic script per counted request; revocations
// live in one sorted set, and every process keeps a copy, loaded when it connects and kept current through pub/sub,
// so checking one costs no round trip.
import { createHash, randomBytes } from 'node:crypto'
import { asOptions, assertKnownOptions, clockOption, describeValue } from '../util/option-checks.js'
import { encodeRevocation, folderRevocation, linkRevocation, revocationOf, type Revocation } from './revocation.js'
import { RevocationSet } from './revocation-set.js'
import type { LinkStore } from './link-store.js'
import type { UseAnswer } from './use-budget.js'
import type { RedisClientLike } from './redis-client-like.js'
import { given, isRefusal, ownConnection, type Send } from './redis-connection.js'
import { RENEW, SETTLE, TAKE } from './redis-budget-scripts.js'
import { BEAT, REVOKE } from './redis-revocation-scripts.js'

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

// How often each process publishes a heartbeat (ms), how many commands may wait at once, and how many members of
// the set one ZSCAN asks for (a page of about 100 kB: each decodes in well under the 50 ms an event loop may block).
const HEARTBEAT = 1000
const MAX_IN_FLIGHT = 1000
const PAGE = 1000

const SHA1 = new Map(
  [TAKE, SETTLE, RENEW, REVOKE, BEAT].map((body) => [body, createHash('sha1').update(body).digest('hex')]),
)

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

// A TAKE's reply (a number, a string, or bytes when the client returns buffers) as an answer; anything else is a
// store that cannot answer.
function answerOf(reply: unknown): UseAnswer {
  const text = Buffer.isBuffer(reply) ? reply.toString() : reply
  if (text === 'held' || text === 'spent') return text
  const ticket = typeof text === 'string' && /^\d{1,15}$/.test(text) ? Number(text) : text
  if (typeof ticket === 'number' && Number.isSafeInteger(ticket) && ticket >= 0) return ticket
  throw new Error('createRedisStore: an unexpected reply to a use count')
}
