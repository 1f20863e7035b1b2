// The command line's revoke: one link or a folder, in the Redis store at REDIS_URL and/or the Worker at --worker.
import { createHash } from 'node:crypto'
import { createSigner } from '../signer/signer.js'
import { createRedisStore } from '../store/redis-store.js'
import { encodeRevocation, folderRevocation, linkRevocation, type Revocation } from '../store/revocation.js'
import { printable } from '../util/option-checks.js'
import type { Io } from './cli-io.js'
import { keyOptions, readKeys } from './cli-keys.js'
import { durationOption, timeOption } from './cli-sign.js'

const FOLDER_OPTIONS = ['issued-before', 'expiring-before', 'max-ttl']
const ALLOWED = new Set(['folder', 'worker', 'key-file', 'key-id', ...FOLDER_OPTIONS])

/** Revokes a link (`target`) or a folder (`--folder`): 0 once each store given has it, 2 on a usage error or failure. */
export async function revoke(
  target: string | undefined,
  extra: string[],
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const folder = values.folder as string | undefined
  const worker = values.worker as string | undefined
  const stray = Object.keys(values).filter((name) => values[name] !== undefined && !ALLOWED.has(name))
  if (stray.length > 0) return (io.err(`error: revoke takes no --${stray[0]}`), 2)
  if ((folder === undefined) === (target === undefined) || extra.length > 0)
    return (io.err('error: revoke takes one link (or grant cookie value), or --folder <folder>'), 2)
  if (folder === undefined && FOLDER_OPTIONS.some((name) => values[name] !== undefined))
    return (io.err('error: --issued-before, --expiring-before and --max-ttl are for --folder'), 2)
  if (!env.REDIS_URL && worker === undefined)
    return (
      io.err('error: no store: set REDIS_URL (redis://host:port) to the Redis the app uses, or give --worker <origin>'),
      2
    )
  let store: ReturnType<typeof createRedisStore> | undefined
  try {
    const options = folderOptions(values)
    const now = (io.now ?? Date.now)() / 1000
    // The revocation, checked here once, whichever goes on to take it.
    const revocation = folder === undefined ? linkRevocation(target) : folderRevocation(folder, options, now)
    if (env.REDIS_URL) {
      store = createRedisStore({ url: env.REDIS_URL, ...(env.REDIS_PREFIX ? { prefix: env.REDIS_PREFIX } : {}) })
      const given = store
      // The revocation needs only a connection (not the store's copy of the set, which `ready` waits for): tried
      // until Redis answers, for at most a second.
      await retried(() => (folder === undefined ? given.revoke(target as string) : given.revokeFolder(folder, options)))
    }
    if (worker !== undefined) await sendToWorker(worker, revocation, values, env)
    io.out(
      folder === undefined
        ? 'revoked: the link, until it expires'
        : `revoked: the folder /${printable(folder.replace(/^\//, ''))}`,
    )
    return 0
  } catch (err) {
    io.err(`error: ${printable((err as Error).message)}`)
    return 2
  } finally {
    await store?.close()
  }
}

// revokeFolder's options from --issued-before, --expiring-before and --max-ttl: only the ones given (a Date stays
// a Date: revokeFolder takes one).
function folderOptions(values: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  const time = (name: string) => {
    const text = values[name] as string | undefined
    return text === undefined ? undefined : timeOption(name, text)
  }
  const issuedBefore = time('issued-before')
  const expiringBefore = time('expiring-before')
  const maxTtl = values['max-ttl'] as string | undefined
  if (issuedBefore !== undefined) options.issuedBefore = issuedBefore
  if (expiringBefore !== undefined) options.expiringBefore = expiringBefore
  if (maxTtl !== undefined) options.maxTtl = durationOption(maxTtl)
  return options
}

// A step tried every 100 ms until it works, for at most `ms`; then the last failure, said as Redis not answering.
async function retried(step: () => Promise<void>, ms = 1000): Promise<void> {
  for (let tries = ms / 100; ; tries--) {
    try {
      await step()
      return
    } catch (err) {
      if (tries <= 1)
        throw new Error(`Redis at REDIS_URL did not answer in time (${(err as Error).message})`, { cause: err })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

// Sends a revocation to the Worker example (examples/worker/revocations.mjs): a PUT of its JSON through an upload
// link for /_signed-url/revocations that signs the body's SHA-256, made with the app's key, for five minutes.
async function sendToWorker(
  origin: string,
  revocation: Revocation,
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const keys = readKeys(values['key-file'] as string | undefined, values['key-id'] as string | undefined, env)
  const signer = createSigner({ ...keyOptions(keys), baseUrl: origin })
  const body = encodeRevocation(revocation)
  const sha256 = createHash('sha256').update(body).digest('base64url')
  const link = signer.sign('_signed-url/revocations', { method: 'put', sha256, ttl: 300 })
  const answer = await fetch(link, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } })
  if (answer.status !== 204) throw new Error(`the Worker at ${origin} refused the revocation (${answer.status})`)
}
