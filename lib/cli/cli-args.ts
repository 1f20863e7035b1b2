// The command line's words: every option any command takes, read by node:util's parseArgs.
import { parseArgs } from 'node:util'

/** Every option the command line knows, for all its commands; each command refuses the ones it does not take. */
export const CLI_OPTIONS = {
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
  // Known only to be refused with a reason (arguments show in the process list), not as an unknown option.
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

/** The options and the words (command, then its target) of a command line; throws parseArgs's error for a bad one. */
export function parseCliArgs(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: CLI_OPTIONS })
}

/** The options as parseCliArgs reads them. */
export type CliValues = ReturnType<typeof parseCliArgs>['values']
