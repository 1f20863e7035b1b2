// The store for many processes, on Redis (or Valkey) through node-redis (the `redis` package, an optional peer
// dependency): standalone, Cluster or Sentinel. Use counts are one atomic script per counted request; revocations
// live in one sorted set, and every process keeps a copy, loaded when it connects and kept current through pub/sub,
// so checking one costs no round trip.
import { randomBytes } from 'node:crypto'
import type { LinkStore } from './link-store.js'
import { encodeRevocation, folderRevocation, linkRevocation, type Revocation } from './revocation.js'
import { RevocationSet } from './revocation-set.js'
import type { UseAnswer } from './use-budget.js'
import { RENEW, SETTLE, TAKE } from './redis-budget-scripts.js'
import { redisCommands } from './redis-commands.js'
import { given, ownConnection } from './redis-connection.js'
import { MAX_MESSAGE, RedisRevocationCopy } from './redis-revocation-copy.js'
import { REVOKE } from './redis-revocation-scripts.js'
import { readRedisStoreOptions, type RedisStoreOptions } from './redis-store-options.js'

/**
 * A store in Redis, shared by every process that uses the same Redis and prefix. `ready` resolves once this
 * process has loaded the revocations and listens for new ones, however long the first connection takes; it rejects
 * only when Redis refuses the store's credentials or rights, or the store is closed first. Redis should persist its
 * data (AOF): a Redis that restarts empty forgets how often each link was used. Throws a TypeError on bad options.
 */
export function createRedisStore(options: Readonly<RedisStoreOptions>): LinkStore & {
  /** Resolves once this process's copy of the revocations is loaded; rejects on refused credentials or a close. */
  ready: Promise<void>
} {
  const { url, client, prefix, timeout, replicas, now } = readRedisStoreOptions(options)
  const setKey = `${prefix}revocations`
  const channel = `${prefix}revocations`
  // Made only once every option is known good.
  const connection =
    client === undefined ? ownConnection(url as string, channel, timeout) : given(client, channel, timeout)
  const nowS = () => now() / 1000
  const revocations = new RevocationSet(nowS)
  const commands = redisCommands(connection, timeout, replicas)
  const { command, script, durable } = commands
  const heartbeat = JSON.stringify({ heartbeat: `${process.pid}.${randomBytes(6).toString('hex')}` })
  const copy = new RedisRevocationCopy({ connection, commands, revocations, setKey, channel, timeout, heartbeat })

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
      return copy.current
    },
    ready: copy.ready,
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
    close: () => copy.close(),
  }
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
