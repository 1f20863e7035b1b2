// Reading grant cookies from a Cookie header: no `node:` imports, shared by the guards and the web entry point.
import { describe } from './options.js'

/** The default name of the folder-grant cookie. */
export const GRANT_COOKIE = 'signed-grant'
/** A cookie name: an HTTP token. */
export const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/

/**
 * Every value of the named cookie in a `Cookie` header (grants for different folders can coexist), or undefined
 * when there is none: what `verify`'s `grants` takes. For runtimes without the guards, such as a Worker:
 *
 * @example
 * await signer.verify(url.pathname + url.search, { grants: () => grantsFromCookies(request.headers.get('cookie')) })
 */
export function grantsFromCookies(header: string | null | undefined, name: string = GRANT_COOKIE): string[] | undefined {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    throw new TypeError(`grantsFromCookies: the cookie name must be an HTTP token, got ${describe(name)}`)
  }
  if (header === null || header === undefined) return undefined
  if (typeof header !== 'string') throw new TypeError(`grantsFromCookies: the header must be a string, got ${describe(header)}`)
  if (!header.includes(name)) return undefined
  const values: string[] = []
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=')
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue
    let value = pair.slice(equals + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    values.push(value)
  }
  return values.length > 0 ? values : undefined
}
