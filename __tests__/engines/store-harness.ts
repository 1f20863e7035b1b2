// bench/support/store-harness.js as the Redis engine suites use it, typed once: the servers it starts (Redis, Valkey, a
// Cluster, Sentinel), the app processes (bench/support/store-app.js) and the proxy, and a tally of the apps' answers.

/** A redis-server (or valkey-server, or a Sentinel) on a loopback port, stopped by its PID. */
export interface Server {
  port: number
  url: string
  pid(): number
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface Cluster {
  rootNodes: { url: string }[]
  ports: number[]
  urls: string[]
  nodes: Server[]
  stop(): Promise<void>
}

/** A primary, a replica and three Sentinels; `primary` and `replica` follow the roles through a promotion. */
export interface Sentinel {
  name: string
  sentinels: { host: string; port: number }[]
  readonly primary: Server
  readonly replica: Server
  failover(): Promise<{ host: string; port: number }>
  waitForPromotion(options?: { ms?: number }): Promise<{ host: string; port: number }>
  waitForReplication(options?: { ms?: number }): Promise<void>
  killPrimary(): Promise<void>
  stopReplica(): void
  continueReplica(): void
  stop(): Promise<void>
}

export interface Reply {
  status: number
  code?: string
  bytes: number
}

/** An app process: a guarded folder on a store of its own, asked over HTTP and over IPC. */
export interface App {
  /** The loopback port it serves on. */
  port: number
  alive(): boolean
  ask(message: object): Promise<{ ok?: true; error?: string; rss?: number; current?: boolean; revoked?: boolean }>
  get(target: string, headers?: Record<string, string>): Promise<Reply>
  stop(): Promise<void>
}

/** What an app connects to: a redis:// URL (the store's own client), or the client for it to make. */
export type Target =
  string | { cluster: string[] } | { sentinel: { name: string; sentinels: Sentinel['sentinels'] } } | { client: string }

export interface Proxy {
  url: string
  pause(): void
  resume(): void
  holding(): Promise<void>
  release(): void
  stop(): Promise<void>
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const harness = require('../../bench/support/store-harness') as {
  command(port: number, ...args: string[]): Promise<unknown>
  startRedis(): Promise<Server>
  startValkey(options?: { server?: string }): Promise<Server>
  startCluster(): Promise<Cluster>
  startSentinel(): Promise<Sentinel>
  startApp(target: Target, key: string, root: string, options?: { strict?: boolean; options?: object }): Promise<App>
  startProxy(port: number, options?: { holdRepliesTo?: string }): Promise<Proxy>
}

/** How many answers of each kind: `{ '200': 3, '410 ERR_USES_EXHAUSTED': 97 }`. */
export function tally(replies: readonly { status: number; code?: string }[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const r of replies) {
    const key = `${r.status}${r.code === undefined ? '' : ` ${r.code}`}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}
