#!/usr/bin/env node
// The command line: mint a link, check one ("does this link work, and if not, why?"), or make a key.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { parseKeyList, type IdentifiedSecret, type Secret } from './keys.js'
import { verify } from './cli-verify.js'
import { createSigner } from './signer.js'
import type { SignOptions } from './signer-options.js'
import { printable } from './option-checks.js'

const HELP = `Usage: express-signed-url <command> [options]

Commands:
  sign <path>            Print a signed link for a path (decoded, e.g. 'private/a b.png').
      --ttl <duration>       Lifetime: seconds or 90s, 10m, 12h, 7d (default 1h; at most 7d).
      --expires-at <unix>    Absolute expiry in Unix seconds, instead of --ttl.
      --base-url <origin>    Make the link absolute, e.g. https://files.example.com.
      --scope <folder>       Make the link grant a whole folder: 'prefix' for a path ending in /, or a folder
                             that contains the path (e.g. --scope videos/42/ for videos/42/index.m3u8).
  verify <url-or-path>   Say what a link grants and for how long (exit 0), or why it is refused (exit 1).
      --method <method>      The request method to check (default GET).
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

type Out = { out: (line: string) => void; err: (line: string) => void }

/** Runs the CLI with arguments and environment; returns the exit status. */
export function main(argv: string[], env: NodeJS.ProcessEnv, io: Out): number {
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
        key: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n\n${HELP}`)
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
  if (command !== 'sign' && command !== 'verify') return (io.err(`error: unknown command "${command}"\n\n${HELP}`), 2)
  if (target === undefined || extra.length > 0)
    return (io.err(`error: ${command} takes exactly one ${command === 'sign' ? 'path' : 'URL'}`), 2)

  try {
    const keys = readKeys(values['key-file'], values['key-id'], env)
    const ring = keys.length === 1 ? { key: keys[0] } : { keys }
    const signer = createSigner({
      ...ring,
      ...(values['base-url'] === undefined ? {} : { baseUrl: values['base-url'] }),
    })
    if (command === 'sign') {
      const options = signOptions(values.ttl, values['expires-at'], values.scope)
      return (io.out(signer.sign(target, options)), 0)
    }
    if (values.scope !== undefined) throw new Error('--scope is for sign: a link says what it grants')
    const keyIds = keys.flatMap((k) => (typeof k === 'object' && 'id' in k ? [k.id] : []))
    return verify(signer, target, values.method, keyIds, io)
  } catch (err) {
    io.err(`error: ${printable((err as Error).message)}`)
    return 2
  }
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

function signOptions(
  ttl: string | undefined,
  expiresAt: string | undefined,
  scope: string | undefined,
): SignOptions | undefined {
  if (ttl !== undefined && expiresAt !== undefined) throw new Error('give --ttl or --expires-at, not both')
  const scoped = scope === undefined ? {} : { scope }
  if (expiresAt !== undefined) {
    if (!/^[0-9]+$/.test(expiresAt)) throw new Error(`--expires-at must be Unix seconds, got "${expiresAt}"`)
    return { expiresAt: Number(expiresAt), ...scoped }
  }
  if (ttl !== undefined) return { ttl: (/^[0-9]+$/.test(ttl) ? Number(ttl) : ttl) as SignOptions['ttl'], ...scoped }
  return scope === undefined ? undefined : scoped
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env, {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  })
}
