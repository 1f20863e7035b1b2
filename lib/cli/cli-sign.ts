// The command line's sign options: durations, dates on the calendar, and the link options as sign takes them.
import type { SignOptions } from '../signer/signer-options.js'

/** The sign options as parseArgs gives them. */
export interface SignValues {
  ttl?: string
  'expires-at'?: string
  scope?: string
  'stable-for'?: string
  'not-before'?: string
  ip?: string[]
  filename?: string
  disposition?: string
  method?: string
  'max-bytes'?: string
  'content-type'?: string[]
  sha256?: string
  uses?: string
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/

// The Date an ISO date with a zone names, or undefined for one that is not on the calendar (Date.parse would
// roll 2026-02-30 over to March 2, and 24:00 to the next day).
export function isoDate(text: string): Date | undefined {
  const m = ISO_DATE.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second = '0'] = m.slice(1, 7).map(Number)
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const zone = m[7] === 'Z' || (Number(m[8]) <= 23 && Number(m[9]) <= 59)
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || Number(second) > 59 || !zone)
    return undefined
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** A time option (--not-before, revoke's --issued-before): Unix seconds, or an ISO date with a zone; else an Error. */
export function timeOption(name: string, text: string): number | Date {
  const date = /^[0-9]+$/.test(text) ? Number(text) : isoDate(text)
  if (date === undefined) throw new Error(`--${name} must be Unix seconds or an ISO date with a zone, got "${text}"`)
  return date
}

/** A duration option (--ttl, --stable-for, revoke's --max-ttl): digits are seconds; '10m' and the like pass as they are. */
export function durationOption(text: string): SignOptions['ttl'] {
  return (/^[0-9]+$/.test(text) ? Number(text) : text) as SignOptions['ttl']
}

/** sign's options from the command line; sign itself checks each value and names a bad one. */
export function signOptions(values: SignValues): SignOptions {
  const { ttl, 'expires-at': expiresAt, 'stable-for': stableFor, 'not-before': notBefore } = values
  if (ttl !== undefined && expiresAt !== undefined) throw new Error('give --ttl or --expires-at, not both')
  const options: Record<string, unknown> = {}
  if (expiresAt !== undefined) {
    if (!/^[0-9]+$/.test(expiresAt)) throw new Error(`--expires-at must be Unix seconds, got "${expiresAt}"`)
    options.expiresAt = Number(expiresAt)
  }
  if (ttl !== undefined) options.ttl = durationOption(ttl)
  if (stableFor !== undefined) options.stableFor = durationOption(stableFor)
  if (notBefore !== undefined) options.notBefore = timeOption('not-before', notBefore)
  if (values.scope !== undefined) options.scope = values.scope
  if (values.ip !== undefined) options.ip = values.ip
  if (values.filename !== undefined) options.filename = values.filename
  if (values.disposition !== undefined) options.disposition = values.disposition
  if (values.method !== undefined) options.method = values.method.toLowerCase()
  if (values['max-bytes'] !== undefined) {
    if (!/^[0-9]+$/.test(values['max-bytes']))
      throw new Error(`--max-bytes must be a number of bytes, got "${values['max-bytes']}"`)
    options.maxBytes = Number(values['max-bytes'])
  }
  if (values['content-type'] !== undefined) options.contentType = values['content-type']
  if (values.sha256 !== undefined) options.sha256 = values.sha256
  if (values.uses !== undefined) {
    if (!/^[0-9]+$/.test(values.uses)) throw new Error(`--uses must be a whole number, got "${values.uses}"`)
    options.uses = Number(values.uses)
  }
  return options
}
