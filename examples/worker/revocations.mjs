// The app's revocations at the edge: a Durable Object (RevocationList, bound as REVOCATIONS) keeps the list, the
// app adds to it (PUT /_signed-url/revocations through an upload link it signs, the body's SHA-256 signed in it:
// the CLI's `revoke --worker <origin>`), and each isolate keeps a copy, fetched again every
// REVOCATION_REFRESH_SECONDS (default 5), so checking a link costs no round trip. A revocation reaches every
// isolate within that time. Without the binding, the Worker does not see revocations (docs/).
import { decodeRevocation, RevocationSet } from 'express-signed-url/web'
import { refuse } from './refuse.mjs'
import { base64url } from './upload.mjs'

/** The Worker's own paths: never files (worker.mjs refuses every link under them). */
export const RESERVED = '_signed-url/'
/** Where the app sends revocations. */
export const REVOCATIONS_PATH = `/${RESERVED}revocations`

/**
 * The list: GET gives the live revocations (JSON), POST adds one (its JSON text). Each is stored under its own key,
 * named by what it revokes: adding one is a single write (no read, change and write back, which concurrent adds
 * would undo), and the same revocation sent again is the same entry (a replayed request adds nothing).
 */
export class RevocationList {
  constructor(state) {
    this.storage = state.storage
  }

  async fetch(request) {
    const now = Date.now() / 1000
    if (request.method === 'POST') {
      const revocation = decodeRevocation(await request.text())
      if (revocation === undefined) return new Response(null, { status: 400 })
      await this.storage.put(entryKey(revocation), revocation)
      return new Response(null, { status: 204 })
    }
    const entries = await this.storage.list({ prefix: 'r:' })
    const live = []
    const lapsed = []
    for (const [key, revocation] of entries) {
      if (revocation.until > now) live.push(revocation)
      else lapsed.push(key)
    }
    // Lapsed ones go as they are found (at most 128 keys per delete).
    if (lapsed.length > 0) await this.storage.delete(lapsed.slice(0, 128))
    return Response.json(live)
  }
}

// What a revocation revokes, as its storage key: a link by its signature, a folder by itself and its time.
function entryKey(revocation) {
  if ('signature' in revocation) return `r:s:${revocation.signature}`
  const time = revocation.issuedBefore !== undefined ? `i${revocation.issuedBefore}` : `e${revocation.expiringBefore}`
  return `r:f:${time}:${revocation.until}:${revocation.folder}`
}

// This isolate's copy, and when it was fetched.
let copy
let fetchedAt = 0

const listOf = (env) => env.REVOCATIONS.get(env.REVOCATIONS.idFromName('revocations'))

/**
 * This isolate's copy of the revocations, fetched again once older than REVOCATION_REFRESH_SECONDS; undefined
 * without the binding; 'unavailable' if it was never fetched and the list cannot answer (links are then refused
 * with 503: never served unchecked). A failed refresh keeps the copy it has, as the Node guards do.
 */
export async function revocationsOf(env) {
  if (env.REVOCATIONS === undefined) return undefined
  const refresh = Number(env.REVOCATION_REFRESH_SECONDS ?? 5) * 1000
  if (copy !== undefined && Date.now() - fetchedAt < refresh) return copy
  try {
    const list = await (await listOf(env).fetch('https://revocations/')).json()
    const fresh = copy ?? new RevocationSet(() => Date.now() / 1000)
    // Each was checked (decodeRevocation) when the list took it.
    fresh.replace(list)
    copy = fresh
    fetchedAt = Date.now()
  } catch (err) {
    console.error(`signed-files worker cannot read the revocations: ${err.message}`)
    if (copy === undefined) return 'unavailable'
  }
  return copy
}

/**
 * Takes a revocation from the app: a PUT to REVOCATIONS_PATH through an upload link for that path, signed by the
 * app's key, whose `sha256` is the body's. 204 once stored; 403 for any other link, 413 past 4 kB, 422 for another
 * body, 400 for a body that is not a revocation.
 */
export async function takeRevocation(request, env, signer) {
  const url = new URL(request.url)
  const result = await signer.verify(url.pathname + url.search, { method: request.method })
  if (!result.ok || request.method !== 'PUT' || `/${result.path}` !== REVOCATIONS_PATH || result.sha256 === undefined)
    return refuse(403, request.method)
  const length = Number(request.headers.get('Content-Length') ?? NaN)
  if (!Number.isSafeInteger(length) || length > 4096) return refuse(413, request.method)
  const body = await request.arrayBuffer()
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  if (base64url(digest) !== result.sha256) return refuse(422, request.method)
  const text = new TextDecoder().decode(body)
  if (decodeRevocation(text) === undefined) return refuse(400, request.method)
  const stored = await listOf(env).fetch('https://revocations/', { method: 'POST', body: text })
  if (stored.status !== 204) return refuse(400, request.method)
  // This isolate knows at once; the others within REVOCATION_REFRESH_SECONDS.
  copy?.add(decodeRevocation(text))
  return new Response(null, { status: 204 })
}
