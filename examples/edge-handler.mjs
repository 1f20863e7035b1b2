// An edge-style handler, `(request: Request) => Promise<Response>`, signing links with Web Crypto only: the shape
// of a Cloudflare Worker, a Vercel or Netlify edge function, Deno.serve or a Bun server. It imports nothing from
// node:, so it runs where node:crypto does not.
import { createWebSigner } from 'express-signed-url/web'

/**
 * `GET /api/signed-link?path=private/image.png` answers `{ "link": "/private/image.png?expiry=…" }`.
 * `key` is the signing secret, from the platform's secret store; `canRead(request, path)` is your access check.
 */
export function createHandler({ key, baseUrl, canRead = () => true, now }) {
  const signer = createWebSigner({ key, ttl: '10m', ...(baseUrl ? { baseUrl } : {}), ...(now ? { now } : {}) })

  return async function handle(request) {
    const url = new URL(request.url)
    if (url.pathname !== '/api/signed-link') return new Response('Not Found', { status: 404 })
    const requested = url.searchParams.get('path')
    if (!requested) return Response.json({ error: 'give ?path=' }, { status: 400 })
    // sign() takes 'x' and '/x' alike: check access on the very path that gets signed.
    const path = requested.startsWith('/') ? requested.slice(1) : requested
    if (!(await canRead(request, path))) return Response.json({ error: 'not yours' }, { status: 403 })
    try {
      return Response.json({ link: await signer.sign(path) }, { headers: { 'Cache-Control': 'no-store' } })
    } catch (err) {
      return Response.json({ error: err.message }, { status: 400 }) // a non-canonical path, for example
    }
  }
}

// Cloudflare Workers style: export default { fetch(request, env) { ... } }. The handler (and its imported key)
// is made once per isolate, not per request.
let workerHandler
export default {
  fetch(request, env) {
    workerHandler ??= createHandler({ key: env.SIGNING_KEY })
    return workerHandler(request)
  },
}
