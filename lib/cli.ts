#!/usr/bin/env node
// The command line: mint a link, check one ("does this link work, and if not, why?"), or make a key. Its parts are
// in cli/: the options, the help, the key, sign's options, verify and revoke.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseCliArgs, type CliValues } from './cli/cli-args.js'
import { HELP } from './cli/cli-help.js'
import type { Io } from './cli/cli-io.js'
import { keyOptions, readKeys } from './cli/cli-keys.js'
import { revoke } from './cli/cli-revoke.js'
import { signOptions } from './cli/cli-sign.js'
import { verify } from './cli/cli-verify.js'
import { createSigner } from './signer/signer.js'
import { printable } from './util/option-checks.js'

/** Runs the CLI with arguments and environment; returns the exit status. */
export function main(argv: string[], env: NodeJS.ProcessEnv, io: Io): number | Promise<number> {
  let parsed
  try {
    parsed = parseCliArgs(argv)
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
  return signOrVerify(command, target, values, env, io)
}

// sign or verify a link under the key the environment or --key-file gives: 0 signed or valid, 1 refused, 2 usage.
function signOrVerify(
  command: 'sign' | 'verify',
  target: string,
  values: CliValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): number {
  try {
    const keys = readKeys(values['key-file'], values['key-id'], env)
    const now = io.now ?? Date.now
    const signer = createSigner({
      ...keyOptions(keys),
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
