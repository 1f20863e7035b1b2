// The grant cookie, runtime-neutral (no `node:` imports; the web entry uses it): its name, its value codec, and
// reading it from a Cookie header.
import { fromBase64Url, isCanonicalSignature, toBase64Url } from '../util/base64url.js'
import { isKeyId } from '../crypto/keys.js'
import type { ParsedLink } from './link-fields.js'
import { toExpiry } from './link-lifetime.js'
import { folderDepth, isCanonicalPath, MAX_SCOPE } from './link-path.js'
import { describeValue } from '../util/option-checks.js'

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
export function grantsFromCookies(
  header: string | null | undefined,
  name: string = GRANT_COOKIE,
): string[] | undefined {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    throw new TypeError(`grantsFromCookies: the cookie name must be an HTTP token, got ${describeValue(name)}`)
  }
  if (header === null || header === undefined) return undefined
  if (typeof header !== 'string')
    throw new TypeError(`grantsFromCookies: the header must be a string, got ${describeValue(header)}`)
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

/**
 * A folder grant as a cookie value: `<folder, UTF-8 in base64url>.<expiry>.<kid or empty>.<signature>`, only
 * characters a cookie may hold. It signs what a `scope` link for the folder signs.
 */
export function encodeGrant(folder: string, expiry: number, kid: string | undefined, signature: string): string {
  return `${toBase64Url(new TextEncoder().encode(folder))}.${expiry}.${kid ?? ''}.${signature}`
}

// One decoder for every cookie (without `stream`, each decode stands alone), made at the first: a runtime may lend
// TextDecoder only after this module loads.
let utf8: TextDecoder | undefined

/**
 * Reads a grant cookie value back into the link fields it signs (path: the folder), or undefined. Each call gives a
 * fresh object, which the caller may complete.
 */
export function parseGrant(value: string): ParsedLink | undefined {
  // A player sends the same cookie with every segment it fetches: the last 256 values read are kept, as read (their
  // MACs are checked on every request, never kept).
  let grant = recent.get(value)
  if (grant === undefined && !recent.has(value)) {
    grant = readGrant(value)
    // Kept only when it is the size of a real cookie (4 kB): a longer value given to verify is read each time.
    if (value.length <= 4096) {
      if (recent.size >= 256) recent.clear()
      recent.set(value, grant)
    }
  }
  if (grant === undefined) return undefined
  const { path, expiry, kid, scope, signature, message } = grant
  return { path, expiry, kid, scope, signature, message }
}

const recent = new Map<string, ParsedLink | undefined>()

function readGrant(value: string): ParsedLink | undefined {
  const parts = value.split('.')
  if (parts.length !== 4) return undefined
  const [encodedFolder, expiryText, kid, signature] = parts
  const bytes = fromBase64Url(encodedFolder)
  const folder = bytes === undefined ? undefined : utf8Text(bytes)
  if (folder === undefined) return undefined
  const expiry = toExpiry(expiryText)
  if (
    !folder.endsWith('/') ||
    !isCanonicalPath(folder) ||
    expiry === -1 ||
    (kid !== '' && !isKeyId(kid)) ||
    !isCanonicalSignature(signature)
  )
    return undefined
  const scope = folderDepth(folder)
  if (scope > MAX_SCOPE) return undefined
  const id = kid === '' ? undefined : kid
  // What stringToSign writes for these fields (the suite holds it to that), from the texts just checked to be their
  // one spelling: no field table to walk for a cookie sent with every request.
  const message = `${folder}?expiry=${expiryText}&method=get${id === undefined ? '' : `&kid=${id}`}&scope=${scope}`
  return { path: folder, expiry, kid: id, scope, signature, message }
}

// Bytes as text: a short ASCII folder (what most are) one character a byte, else strict UTF-8; undefined when not
// UTF-8. Short only: `apply` passes every byte as an argument, and some hundred thousand overflow the stack.
function utf8Text(bytes: Uint8Array): string | undefined {
  let ascii = bytes.length <= 1024
  for (let i = 0; i < bytes.length && ascii; i++) ascii = bytes[i] < 0x80
  if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[])
  try {
    return (utf8 ??= new TextDecoder('utf-8', { fatal: true })).decode(bytes)
  } catch {
    return undefined
  }
}
