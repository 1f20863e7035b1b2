// The debug log of refusals (DEBUG=express-signed-url): one line each, with the code, the status, the method and
// the path; never the query, a signature, a cookie or a key.
import type { IncomingMessage } from 'node:http'
import createDebug from 'debug'
import type { SignedUrlError } from '../util/errors.js'
import { printable } from '../util/option-checks.js'

const log = createDebug('express-signed-url')

/** Logs a refusal, when the namespace is enabled. */
export function logRefusal(error: SignedUrlError, req: IncomingMessage): void {
  if (log.enabled) log('refused %s %d: %s %s', error.code, error.status, methodOf(req), pathOf(req))
}

// The path of the original target for a log line, quoted and escaped: cut before anything that may start a query
// (`?`, `#`, `;`, `&`, `=`, or one of them or `%` percent-encoded, as a tool that re-encodes a link leaves it), so
// no signature reaches a log however the link was mangled; at most 200 characters of it, escapes included.
function pathOf(req: IncomingMessage): string {
  const original = (req as { originalUrl?: unknown }).originalUrl
  const raw = typeof original === 'string' ? original : req.url
  if (typeof raw !== 'string') return `(${typeof raw})`
  const end = raw.search(/[?#;&=]|%(?:3[fFbBdD]|2[356])/)
  const path = printable(end === -1 ? raw : raw.slice(0, end))
  return `"${path.length > 200 ? `${path.slice(0, 200)}…` : path}"${end === -1 ? '' : ' (query not logged)'}`
}

// The method for a log line: an HTTP token as Node's parser gives it, or a note that it is not one.
function methodOf(req: IncomingMessage): string {
  const method = req.method
  return typeof method === 'string' && /^[A-Za-z]{1,20}$/.test(method) ? `"${method}"` : '(not a method)'
}
