// Limited-use links at the edge: a Durable Object per link (named by its signature) counts what the link has
// served, as the Node guards' store does: a use is the whole object (a Range request costs its share, a HEAD
// nothing), spent before the body is sent and given back when the answer sends none (304, 404, 412, 416).
// One object handles its requests one at a time, and its storage calls hold other requests back until they are
// done (input gates), so of many racing requests exactly as many as the link allows are served.
//
// Bind the class as USES (wrangler.json: durable_objects + migrations). Without the binding, limited-use links are
// refused (403): never served uncounted. Only for the R2 bucket (FILES): through ORIGIN the size is not known
// before the answer, so limited-use links are refused there too.
import { refuse } from './refuse.mjs'

/** The count of one link: `{ op: 'spend' | 'refund', amount, limit, until }` in, `{ ok }` out. */
export class UseCounter {
  constructor(state) {
    this.storage = state.storage
  }

  async fetch(request) {
    const { op, amount, limit, until } = await request.json()
    if (![amount, limit, until].every(Number.isSafeInteger) || amount < 0)
      return Response.json({ ok: false }, { status: 400 })
    const used = (await this.storage.get('used')) ?? 0
    if (op === 'refund') {
      await this.storage.put('used', Math.max(0, used - amount))
      return Response.json({ ok: true })
    }
    if (used + amount > limit || (amount === 0 && used >= limit)) return Response.json({ ok: false })
    if (amount > 0) {
      await this.storage.put('used', used + amount)
      // Forgotten once the link has expired.
      if ((await this.storage.getAlarm()) === null) await this.storage.setAlarm(until * 1000)
    }
    return Response.json({ ok: true })
  }

  async alarm() {
    await this.storage.deleteAll()
  }
}

/**
 * Serves a limited-use link: what the request costs is spent on the link's counter before `serve()` runs, and
 * given back if the answer sends no body. 410 once nothing is left; 503 if the counter cannot answer.
 */
export async function serveLimited(request, env, link, key, serve, byteRange) {
  if (env.USES === undefined || env.FILES === undefined) return refuse(403, request.method)
  const head = await env.FILES.head(key)
  if (head === null) return serve()
  // The object's size is read here and by serve(): if it changes between, the cost was for the other size.
  const [amount, limit] = cost(request, head.size, link.uses, byteRange)
  const counter = env.USES.get(env.USES.idFromName(link.signature))
  // Kept as the Node guard keeps it: past the last second the link is accepted (this signer has no clockTolerance:
  // its expiry) by an hour.
  const until = link.expiresAt + 3600
  const ask = async (op) => {
    const answer = await counter.fetch('https://uses/', {
      method: 'POST',
      body: JSON.stringify({ op, amount, limit, until }),
    })
    return (await answer.json()).ok === true
  }
  let spent
  try {
    spent = await ask('spend')
  } catch (err) {
    console.error(`signed-files worker cannot count a limited-use link: ${err.message}`)
    return refuse(503, request.method, { 'Retry-After': '5' })
  }
  if (!spent) return refuse(410, request.method)
  const response = await serve()
  if (amount > 0 && response.status !== 200 && response.status !== 206) await ask('refund').catch(() => undefined)
  return response
}

// As the Node guard's (lib/signed-static.ts): in millionths of a use, a use being the object's size as it is now;
// a GET costs the one range it asks for (without If-Range), rounded up, else the whole object; HEAD nothing; an
// empty object one use per GET. Each use allows 0.1% more, for ranges rounded up.
const USE = 1_000_000
const ROUNDING = 1000

function cost(request, size, uses, byteRange) {
  const limit = uses * (USE + ROUNDING)
  if (request.method === 'HEAD') return [0, uses * USE]
  const range =
    request.headers.has('If-Range') || size === 0 ? undefined : byteRange(request.headers.get('Range'), size)
  if (range === undefined || range === 'unsatisfiable') return [USE, limit]
  return [Math.min(USE, Math.ceil((range.length / size) * USE)), limit]
}
