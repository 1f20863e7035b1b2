// The stores the real-client suites (engines/downloaders.engine.ts, browser/video.browser.ts) run their cases on:
// a one-use link on the memory store and on a real Redis (started here, stopped by its PID), and a plain link that
// no store counts, which checks the harness itself.
import http from 'node:http'
import { createMemoryStore, createRedisStore, type LinkStore } from 'express-signed-url'
import { harness } from '../engines/store-harness'

/** One request as the app logged it (support/limited-app.js). */
export interface Logged {
  n: number
  method: string
  range?: string
  status?: number
  code?: string
  bytes: number
}

/** The app of support/limited-app.js: signedStatic on a store, with a log of what each request sent. */
export interface LimitedApp {
  base: string
  log: Logged[]
  reset(): void
  settled(ms?: number): Promise<void>
  report(size: number): string
  close(): Promise<void>
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { startLimitedApp } = require('./limited-app') as {
  startLimitedApp(options: { root: string; key: string; store: LinkStore; lib: object }): Promise<LimitedApp>
}

export interface StoreVariant {
  name: string
  /** The link's uses; none for the plain link. */
  uses?: number
  open(): Promise<{ store: LinkStore; close(): Promise<void> }>
}

const memory: StoreVariant['open'] = async () => {
  const store = createMemoryStore()
  return { store, close: () => store.close() }
}

const redis: StoreVariant['open'] = async () => {
  const server = await harness.startRedis()
  const store = createRedisStore({ url: server.url })
  try {
    await store.ready
  } catch (error) {
    await server.stop()
    throw error
  }
  return {
    store,
    close: async () => {
      await store.close()
      await server.stop()
    },
  }
}

export const storeVariants: readonly StoreVariant[] = [
  { name: 'a uses: 1 link on the memory store', uses: 1, open: memory },
  { name: 'a uses: 1 link on the Redis store', uses: 1, open: redis },
  // The harness check: the same cases and assertions on a link no store counts (it still works after).
  { name: 'a plain link (no uses: the harness check)', open: memory },
]

/** One plain GET, read to the end: its status and how many body bytes came (a limited-use link's next use). */
export function countedGet(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to GET ${url} in 10 s`)))
    req.on('error', reject)
  })
}
