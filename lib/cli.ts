#!/usr/bin/env node
// The command line: mint a link, check one ("does this link work, and if not, why?"), or make a key.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { parseKeyList, type IdentifiedSecret, type Secret } from './crypto/keys.js'
import { verify, type Out } from './cli/cli-verify.js'
import { createSigner } from './signer/signer.js'
import { isoDate, signOptions } from './cli/cli-sign.js'
import { createRedisStore } from './store/redis-store.js'
import { encodeRevocation, folderRevocation, linkRevocation, type Revocation } from './store/revocation.js'
import { printable } from './util/option-checks.js'

const HELP = `Usage: express-signed-url <command> [options]

Commands:
  sign <path>            Print a signed link for a path (decoded, e.g. 'private/a b.png').
      --ttl <duration>       Lifetime: seconds or 90s, 10m, 12h, 7d (default 1h; at most 7d).
      --expires-at <unix>    Absolute expiry in Unix seconds, instead of --ttl.
      --base-url <origin>    Make the link absolute, e.g. https://files.example.com.
      --scope <folder>       Make the link grant a whole folder: 'prefix' for a path ending in /, or a folder
                             that contains the path (e.g. --scope videos/42/ for videos/42/index.m3u8).
      --stable-for <duration>  Round the expiry up to a multiple of this window, so links made within one
                             window are identical and browsers reuse their cached copy (e.g. 10m).
      --not-before <time>    The link works from this time: Unix seconds or an ISO date with a zone
                             (2026-12-24T09:00:00Z).
      --ip <address|cidr>    Serve the link only to these client addresses (repeat for several, up to 16).
      --filename <name>      Serve the file with Content-Disposition under this download name.
      --disposition <type>   attachment (save; the default with --filename) or inline (show).
      --method <get|put>     put makes an upload link (ittybit's method=put), which never reads.
      --max-bytes <n>        For an upload link: the most bytes the upload may have.
      --content-type <type>  For an upload link: a media type it may be sent as (repeat for several).
      --sha256 <digest>      For an upload link: the base64url SHA-256 of the exact content.
      --uses <n>             A limited-use link: served n times (counted by the guard's store), then 410.
  verify <url-or-path>   Say what a link grants and for how long (exit 0), or why it is refused (exit 1).
      --method <method>      The request method to check (default GET; PUT for an upload link).
      --ip <address>         The client address to check a link bound to addresses against.
  revoke <url|grant>     Take back one link (or grant cookie value) in the Redis store at REDIS_URL, for every
                         process that shares it, until the link would have expired. Needs no key (but --worker does).
  revoke --folder <folder>  Take back every link and grant under a folder ('/' for all):
      --issued-before <time>   made at or before this time (Unix seconds or an ISO date; default now), or
      --expiring-before <time> expiring before it;
      --max-ttl <duration>     the signers' longest lifetime, how long an --issued-before revocation lasts (7d).
      --worker <origin>        also (or instead) send it to the Worker example at this origin, signed with the
                               key (SIGNING_KEY, SIGNING_KEYS or --key-file), which it checks.
      REDIS_PREFIX names the store's key prefix if the app gives createRedisStore another (default signed-url:).
  keygen                 Print a new random key: 32 bytes, base64url.
  --version, -v          Print the version.

Key (sign and verify):
  The key is the SIGNING_KEY environment variable (its UTF-8 bytes), or the bytes of --key-file <file> (one
  trailing newline removed), at least 32 bytes either way; or a ring in SIGNING_KEYS (comma-separated, newest
  first, each 'secret' or 'id:secret', as the guards read it): the first signs, every one verifies. It is never
  taken as an argument, which other users can read in the process list.
      --key-file <file>      Read the key from a file.
      --key-id <id>          The key's id: signed links carry kid=<id>, and links with that kid verify.

Exit status: 0 done or valid, 1 refused, 2 usage error.`

/** Where the CLI writes, and its clock (milliseconds; Date.now unless a test gives another). */
type Io = Out & { now?: () => number }

