import type { IncomingMessage, ServerResponse } from 'node:http'
import { COOKIE_NAME, GRANT_COOKIE } from '../link/grant-cookie.js'
import { encodePath } from '../link/link-path.js'
import type { Grant } from '../signer/signer-options.js'
import { describeValue } from '../util/option-checks.js'

/**
 * The cookie's Path: the folder, cut before the first segment whose name could be spelled two ways in a URL.
 * Browsers match Path against the path as requested, and `'` may arrive raw or as `%27`; an ancestor matches
 * both (the grant inside the cookie still covers only its folder). Two grants for such folders under the same
 * ancestor share a Path, so the later replaces the earlier.
 */
export function cookiePath(folder: string): string {
  let end = 0
  for (let next = folder.indexOf('/'); next !== -1; next = folder.indexOf('/', end)) {
    if (encodePath(folder.slice(end, next)) !== folder.slice(end, next)) break
    end = next + 1
  }
  return `/${folder.slice(0, end)}`
}

/** Checks a cookie name option once; throws a TypeError naming it. */
export function cookieName(factory: string, value: unknown): string {
  if (value === undefined) return GRANT_COOKIE
  if (typeof value !== 'string' || !COOKIE_NAME.test(value)) {
    throw new TypeError(
      `${factory}: "grantCookie" must be a cookie name (letters, digits, ! # $ % & ' * + . ^ _ \` | ~ -), got ${describeValue(value)}`,
    )
  }
  return value
}

/**
 * Sets the grant cookie: `HttpOnly`, `SameSite=Lax`, `Path` = the folder, `Max-Age` = its seconds left, and
 * `Secure` when the request came over HTTPS (Express's `req.secure` honours `trust proxy`; without Express, when
 * the connection itself is TLS).
 */
export function setGrantCookie(req: IncomingMessage, res: ServerResponse, name: string, grant: Grant): void {
  const secure =
    (req as { secure?: boolean }).secure ?? (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  const cookie = `${name}=${grant.value}; Path=${cookiePath(grant.folder)}; Max-Age=${grant.maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
  const previous = res.getHeader('Set-Cookie')
  res.setHeader(
    'Set-Cookie',
    previous === undefined ? [cookie] : [...(Array.isArray(previous) ? previous : [String(previous)]), cookie],
  )
}
