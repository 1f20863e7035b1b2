#!/usr/bin/env node
// The command line: mint a link, check one ("does this link work, and if not, why?"), or make a key.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseLink } from './link-format.js'
import type { SignedUrlErrorCode } from './errors.js'
import { createSigner, type SignOptions } from './signer.js'
import { printable } from './option-checks.js'

const HELP = `Usage: express-signed-url <command> [options]

Commands:
  sign <path>            Print a signed link for a path (decoded, e.g. 'private/a b.png').
      --ttl <duration>       Lifetime: seconds or 90s, 10m, 12h, 7d (default 1h; at most 7d).
      --expires-at <unix>    Absolute expiry in Unix seconds, instead of --ttl.
      --base-url <origin>    Make the link absolute, e.g. https://files.example.com.
  verify <url-or-path>   Say what a link grants and for how long (exit 0), or why it is refused (exit 1).
      --method <method>      The request method to check (default GET).
  keygen                 Print a new random key: 32 bytes, base64url.

Key (sign and verify):
  The key is the SIGNING_KEY environment variable (its UTF-8 bytes), or the bytes of --key-file <file> (one
  trailing newline removed), at least 32 bytes either way. It is never taken as an argument, which other users
  can read in the process list.
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
        key: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, target, ...extra] = positionals
  if (values.help || command === 'help') return (io.out(HELP), 0)
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
    const secret = readKey(values['key-file'], env)
    const key = values['key-id'] === undefined ? secret : { id: values['key-id'], secret }
    const signer = createSigner({ key, ...(values['base-url'] === undefined ? {} : { baseUrl: values['base-url'] }) })
    if (command === 'sign') return (io.out(signer.sign(target, signOptions(values.ttl, values['expires-at']))), 0)
    return verify(signer, target, values.method, values['key-id'], io)
  } catch (err) {
    io.err(`error: ${printable((err as Error).message)}`)
    return 2
  }
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
  throw new Error('no key: set SIGNING_KEY or pass --key-file <file>')
}

function signOptions(ttl: string | undefined, expiresAt: string | undefined): SignOptions | undefined {
  if (ttl !== undefined && expiresAt !== undefined) throw new Error('give --ttl or --expires-at, not both')
  if (expiresAt !== undefined) {
    if (!/^[0-9]+$/.test(expiresAt)) throw new Error(`--expires-at must be Unix seconds, got "${expiresAt}"`)
    return { expiresAt: Number(expiresAt) }
  }
  if (ttl !== undefined) return { ttl: (/^[0-9]+$/.test(ttl) ? Number(ttl) : ttl) as SignOptions['ttl'] }
  return undefined
}

const REASONS: Record<SignedUrlErrorCode, string> = {
  ERR_SIGNATURE_MISSING: 'the URL carries no signature parameter',
  ERR_QUERY_MALFORMED: 'expiry, method or signature is missing, malformed, or given more than once',
  ERR_PATH_NOT_CANONICAL:
    'the path is not canonical (".", ".." or empty segments, an encoded / or \\, control characters, or a bad escape)',
  ERR_SIGNATURE_INVALID: 'the signature does not match this path and expiry under this key',
  ERR_URL_EXPIRED: 'the link has expired',
  ERR_METHOD_NOT_ALLOWED: 'a signed link only allows GET and HEAD',
  ERR_PATH_MISMATCH: 'the path served is not the signed path',
  ERR_TARGET_NOT_CANONICAL:
    'the request target is not plain origin-form (#, \\, spaces, control or non-ASCII characters, a leading //, or an odd authority)',
}

function verify(
  signer: ReturnType<typeof createSigner>,
  url: string,
  method: string | undefined,
  keyId: string | undefined,
  io: Out,
): number {
  const result = signer.verify(url, { method: method ?? 'GET' })
  const now = Math.floor(Date.now() / 1000)
  if (result.ok) {
    io.out(
      `valid: grants GET and HEAD of /${printable(result.path)} until ${iso(result.expiresAt)} (for ${duration(result.secondsLeft)})`,
    )
    return 0
  }
  const { code } = result.error
  const link = parseLink(url)
  let reason = REASONS[code]
  if (code === 'ERR_URL_EXPIRED' && typeof link !== 'string')
    reason = `the link expired ${duration(now - link.expiry)} ago (${iso(link.expiry)})`
  if (code === 'ERR_SIGNATURE_INVALID' && typeof link !== 'string' && link.kid !== keyId) {
    reason +=
      link.kid === undefined
        ? ` (the link names no key id, but --key-id ${keyId} was given)`
        : ` (the link names key id "${link.kid}": pass --key-id ${link.kid} with that key)`
  }
  io.err(`refused (${code}): ${reason}`)
  return 1
}

function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z')
}

function duration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ]
  for (const [name, size] of units) {
    if (seconds >= size || size === 1) {
      const n = Math.floor(seconds / size)
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${seconds} seconds`
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env, {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  })
}
