// A Cloudflare Worker (module syntax) in front of private files: it checks express-signed-url links with Web
// Crypto, then serves the object from an R2 bucket (binding FILES) or, without one, fetches it from a private origin
// (variable ORIGIN). The app keeps signing with createSigner; links do not change when serving moves here.
//
// Uploads (PUT through upload links, method=put) into the bucket, with signedUpload's rules, once UPLOAD_MAX_BYTES
// is set (the most bytes any upload may have; without it upload links are refused): UPLOAD_CONTENT_TYPES (a
// comma-separated list of media types; default any) and UPLOAD_OVERWRITE ('true' to replace objects; default 409
// when one exists). See upload.mjs for what differs from Node.
//
// Limited-use links (`uses`) are counted by the Durable Object UseCounter (uses.mjs) bound as USES, as the Node
// guards' store counts them; without the binding they are refused. The app's revocations are kept by the Durable
// Object RevocationList (revocations.mjs) bound as REVOCATIONS, sent by the app with `revoke --worker`.
//
// Keys: the secret SIGNING_KEY (one secret) or SIGNING_KEYS (comma-separated, newest first, `secret` or
// `id:secret`), read with parseKeyList as the Node apps and the nginx script read them. Folder grants arrive as the
// `signed-grant` cookie set by the app's res.locals.grantAccess.
//
// What a Worker sees of the request target: not the request line, but `request.url` as the runtime rebuilt it (in
// workerd, as measured by the engine test; on Cloudflare the edge parses requests and may normalise more). The Node
// guard's one reading of the target (refuse `#`, `\`, a leading `//`, raw bytes outside visible ASCII, odd
// absolute-form authorities) applies to what is left of it:
// - refused here, as by the Node guard: a `\` or `#` still in `request.url` (workerd leaves a `\` in the query raw;
//   it drops fragments, so the `#` check is for runtimes that keep one), and all that the shared link rules of
//   `express-signed-url/web` refuse: empty segments (so a leading `//`), encoded `/`, `\` and controls, bad UTF-8,
//   other spellings of a signed field (`[expiry]=`, `exp%69ry=`), unknown key ids (`constructor`, `__proto__` too).
// - not visible, so not refused: `.`, `..` and `%2e` segments arrive resolved and a `\` in the path as `/`; a
//   `#fragment` arrives dropped, without a trace; raw bytes above 0x7E, controls and quotes arrive percent-encoded,
//   like the link's own escapes; a space or tab ends the target, the rest of the request line is dropped. Such a
//   spelling of a valid link is served as the path it resolves to, the path its signature names, where the Node guard
//   refuses it (403, or its HTTP parser 400): what is checked and what is served are one path, nothing unsigned is
//   served. workerd itself answers every absolute-form target (`GET http://host/path`) with 500.
import { createWebSigner, grantsFromCookies, parseKeyList, requestMediaType } from 'express-signed-url/web'
import { refuse } from './refuse.mjs'
import { upload } from './upload.mjs'
import { serveLimited } from './uses.mjs'
import { RESERVED, REVOCATIONS_PATH, revocationsOf, takeRevocation } from './revocations.mjs'

/** A URL path decoded once, as the signer reads it; undefined for a bad escape. */
function decodedPath(path) {
  try {
    return decodeURIComponent(path)
  } catch {
    return undefined
  }
}

// The Durable Objects: UseCounter counts limited-use links (bound as USES, uses.mjs); RevocationList keeps the
// app's revocations (bound as REVOCATIONS, revocations.mjs).
export { UseCounter } from './uses.mjs'
export { RevocationList } from './revocations.mjs'

// One signer per isolate (its keys are imported once), rebuilt only if the configuration changes.
let cached

