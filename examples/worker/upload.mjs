// Uploads for the Worker (worker.mjs): a PUT through an upload link (method=put) into the R2 bucket, with
// signedUpload's rules.
import { requestMediaType } from 'express-signed-url/web'
import { refuse } from './refuse.mjs'

/* global FixedLengthStream */

/**
 * Takes one upload into the bucket with signedUpload's rules, refused before a byte of the body is read: a folder
 * or dotfile target (403), no Content-Length (411: R2 takes only a body of known length), a declared length over
 * the smaller of the link's and UPLOAD_MAX_BYTES (413), a type outside the link's or UPLOAD_CONTENT_TYPES (415), an
 * existing object without UPLOAD_OVERWRITE (409). The body then streams to R2, hashed as it passes. An R2 put is
 * atomic (the object is the whole upload or absent), so a client that goes away, a wrong digest (R2 checks the
 * link's sha256 itself: 422) or a failed write (507) leaves nothing; without overwrite the put is conditional
 * (`etagDoesNotMatch: '*'`), so of two racing uploads one lands and the other gets 409. A stalled body is ended by
 * Cloudflare's edge, not by the Worker, which has no idle timeout of its own. The object keeps the sent media type
 * only when a list allowed it; otherwise it has none, and is served as application/octet-stream with nosniff.
 */
export async function upload(request, bucket, link, rules) {
  const key = link.path
  if (key.endsWith('/') || /(^|\/)\./.test(key)) return refuse(403, 'PUT')
  const declared = request.headers.get('Content-Length')
  if (declared === null || request.body === null) return refuse(411, 'PUT')
  const cap = Math.min(rules.maxBytes, link.maxBytes ?? Infinity)
  if (!/^[0-9]{1,16}$/.test(declared) || Number(declared) > cap) return refuse(413, 'PUT')
  const size = Number(declared)
  const type = requestMediaType(request.headers.get('Content-Type') ?? undefined)
  const listed = (list) => list === undefined || list.includes(type)
  const linkTypes = link.contentType?.split(',')
  const typed = linkTypes !== undefined || rules.types !== undefined
  if (typed && (type === undefined || !listed(rules.types) || !listed(linkTypes))) return refuse(415, 'PUT')
  // Stored as sent: a body in a content coding (gzip) would be stored as gzip under its type's name.
  const encoding = request.headers.get('Content-Encoding')
  if (encoding !== null && !/^[ \t]*identity[ \t]*$/i.test(encoding)) return refuse(415, 'PUT')
  if (!rules.overwrite && (await bucket.head(key)) !== null) return refuse(409, 'PUT')
  // The body, hashed on its way to R2 (which needs a stream of known length: FixedLengthStream, the declared one).
  const digest = new crypto.DigestStream('SHA-256')
  const hasher = digest.getWriter()
  const fixed = new FixedLengthStream(size)
  const piped = request.body
    .pipeThrough(
      new TransformStream({
        async transform(chunk, controller) {
          await hasher.write(chunk)
          controller.enqueue(chunk)
        },
        flush: () => hasher.close(),
      }),
    )
    .pipeTo(fixed.writable)
  let stored
  try {
    ;[stored] = await Promise.all([
      bucket.put(key, fixed.readable, {
        ...(typed ? { httpMetadata: { contentType: type } } : {}),
        ...(link.sha256 === undefined ? {} : { sha256: hexOf(link.sha256) }),
        ...(rules.overwrite ? {} : { onlyIf: { etagDoesNotMatch: '*' } }),
      }),
      piped,
    ])
  } catch (err) {
    await hasher.abort().catch(() => undefined)
    // R2 says which checksum it got (not a secret, but not the client's business either): only the status goes out.
    if (link.sha256 !== undefined && /SHA-256 checksum/.test(String(err?.message))) return refuse(422, 'PUT')
    // The client went away (the body errored), or R2 failed: nothing was stored either way.
    console.error(`signed-files worker: upload of ${JSON.stringify(key)} not stored: ${err?.name ?? 'Error'}`)
    return refuse(507, 'PUT')
  }
  if (stored === null) return refuse(409, 'PUT') // another upload landed first
  const sha256 = base64url(new Uint8Array(await digest.digest))
  const body = JSON.stringify({ path: key, size, contentType: type, sha256 })
  return new Response(body, {
    status: 201,
    headers: { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' },
  })
}

/** The hex of a base64url digest (R2 takes sha256 as hex). */
function hexOf(text) {
  const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}
