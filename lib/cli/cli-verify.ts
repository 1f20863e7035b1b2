// The command line's verify: what a link grants and every signed field it carries, or why it is refused.
import { REFUSAL_TEXTS } from '../util/errors.js'
import { parseLink } from '../link/link-format.js'
import { printable } from '../util/option-checks.js'
import type { createSigner } from '../signer/signer.js'
import type { Out } from './cli-io.js'

/** Checks a link and says what it grants (exit status 0) or why it is refused (1). */
export function verify(
  signer: ReturnType<typeof createSigner>,
  url: string,
  request: { method?: string; ip?: string; now: number },
  keyIds: readonly string[],
  io: Out,
): number {
  const result = signer.verify(url, { method: request.method ?? 'GET', ip: request.ip })
  const now = Math.floor(request.now / 1000)
  const link = parseLink(url)
  if (result.ok) {
    const what =
      result.folder === undefined
        ? `/${printable(result.path)}`
        : `every path under /${printable(result.folder)} (this one: /${printable(result.path)})`
    const grants = result.method === 'put' ? 'PUT (an upload)' : 'GET and HEAD'
    io.out(`valid: grants ${grants} of ${what} until ${iso(result.expiresAt)} (for ${duration(result.secondsLeft)})`)
    // Every signed field the link carries, as it reads.
    if (typeof link !== 'string') {
      io.out(`  expiry: ${link.expiry} (${iso(link.expiry)})`)
      io.out(link.method === 'put' ? '  method: put (PUT: an upload; never read)' : '  method: get (GET and HEAD)')
      io.out(`  kid: ${link.kid ?? '(none: a plain link, checked against the keys without an id)'}`)
      if (link.scope !== undefined)
        io.out(
          `  scope: ${link.scope} (the folder of the path's first ${link.scope} segments, and everything below it)`,
        )
      if (link.notBefore !== undefined)
        io.out(`  notbefore: ${link.notBefore} (${iso(link.notBefore)}; refused before)`)
      if (link.ip !== undefined)
        io.out(`  ip: ${link.ip} (served only to these client addresses; ${printable(request.ip ?? '?')} is one)`)
      if (link.disposition !== undefined) io.out(`  disposition: ${link.disposition}`)
      if (link.maxBytes !== undefined) io.out(`  maxbytes: ${link.maxBytes} (the most bytes the upload may have)`)
      if (link.contentType !== undefined) io.out(`  contenttype: ${link.contentType} (the types it may be sent as)`)
      if (link.sha256 !== undefined) io.out(`  sha256: ${link.sha256} (the SHA-256 of the exact content)`)
      if (link.upload !== undefined) io.out(`  upload: ${link.upload} (the resumable upload it opens)`)
      if (link.issued !== undefined) io.out(`  issued: ${link.issued} (${iso(link.issued)})`)
      if (link.uses !== undefined) io.out(`  uses: ${link.uses} (counted by the guard's store; not checked here)`)
      if (link.nonce !== undefined) io.out(`  nonce: ${link.nonce} (makes this limited-use link its own)`)
      if (link.filename !== undefined)
        io.out(
          `  filename: ${printable(link.filename)} (served as Content-Disposition: ${link.disposition ?? 'attachment'})`,
        )
    }
    return 0
  }
  const { code } = result.error
  let reason = REFUSAL_TEXTS[code].explanation
  if (code === 'ERR_URL_EXPIRED' && typeof link !== 'string')
    reason = `the link expired ${duration(now - link.expiry)} ago (${iso(link.expiry)})`
  if (code === 'ERR_URL_NOT_YET_VALID' && typeof link !== 'string' && link.notBefore !== undefined)
    reason = `the link is not valid until ${iso(link.notBefore)} (in ${duration(link.notBefore - now)})`
  if (code === 'ERR_IP_NOT_ALLOWED' && typeof link !== 'string') {
    reason =
      request.ip === undefined
        ? `the link is bound to ${link.ip ?? ''}: give the client's address with --ip`
        : `the link is bound to ${link.ip ?? ''}, and ${printable(request.ip)} is not among them`
  }
  if (code === 'ERR_SIGNATURE_INVALID' && typeof link !== 'string') {
    if (link.kid !== undefined && !keyIds.includes(link.kid))
      reason += ` (the link names key id "${link.kid}": give that key with --key-id ${link.kid}, or in SIGNING_KEYS as ${link.kid}:<secret>)`
    else if (link.kid === undefined && keyIds.length > 0 && keyIds.length === 1)
      reason += ` (the link names no key id, but the key given has the id ${keyIds[0]})`
  }
  io.err(`refused (${code}): ${reason}`)
  return 1
}

function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z')
}

function duration(seconds: number): string {
  // The largest unit, and the next one when it is not zero: 7199 s is "1 hour 59 minutes", not "1 hour".
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ]
  const count = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`
  for (let i = 0; i < units.length; i++) {
    const [name, size] = units[i]
    if (seconds < size && size !== 1) continue
    const n = Math.floor(seconds / size)
    const next = units[i + 1]
    const rest = next === undefined ? 0 : Math.floor((seconds - n * size) / next[1])
    return rest === 0 || next === undefined ? count(n, name) : `${count(n, name)} ${count(rest, next[0])}`
  }
  return count(seconds, 'second')
}