function configure(env) {
  if (
    cached !== undefined &&
    cached.keys === env.SIGNING_KEYS &&
    cached.key === env.SIGNING_KEY &&
    cached.cookie === env.GRANT_COOKIE &&
    cached.uploadMaxBytes === env.UPLOAD_MAX_BYTES &&
    cached.uploadTypes === env.UPLOAD_CONTENT_TYPES &&
    cached.uploadOverwrite === env.UPLOAD_OVERWRITE
  )
    return cached
  if (env.FILES === undefined && env.ORIGIN === undefined)
    throw new TypeError('bind an R2 bucket as FILES, or set ORIGIN')
  if (env.SIGNING_KEYS !== undefined && env.SIGNING_KEY !== undefined)
    throw new TypeError('set SIGNING_KEY or SIGNING_KEYS, not both')
  if (env.SIGNING_KEYS === undefined && env.SIGNING_KEY === undefined)
    throw new TypeError('set the secret SIGNING_KEY or SIGNING_KEYS')
  const options =
    env.SIGNING_KEYS !== undefined ? { keys: parseKeyList(env.SIGNING_KEYS, 'SIGNING_KEYS') } : { key: env.SIGNING_KEY }
  const grantCookie = env.GRANT_COOKIE ?? 'signed-grant'
  grantsFromCookies(null, grantCookie) // throws a TypeError on a name that is not a cookie token
  cached = {
    keys: env.SIGNING_KEYS,
    key: env.SIGNING_KEY,
    cookie: env.GRANT_COOKIE,
    uploadMaxBytes: env.UPLOAD_MAX_BYTES,
    uploadTypes: env.UPLOAD_CONTENT_TYPES,
    uploadOverwrite: env.UPLOAD_OVERWRITE,
    signer: createWebSigner(options),
    grantCookie,
    uploads: uploadRules(env),
  }
  return cached
}

/** The upload rules from UPLOAD_MAX_BYTES, UPLOAD_CONTENT_TYPES and UPLOAD_OVERWRITE; undefined for none. */
function uploadRules(env) {
  if (env.UPLOAD_MAX_BYTES === undefined) {
    if (env.UPLOAD_CONTENT_TYPES !== undefined || env.UPLOAD_OVERWRITE !== undefined)
      throw new TypeError('UPLOAD_CONTENT_TYPES and UPLOAD_OVERWRITE need UPLOAD_MAX_BYTES')
    return undefined
  }
  if (env.FILES === undefined) throw new TypeError('uploads need an R2 bucket bound as FILES')
  const maxBytes = /^[1-9][0-9]{0,15}$/.test(env.UPLOAD_MAX_BYTES) ? Number(env.UPLOAD_MAX_BYTES) : NaN
  if (!Number.isSafeInteger(maxBytes)) throw new TypeError('UPLOAD_MAX_BYTES must be a positive whole number of bytes')
  let types
  if (env.UPLOAD_CONTENT_TYPES !== undefined) {
    types = env.UPLOAD_CONTENT_TYPES.split(',').map((t) => t.trim())
    if (types.some((t) => requestMediaType(t) !== t || t.includes(';')))
      throw new TypeError(
        "UPLOAD_CONTENT_TYPES must be media types in lower case, comma-separated: 'image/png,image/jpeg'",
      )
  }
  if (env.UPLOAD_OVERWRITE !== undefined && !['true', 'false'].includes(env.UPLOAD_OVERWRITE))
    throw new TypeError("UPLOAD_OVERWRITE must be 'true' or 'false'")
  return { maxBytes, types, overwrite: env.UPLOAD_OVERWRITE === 'true' }
}

export default {
  // Whatever fails below (R2, a Durable Object) is a 500 with the reason in the log, never in the answer.
  async fetch(request, env, ctx) {
    try {
      return await handle(request, env, ctx)
    } catch (err) {
      console.error(`signed-files worker failed: ${err?.message}`)
      return refuse(500, request.method)
    }
  },
}

