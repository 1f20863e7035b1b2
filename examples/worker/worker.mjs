// A Cloudflare Worker (module syntax) in front of private files: it checks express-signed-url links with Web
// Crypto, then serves the object from an R2 bucket (binding FILES) or, without one, fetches it from a private origin
// (variable ORIGIN). The app keeps signing with createSigner; links do not change when serving moves here.
//
// Keys: the secret SIGNING_KEY (one secret) or SIGNING_KEYS (comma-separated, newest first, `secret` or
// `id:secret`), read with parseKeyList as the Node apps and the nginx script read them. Folder grants arrive as the
// `signed-grant` cookie set by the app's res.locals.grantAccess.
//
// The runtime hands a Worker `request.url` already parsed as a WHATWG URL: `.`/`..` segments (also `%2e`) are
// resolved and `\` turned into `/` before this code runs. So a non-canonical spelling of a signed path is served
// as the path it resolves to, which is the path the signature names, where the Node guard refuses the spelling.
// What is checked and what is served are the same resolved path, so nothing unsigned is ever served.
import { createWebSigner, grantsFromCookies, parseKeyList } from 'express-signed-url/web'

const REFUSED = { 403: 'Forbidden\n', 404: 'Not Found\n', 416: 'Range Not Satisfiable\n', 500: 'Internal Server Error\n' }

// One signer per isolate (its keys are imported once), rebuilt only if the secrets change.
let cached

function signerFor(env) {
  const text = env.SIGNING_KEYS ?? env.SIGNING_KEY
  if (cached?.text === text) return cached.signer
  if (env.SIGNING_KEYS !== undefined && env.SIGNING_KEY !== undefined) throw new TypeError('set SIGNING_KEY or SIGNING_KEYS, not both')
  const options = env.SIGNING_KEYS !== undefined ? { keys: parseKeyList(env.SIGNING_KEYS, 'SIGNING_KEYS') } : { key: env.SIGNING_KEY }
  cached = { text, signer: createWebSigner(options) }
  return cached.signer
}

function refuse(status, method, extra = {}) {
  const headers = { 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra }
  return new Response(method === 'HEAD' ? null : REFUSED[status], { status, headers })
}

export default {
  async fetch(request, env) {
    let signer
    try {
      if (env.FILES === undefined && env.ORIGIN === undefined) throw new TypeError('bind an R2 bucket as FILES, or set ORIGIN')
      signer = signerFor(env)
    } catch (err) {
      // The messages name the variable and the entry's position, never key text.
      console.error(`signed-files worker cannot serve: ${err.message}`)
      return refuse(500, request.method)
    }
    const url = new URL(request.url)
    const result = await signer.verify(url.pathname + url.search, {
      method: request.method,
      grants: () => grantsFromCookies(request.headers.get('Cookie')),
    })
    if (!result.ok) return refuse(403, request.method)
    // Dotfiles stay hidden, as with the Node guard's dotfiles: 'ignore'.
    if (/(^|\/)\./.test(result.path)) return refuse(404, request.method)
    const cacheControl = `private, max-age=${result.secondsLeft}`
    // A folder link (signed with its '/') serves the folder's index.
    const key = result.path.endsWith('/') ? `${result.path}index.html` : result.path
    return env.FILES !== undefined ? fromBucket(request, env.FILES, key, cacheControl) : fromOrigin(request, env.ORIGIN, key, cacheControl)
  },
}

