// This process's copy of the revocations in Redis: loaded from the set, kept current through the channel, and known
// to be behind whenever it may have missed a message.
import { revocationOf } from './revocation.js'
import type { RevocationSet } from './revocation-set.js'
import type { RedisCommands } from './redis-commands.js'
import { isRefusal, type Connection } from './redis-connection.js'
import { loadRevocations } from './redis-revocation-load.js'
import { BEAT } from './redis-revocation-scripts.js'
import { keepSubscribed, pause } from './redis-subscription.js'

// How often each process publishes a heartbeat (ms).
const HEARTBEAT = 1000

/**
 * The longest message on the channel taken for one: room for a revocation of any folder a request can name (Node's
 * request headers end at 16 KiB); a longer one cannot be revoked (a TypeError).
 */
export const MAX_MESSAGE = 64 * 1024

/** What the copy is kept from: the store's connection and commands, its set and channel. */
export interface RevocationCopyOptions {
  readonly connection: Connection
  readonly commands: RedisCommands
  /** The copy itself, which the store also reads and adds to. */
  readonly revocations: RevocationSet
  readonly setKey: string
  readonly channel: string
  /** How long a command may take (ms): a heartbeat later than this and HEARTBEAT leaves the copy behind. */
  readonly timeout: number
  /** This process's heartbeat message, which no other process sends. */
  readonly heartbeat: string
}

/**
 * The copy of the revocations is current while (1) it was loaded, with no message on the channel missed since, and
 * (2) the heartbeat this process publishes every HEARTBEAT ms comes back within `timeout`. Every message carries the
 * next number of one count (see NUMBERED): a number out of turn means messages were lost (a subscription that
 * reconnected, moved to another Cluster node, or followed a failover to a primary that lacks some), and the copy is
 * loaded again. A silent subscription is noticed by the missing heartbeat, a reconnected one (where the client says
 * so) at once. Connects and subscribes when made.
 */
export class RedisRevocationCopy {
  /** Resolved by the first load, rejected by a refusal (credentials, rights) or a close before it. */
  readonly ready: Promise<void>
  private readonly options: Readonly<RevocationCopyOptions>
  private loaded = false
  // Counts the times the copy may have missed something: a load that began before the last of them is not enough.
  private missed = 0
  private expected: number | undefined
  private lastEcho = Date.now()
  private loading: Promise<void> | undefined
  private closed = false
  private isReady = false
  private settle: { resolve(): void; reject(err: unknown): void } | undefined
  private readonly beats: ReturnType<typeof setInterval>

  constructor(options: Readonly<RevocationCopyOptions>) {
    this.options = options
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }))
    this.beats = setInterval(() => {
      if (Date.now() - this.lastEcho > options.timeout + HEARTBEAT) this.behind()
      void this.beat()
    }, HEARTBEAT)
    this.beats.unref()
    // Only a refusal of the store's credentials or rights ends the subscribing, and rejects `ready`. The first
    // message heard (a heartbeat, this process's own at the latest) starts the load, and `ready` resolves once it
    // is done.
    void keepSubscribed(options.connection, options.timeout, {
      closed: () => this.closed,
      message: this.onMessage,
      resubscribed: this.resubscribed,
      subscribed: () => {
        this.lastEcho = Date.now()
        void this.beat()
      },
      refused: this.notReady,
    })
    // Awaited by those who want it; until then, requests that need the store are refused (503).
    this.ready.catch(() => undefined)
  }

  /** Whether the copy is loaded and hears the channel (false: it may have missed revocations). */
  get current(): boolean {
    return this.loaded && Date.now() - this.lastEcho <= this.options.timeout + HEARTBEAT
  }

  /** Stops the heartbeat, rejects `ready` if it is still pending, and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.beats)
    this.notReady(new Error('createRedisStore: closed before it was ready'))
    // A connection under way fails at once; one that comes up after is closed by the step that awaited it. (Not
    // waited for here: a step may be pausing on a timer that holds no process open, and a process waiting on
    // nothing else would exit in the middle of close().)
    await this.options.connection.close()
  }

  private behind(): void {
    this.loaded = false
    this.missed++
  }

  private readonly notReady = (err: unknown): void => {
    if (!this.isReady) this.settle?.reject(err)
  }

  // Loads the set into a copy built beside the current one (loadRevocations). True if nothing was missed while it
  // ran.
  private async load(): Promise<boolean> {
    const began = this.missed
    const { commands, setKey, revocations } = this.options
    await loadRevocations(commands.command, setKey, revocations)
    return began === this.missed
  }

  // Loads until a load succeeds and nothing was missed during it, one at a time.
  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        while (!this.closed) {
          try {
            if (await this.load()) {
              this.loaded = true
              this.isReady = true
              this.settle?.resolve()
              return
            }
          } catch (err) {
            // Refused rights (ACL) are the app's to mend: said through `ready`, and tried again meanwhile.
            if (isRefusal(err)) this.notReady(err)
            await pause(100)
          }
        }
      } finally {
        this.loading = undefined
      }
    })()
    return this.loading
  }

  private readonly onMessage = (text: string): void => {
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
      if (this.expected !== undefined && message.seq !== this.expected) this.behind()
      this.expected = message.seq + 1
      // The subscription hears this message, so a load begun now misses nothing after it.
      if (!this.loaded) void this.reload()
    }
    if (message.heartbeat !== undefined) {
      if (text.endsWith(this.options.heartbeat.slice(1))) this.lastEcho = Date.now()
      return
    }
    const revocation = revocationOf(message)
    if (revocation !== undefined) this.options.revocations.add(revocation)
  }

  private readonly beat = () => {
    const { commands, setKey, channel, heartbeat } = this.options
    return commands.script(commands.command, BEAT, [setKey, channel], [heartbeat]).catch((err: unknown) => {
      if (isRefusal(err)) this.notReady(err)
    })
  }

  // A subscription that reconnected may have missed messages: behind until a load after it, which a heartbeat sent
  // now starts as soon as it comes back.
  private readonly resubscribed = (): void => {
    this.behind()
    void this.beat()
  }
}