async function handle(request, env, ctx) {
  let config
  try {
    config = configure(env)
  } catch (err) {
    // The messages name the variable and the entry's position, never key text.
    console.error(`signed-files worker cannot serve: ${err.message}`)
    return refuse(500, request.method)
  }
  // A target with `#` or `\` anywhere is one the Node guard refuses (see above for what the runtime hides).
  if (/[#\\]/.test(request.url)) return refuse(403, request.method)
  const url = new URL(request.url)
  // The app sending a revocation, through a link it signed for this path (revocations.mjs), in any spelling of
  // it: the path as the link decodes, never only as sent.
  if (decodedPath(url.pathname) === REVOCATIONS_PATH && env.REVOCATIONS !== undefined)
    return takeRevocation(request, env, config.signer)
  // Resumable (tus) uploads are the Node signedUpload's: every tus request (a creation, a chunk, a termination, an
  // offset asked: each carries Tus-Resumable) gets 501 before any other work, as does a link signed for one
  // resumable upload (below); a tus client stops rather than retries.
  if (request.headers.has('Tus-Resumable')) return refuse(501, request.method, { 'Tus-Resumable': '1.0.0' })
  const result = await config.signer.verify(url.pathname + url.search, {
    method: request.method,
    grants: () => grantsFromCookies(request.headers.get('Cookie'), config.grantCookie),
    // The client's address as Cloudflare's edge sets it (and overwrites any sent by the client). Without the edge
    // (workerd alone) there is none, and a link bound to addresses is refused.
    ip: () => request.headers.get('CF-Connecting-IP') ?? undefined,
  })
  // A PUT verifies only as an upload link (method=put), and a GET or HEAD only as a get link or grant.
  if (!result.ok) return refuse(403, request.method)
  if (result.upload !== undefined) return refuse(501, request.method, { 'Tus-Resumable': '1.0.0' })
  // The Worker's own paths are never files: no link reads or writes an object under them.
  if (result.path.startsWith(RESERVED)) return refuse(403, request.method)
  // The app's revocations, from this isolate's copy (with REVOCATIONS bound; docs/revocation-and-limited-use.md):
  // a link taken back is refused as the Node guards refuse it.
  const revocations = await revocationsOf(env)
  if (revocations === 'unavailable') return refuse(503, request.method, { 'Retry-After': '5' })
  if (revocations?.has(result)) return refuse(403, request.method)
  if (request.method === 'PUT') {
    if (config.uploads === undefined) return refuse(403, request.method)
    if (new TextEncoder().encode(result.path).length > 1024) return refuse(414, request.method)
    return upload(request, env.FILES, result, config.uploads)
  }
  // Dotfiles stay hidden, as with the Node guard's dotfiles: 'ignore'.
  if (/(^|\/)\./.test(result.path)) return refuse(404, request.method)
  const cacheControl = `private, max-age=${result.secondsLeft}`
  const disposition =
    result.disposition === undefined ? undefined : contentDisposition(result.disposition, result.filename)
  // A folder link (signed with its '/') serves the folder's index.
  const key = result.path.endsWith('/') ? `${result.path}index.html` : result.path
  // R2 names hold at most 1024 bytes: a longer one names nothing that exists or can be stored.
  if (new TextEncoder().encode(key).length > 1024) return refuse(414, request.method)
  const serve = () =>
    env.FILES !== undefined
      ? fromBucket(request, env.FILES, key, cacheControl)
      : fromOrigin(request, env.ORIGIN, key, cacheControl)
  // A limited-use link is counted by the USES Durable Object, or refused without one: never served uncounted.
  const response =
    result.uses === undefined ? await serve() : await serveLimited(request, env, result, key, serve, byteRange, ctx)
  // The link's download name, over whatever the object or the origin says, on the file's answers only.
  if (disposition !== undefined && response.status < 400) response.headers.set('Content-Disposition', disposition)
  return response
}

/**
 * The Content-Disposition the Node guards write with the content-disposition package (its `create`): the name as a
 * token or a quoted string when it is plain ASCII without %XX, else an ASCII fallback (`?` for the rest) and the
 * RFC 8187 `filename*`. The name was checked when the link was read (lib/link/download-name.ts).
 */
function contentDisposition(type, name) {
  if (name === undefined) return type
  const quote = (value) =>
    /^[!#$%&'*+.0-9A-Z^_`a-z|~-]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`
  if (/^[\x20-\x7e]*$/.test(name) && !/%[0-9A-Fa-f]{2}/.test(name)) return `${type}; filename=${quote(name)}`
  const extended = encodeURIComponent(name).replace(
    /[\x00-\x20"'()*,/:;<=>?@[\\\]{}\x7f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${type}; filename=${quote(name.replace(/[^\x20-\x7e]/g, '?'))}; filename*=UTF-8''${extended}`
}

/** The headers of a served file: the object's own, then the link's private lifetime over any caching it names. */
function fileHeaders(set, cacheControl) {
  const headers = new Headers()
  set(headers)
  headers.set('Cache-Control', cacheControl)
  headers.delete('Expires')
  headers.delete('Set-Cookie')
  if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/octet-stream')
  headers.set('X-Content-Type-Options', 'nosniff')
  return headers
}

// The request headers that make serving depend on the object's size or validators.

const CONDITIONAL = ['Range', 'If-Range', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since']

/** Serves an R2 object: HEAD, one byte range (206, or 416 past the end), conditional requests (304, 412). */
async function fromBucket(request, bucket, key, cacheControl) {
  // A plain GET costs one R2 operation (the object with its body); HEAD, ranges and preconditions read the
  // metadata first, and fetch the body only if it is to be sent.
  const plain = request.method === 'GET' && !CONDITIONAL.some((name) => request.headers.has(name))
  const head = plain ? await bucket.get(key) : await bucket.head(key)
  if (head === null) return refuse(404, request.method)
  const lastModified = new Date(Math.floor(head.uploaded.getTime() / 1000) * 1000)
  const headers = fileHeaders((h) => {
    head.writeHttpMetadata(h)
    h.set('ETag', head.httpEtag)
    h.set('Last-Modified', lastModified.toUTCString())
    h.set('Accept-Ranges', 'bytes')
  }, cacheControl)
  // An object stored compressed (Content-Encoding) goes out as stored, not compressed again by the runtime.
  const encodeBody = headers.has('Content-Encoding') ? 'manual' : 'automatic'
  if (plain) {
    headers.set('Content-Length', String(head.size))
    return new Response(head.body, { headers, encodeBody })
  }
  const precondition = preconditions(request.headers, head.httpEtag, lastModified.getTime())
  if (precondition === 412) return refuse(412, request.method)
  if (precondition === 304) return new Response(null, { status: 304, headers })
  if (request.method === 'HEAD') {
    headers.set('Content-Length', String(head.size))
    return new Response(null, { headers, encodeBody })
  }
  let range = byteRange(request.headers.get('Range'), head.size)
  if (range !== undefined && !ifRangeHolds(request.headers.get('If-Range'), head.httpEtag, lastModified.getTime()))
    range = undefined
  if (range === 'unsatisfiable') return refuse(416, request.method, { 'Content-Range': `bytes */${head.size}` })
  // onlyIf: the object must still be the one whose size and ETag were read, or the range could be wrong.
  const object = await bucket.get(key, {
    onlyIf: { etagMatches: head.etag },
    ...(range === undefined ? {} : { range }),
  })
  if (object === null || !('body' in object)) return refuse(404, request.method) // replaced or deleted meanwhile
  if (range === undefined) {
    headers.set('Content-Length', String(head.size))
    return new Response(object.body, { headers, encodeBody })
  }
  headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`)
  headers.set('Content-Length', String(range.length))
  return new Response(object.body, { status: 206, headers, encodeBody })
}

/** RFC 9110, section 13.2.2, for GET and HEAD: 412, 304, or 0 to go on. */
function preconditions(requestHeaders, etag, modifiedMs) {
  const ifMatch = requestHeaders.get('If-Match')
  if (ifMatch !== null) {
    if (ifMatch.trim() !== '*' && !etagIn(ifMatch, etag, false)) return 412
  } else {
    const unmodifiedSince = httpDate(requestHeaders.get('If-Unmodified-Since'))
    if (unmodifiedSince !== undefined && modifiedMs > unmodifiedSince) return 412
  }
  const ifNoneMatch = requestHeaders.get('If-None-Match')
  if (ifNoneMatch !== null) return ifNoneMatch.trim() === '*' || etagIn(ifNoneMatch, etag, true) ? 304 : 0
  const modifiedSince = httpDate(requestHeaders.get('If-Modified-Since'))
  return modifiedSince !== undefined && modifiedMs <= modifiedSince ? 304 : 0
}

function etagIn(list, etag, weak) {
  const strip = (tag) => (weak ? tag.replace(/^W\//, '') : tag)
  return list.split(',').some((tag) => strip(tag.trim()) === strip(etag))
}

/** A range applies without If-Range, or when If-Range names the current ETag or exactly its Last-Modified date. */
function ifRangeHolds(ifRange, etag, modifiedMs) {
  if (ifRange === null) return true
  if (ifRange.trim().startsWith('"')) return ifRange.trim() === etag
  return httpDate(ifRange) === modifiedMs
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT` + // IMF-fixdate
    `|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT` + // RFC 850
    `|${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})$`,
) // asctime

/** Milliseconds of an HTTP-date (the three forms RFC 9110 names); undefined for anything else, which is ignored. */
function httpDate(text) {
  if (text === null || !HTTP_DATE.test(text.trim())) return undefined
  const ms = Date.parse(text.trim().endsWith('GMT') ? text : `${text} GMT`)
  return Number.isNaN(ms) ? undefined : ms
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

// The origin's headers that describe the file; any other (its caching for CDNs, cookies, server details) stays
// behind.
const FILE_HEADERS = [
  'Content-Type',
  'Content-Length',
  'Content-Range',
  'Content-Encoding',
  'Content-Disposition',
  'Content-Language',
  'ETag',
  'Last-Modified',
  'Accept-Ranges',
  'Vary',
]

/**
 * Fetches the object from the origin (which must not be reachable from the internet itself) without the link's
 * query, forwarding only what a file request needs; the origin's file answers and validators pass through.
 */
async function fromOrigin(request, origin, key, cacheControl) {
  const upstream = new URL(origin)
  upstream.pathname = `${upstream.pathname.replace(/\/$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`
  const forwarded = new Headers()
  for (const name of [...CONDITIONAL, 'Accept-Encoding']) {
    if (request.headers.has(name)) forwarded.set(name, request.headers.get(name))
  }
  // encodeResponseBody 'manual': a compressed answer stays compressed, as its Content-Encoding says, instead of
  // being decompressed by the runtime under the same header.
  const response = await fetch(upstream, {
    method: request.method,
    headers: forwarded,
    redirect: 'manual',
    encodeResponseBody: 'manual',
  })
  // A missing file is a 404; a failed precondition or range is answered as the R2 path answers it; anything else
  // but a file (a redirect, the origin's own refusal, an error) is a 502 without the origin's body.
  if (response.status === 404 || response.status === 410) return refuse(404, request.method)
  if (response.status === 412) return refuse(412, request.method)
  if (response.status === 416)
    return refuse(
      416,
      request.method,
      response.headers.has('Content-Range') ? { 'Content-Range': response.headers.get('Content-Range') } : {},
    )
  if (![200, 206, 304].includes(response.status)) return refuse(502, request.method)
  const headers = fileHeaders((h) => {
    for (const name of FILE_HEADERS) if (response.headers.has(name)) h.set(name, response.headers.get(name))
  }, cacheControl)
  return new Response(response.body, {
    status: response.status,
    headers,
    encodeBody: headers.has('Content-Encoding') ? 'manual' : 'automatic',
  })
}