/** Runs the CLI with arguments and environment; returns the exit status. */
export function main(argv: string[], env: NodeJS.ProcessEnv, io: Io): number | Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ttl: { type: 'string' },
        'expires-at': { type: 'string' },
        'base-url': { type: 'string' },
        method: { type: 'string' },
        'key-file': { type: 'string' },
        'key-id': { type: 'string' },
        scope: { type: 'string' },
        'stable-for': { type: 'string' },
        'not-before': { type: 'string' },
        ip: { type: 'string', multiple: true },
        filename: { type: 'string' },
        disposition: { type: 'string' },
        'max-bytes': { type: 'string' },
        'content-type': { type: 'string', multiple: true },
        sha256: { type: 'string' },
        uses: { type: 'string' },
        folder: { type: 'string' },
        'issued-before': { type: 'string' },
        'expiring-before': { type: 'string' },
        'max-ttl': { type: 'string' },
        worker: { type: 'string' },
        key: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    io.err(`error: ${printable((err as Error).message)}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, target, ...extra] = positionals
  if (values.help || command === 'help') return (io.out(HELP), 0)
  if (values.version) return (io.out(version()), 0)
  if (command === undefined) return (io.err(HELP), 2)
  if (values.key !== undefined) {
    io.err(
      'error: --key is refused: arguments are visible to other users in the process list. Set SIGNING_KEY or use --key-file.',
    )
    return 2
  }
  if (command === 'keygen') {
    if (target !== undefined || Object.keys(values).length > 0)
      return (io.err('error: keygen takes no arguments or options'), 2)
    return (io.out(randomBytes(32).toString('base64url')), 0)
  }
  if (command === 'revoke') return revoke(target, extra, values, env, io)
  if (command !== 'sign' && command !== 'verify')
    return (io.err(`error: unknown command "${printable(command)}"\n\n${HELP}`), 2)
  if (target === undefined || extra.length > 0)
    return (io.err(`error: ${command} takes exactly one ${command === 'sign' ? 'path' : 'URL'}`), 2)
  // Node decodes arguments as UTF-8 and turns bytes that are not into U+FFFD: signing that would sign another name.
  for (const [name, value] of [
    ['the path', target],
    ['--filename', values.filename],
  ] as const) {
    if (command === 'sign' && value?.includes('\ufffd'))
      return (io.err(`error: ${name} holds U+FFFD: the shell passed bytes that are not UTF-8 (or a real U+FFFD)`), 2)
  }

  try {
    const keys = readKeys(values['key-file'], values['key-id'], env)
    const ring = keys.length === 1 ? { key: keys[0] } : { keys }
    const now = io.now ?? Date.now
    const signer = createSigner({
      ...ring,
      now,
      ...(values['base-url'] === undefined ? {} : { baseUrl: values['base-url'] }),
    })
    if (command === 'sign') {
      return (io.out(signer.sign(target, signOptions(values))), 0)
    }
    const signOnly = [
      'scope',
      'stable-for',
      'not-before',
      'filename',
      'disposition',
      'ttl',
      'expires-at',
      'max-bytes',
      'content-type',
      'sha256',
      'uses',
    ] as const
    for (const option of signOnly)
      if (values[option] !== undefined) throw new Error(`--${option} is for sign: a link says what it grants`)
    if ((values.ip?.length ?? 0) > 1) throw new Error('verify takes one --ip: the address of the client')
    const keyIds = keys.flatMap((k) => (typeof k === 'object' && 'id' in k ? [k.id] : []))
    return verify(signer, target, { method: values.method, ip: values.ip?.[0], now: now() }, keyIds, io)
  } catch (err) {
    io.err(`error: ${printable((err as Error).message)}`)
    return 2
  }
}

// revoke: one link or a folder, in the Redis store at REDIS_URL and/or the Worker at --worker; 0 once each has it,
// 2 on a usage error or a failure.
async function revoke(
  target: string | undefined,
  extra: string[],
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const folder = values.folder as string | undefined
  const worker = values.worker as string | undefined
  const folderOptions = ['issued-before', 'expiring-before', 'max-ttl']
  const allowed = new Set(['folder', 'worker', 'key-file', 'key-id', ...folderOptions])
  const stray = Object.keys(values).filter((name) => values[name] !== undefined && !allowed.has(name))
  if (stray.length > 0) return (io.err(`error: revoke takes no --${stray[0]}`), 2)
  if ((folder === undefined) === (target === undefined) || extra.length > 0)
    return (io.err('error: revoke takes one link (or grant cookie value), or --folder <folder>'), 2)
  if (folder === undefined && folderOptions.some((name) => values[name] !== undefined))
    return (io.err('error: --issued-before, --expiring-before and --max-ttl are for --folder'), 2)
  if (!env.REDIS_URL && worker === undefined)
    return (
      io.err('error: no store: set REDIS_URL (redis://host:port) to the Redis the app uses, or give --worker <origin>'),
      2
    )
  let store: ReturnType<typeof createRedisStore> | undefined
  try {
    const time = (name: string) => {
      const text = values[name] as string | undefined
      if (text === undefined) return undefined
      const date = /^[0-9]+$/.test(text) ? Number(text) : isoDate(text)
      if (date === undefined)
        throw new Error(`--${name} must be Unix seconds or an ISO date with a zone, got "${text}"`)
      return date
    }
    const maxTtl = values['max-ttl'] as string | undefined
    // Only the options given (a Date stays a Date: revokeFolder takes one).
    const options: Record<string, unknown> = {}
    const issuedBefore = time('issued-before')
    const expiringBefore = time('expiring-before')
    if (issuedBefore !== undefined) options.issuedBefore = issuedBefore
    if (expiringBefore !== undefined) options.expiringBefore = expiringBefore
    if (maxTtl !== undefined) options.maxTtl = /^[0-9]+$/.test(maxTtl) ? Number(maxTtl) : maxTtl
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
  const signer = createSigner({ ...(keys.length === 1 ? { key: keys[0] } : { keys }), baseUrl: origin })
  const body = encodeRevocation(revocation)
  const sha256 = createHash('sha256').update(body).digest('base64url')
  const link = signer.sign('_signed-url/revocations', { method: 'put', sha256, ttl: 300 })
  const answer = await fetch(link, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } })
  if (answer.status !== 204) throw new Error(`the Worker at ${origin} refused the revocation (${answer.status})`)
}

// The ring: SIGNING_KEYS as the guards read it, or one key (SIGNING_KEY or --key-file) with an optional --key-id.
function readKeys(
  keyFile: string | undefined,
  keyId: string | undefined,
  env: NodeJS.ProcessEnv,
): (Secret | IdentifiedSecret)[] {
  if (env.SIGNING_KEYS) {
    if (env.SIGNING_KEY || keyFile !== undefined)
      throw new Error('give the key once: SIGNING_KEYS, SIGNING_KEY or --key-file, not two of them')
    if (keyId !== undefined) throw new Error('--key-id is for one key: SIGNING_KEYS names its ids as id:secret')
    return parseKeyList(env.SIGNING_KEYS, 'SIGNING_KEYS')
  }
  const secret = readKey(keyFile, env)
  return [keyId === undefined ? secret : { id: keyId, secret }]
}

function readKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): string | Uint8Array {
  if (keyFile !== undefined && env.SIGNING_KEY)
    throw new Error('give the key once: SIGNING_KEY or --key-file, not both')
  if (keyFile !== undefined) {
    // The file's bytes, as they are: decoding them as text would turn every non-UTF-8 byte into U+FFFD.
    let bytes = readFileSync(keyFile)
    if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1)
    return bytes
  }
  if (env.SIGNING_KEY) return env.SIGNING_KEY
  throw new Error('no key: set SIGNING_KEY or SIGNING_KEYS, or pass --key-file <file>')
}

function version(): string {
  // dist/cli.js (and lib/cli.ts under the tests) sit one folder below the package's package.json.
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  return manifest.version
}

if (require.main === module) {
  const status = main(process.argv.slice(2), process.env, {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  })
  if (typeof status === 'number') process.exitCode = status
  else void status.then((code) => (process.exitCode = code))
}