/** Serves an R2 object: HEAD, one byte range (206, or 416 past the end), conditional GETs (304, 412). */
async function fromBucket(request, bucket, key, cacheControl) {
  const head = await bucket.head(key)
  if (head === null) return refuse(404, request.method)
  const headers = new Headers({ 'Cache-Control': cacheControl, 'Accept-Ranges': 'bytes', ETag: head.httpEtag, 'Last-Modified': head.uploaded.toUTCString() })
  head.writeHttpMetadata(headers)
  const unchanged = notModified(request.headers, head)
  if (unchanged !== 0) return new Response(null, { status: unchanged, headers })
  if (request.method === 'HEAD') {
    headers.set('Content-Length', String(head.size))
    return new Response(null, { headers })
  }
  let range = byteRange(request.headers.get('Range'), head.size)
  if (range !== undefined && request.headers.has('If-Range') && request.headers.get('If-Range') !== head.httpEtag) range = undefined
  if (range === 'unsatisfiable') return refuse(416, request.method, { 'Content-Range': `bytes */${head.size}` })
  // onlyIf: the object must still be the one whose size and ETag were read, or the range could be wrong.
  const object = await bucket.get(key, { onlyIf: { etagMatches: head.etag }, ...(range === undefined ? {} : { range }) })
  if (object === null || !('body' in object)) return refuse(404, request.method) // replaced or deleted meanwhile
  if (range === undefined) {
    headers.set('Content-Length', String(head.size))
    return new Response(object.body, { headers })
  }
  headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`)
  headers.set('Content-Length', String(range.length))
  return new Response(object.body, { status: 206, headers })
}

/** 304 or 412 when the request's preconditions say so (RFC 9110, section 13.2.2), else 0. */
function notModified(requestHeaders, object) {
  const ifMatch = requestHeaders.get('If-Match')
  if (ifMatch !== null && ifMatch.trim() !== '*' && !etagIn(ifMatch, object.httpEtag, false)) return 412
  const ifNoneMatch = requestHeaders.get('If-None-Match')
  if (ifNoneMatch !== null) return ifNoneMatch.trim() === '*' || etagIn(ifNoneMatch, object.httpEtag, true) ? 304 : 0
  const since = Date.parse(requestHeaders.get('If-Modified-Since') ?? '')
  return Number.isNaN(since) || Math.floor(object.uploaded.getTime() / 1000) * 1000 > since ? 0 : 304
}

function etagIn(list, etag, weak) {
  const strip = (tag) => (weak ? tag.replace(/^W\//, '') : tag)
  return list.split(',').some((tag) => strip(tag.trim()) === strip(etag))
}

/**
 * One range of `bytes=a-b`, `bytes=a-` or `bytes=-n` as R2 takes it; 'unsatisfiable' when it starts past the end;
 * undefined (serve the whole object) for no header, another unit, a malformed value or several ranges, as
 * serve-static does.
 */
function byteRange(header, size) {
  const match = header === null ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const length = Math.min(Number(match[2]), size)
    return length === 0 ? 'unsatisfiable' : { offset: size - length, length }
  }
  const offset = Number(match[1])
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (match[2] !== '' && Number(match[2]) < offset) return undefined
  if (offset >= size) return 'unsatisfiable'
  return { offset, length: last - offset + 1 }
}

/**
 * Fetches the object from the origin (which must not be reachable from the internet itself) without the link's
 * query, forwarding only what a file request needs; the origin's status, Range and ETag handling pass through.
 */
async function fromOrigin(request, origin, key, cacheControl) {
  const upstream = new URL(origin)
  upstream.pathname = `${upstream.pathname.replace(/\/$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`
  const forwarded = new Headers()
  for (const name of ['Range', 'If-Range', 'If-None-Match', 'If-Modified-Since', 'If-Match', 'Accept-Encoding']) {
    if (request.headers.has(name)) forwarded.set(name, request.headers.get(name))
  }
  const response = await fetch(upstream, { method: request.method, headers: forwarded, redirect: 'manual' })
  if (response.status >= 300 && response.status < 400 && response.status !== 304) return refuse(404, request.method)
  const headers = new Headers(response.headers)
  headers.delete('Set-Cookie')
  headers.set('Cache-Control', response.ok || response.status === 304 ? cacheControl : 'no-store')
  return new Response(response.body, { status: response.status, headers })
}
