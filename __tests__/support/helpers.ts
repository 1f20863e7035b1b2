import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import url from 'node:url'
import connect from 'connect'
import express5 from 'express'
import express4 from 'express4'
import serveStatic from 'serve-static'
import {
  requireSignature,
  respondRefused,
  signedStatic,
  type RejectHandler,
  type SignedUrlError,
  type Signer,
} from '../../lib'

export const KEY = 'test-key-0123456789-0123456789-0123456789'
export const OTHER_KEY = 'another-key-abcdefghij-abcdefghij-abcdefghij'
/** 2026-01-01T00:00:00Z, the injected clock's "now" in milliseconds. */
export const NOW_MS = 1767225600000
export const now = (): number => NOW_MS
export const SITE = path.join(path.join(__dirname, '..'), 'fixtures', 'site')
export const PRIVATE = path.join(SITE, 'private')

export interface Vector {
  key: string
  path: string
  expiry: number
  method: string
  stringToSign: string
  signature: string
  link?: string
}
export const vectors: Vector[] = JSON.parse(
  readFileSync(path.join(path.join(__dirname, '..'), 'fixtures', 'links-v1.json'), 'utf8'),
).vectors

/** ittybit's reference snippet, as its documentation gives it: the compatibility contract. */
export function ittybitSign(key: string, urlPath: string, expiry: number): string {
  const signature = createHmac('sha256', key).update(`${urlPath}?expiry=${expiry}&method=get`).digest('base64url')
  return `/${urlPath}?expiry=${expiry}&method=get&signature=${signature}`
}

/** A raw HMAC over any string to sign: for links no signer would make, to show they are refused for their form. */
export function forgeMessage(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url')
}

/** The link with the first character of its signature changed (to another: never the one it had). */
export function withWrongSignature(link: string): string {
  return link.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`)
}

/** A raw HMAC over any decoded path, as a naive implementation would accept: used to show refusals are not about the MAC. */
export function forge(key: string, decodedPath: string, expiry: number): string {
  return createHmac('sha256', key).update(`${decodedPath}?expiry=${expiry}&method=get`).digest('base64url')
}

export type Handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

export interface GuardUnderTest {
  name: string
  /** The guard in front of a folder, with serve-static's redirect on or off (off by default). */
  make(root: string, options: { signer: Pick<Signer, 'verify'>; onReject?: RejectHandler }, redirect?: boolean): Handler
}

/** The rules hold for both guards: signedStatic, and requireSignature in front of a plain serve-static. */
export const guards: GuardUnderTest[] = [
  {
    name: 'signedStatic()',
    make: (root, options, redirect) =>
      signedStatic(root, { ...options, ...(redirect === undefined ? {} : { redirect }) }),
  },
  {
    name: 'requireSignature() before serve-static',
    make: (root, options, redirect = false) => {
      const guard = requireSignature(options)
      const serve = serveStatic(root, { redirect })
      return (req, res, next) => guard(req, res, (err?: unknown) => (err ? next(err) : serve(req, res, next)))
    },
  },
]
type App = ((req: IncomingMessage, res: ServerResponse) => void) & { use: (...args: unknown[]) => unknown }

export interface Framework {
  name: string
  create(): App
  /** A sub-router (Express Router, or a Connect sub-app) that can be mounted with `use`. */
  router(): App
}

export const frameworks: Framework[] = [
  { name: 'Express 4', create: () => express4() as unknown as App, router: () => express4.Router() as unknown as App },
  { name: 'Express 5', create: () => express5() as unknown as App, router: () => express5.Router() as unknown as App },
  { name: 'Connect', create: () => connect() as unknown as App, router: () => connect() as unknown as App },
]

export interface Mount {
  name: string
  /**
   * The URL path the browser requests for a file under the fixture site (given decoded, e.g. 'private/image.png'),
   * with the mount's prefix as sent (percent-encoded where the mount needs it).
   */
  url(sitePath: string): string
  /** The path a link for that file signs (with its leading `/`): `url` with the mount's own escapes decoded. */
  signed(sitePath: string): string
  /** True when the mount serves the whole site folder (its files are under private/), not the private folder. */
  wholeSite: boolean
  /** Attaches a middleware made for a folder (the site, or its private/ folder) the way this mount does. */
  attach(app: App, fw: Framework, make: (root: string) => Handler): void
}

/** A tenant segment that url.parse would escape if it were raw (`'`), as `sign` writes it. */
export const TENANT = 'o%27b'
/** A mount path that only matches in percent-encoded form: the routers compare raw paths. */
export const ENCODED_MOUNT = '/caf%C3%A9'

export const mounts: Mount[] = [
  {
    name: 'at the root',
    url: (p) => `/${p}`,
    signed: (p) => `/${p}`,
    wholeSite: true,
    attach: (app, _fw, make) => app.use(make(SITE)),
  },
  {
    name: "under a prefix (app.use('/private', ...))",
    url: (p) => `/${p}`,
    signed: (p) => `/${p}`,
    wholeSite: false,
    attach: (app, _fw, make) => app.use('/private', make(PRIVATE)),
  },
  {
    name: 'inside a nested router',
    url: (p) => `/app/${p}`,
    signed: (p) => `/app/${p}`,
    wholeSite: false,
    attach: (app, fw, make) => {
      const router = fw.router()
      router.use('/private', make(PRIVATE))
      app.use('/app', router)
    },
  },
  {
    name: "under a parameter mount (router.use('/:tenant/files', ...))",
    url: (p) => `/${TENANT}/files/${p}`,
    signed: (p) => `/${decodeURIComponent(TENANT)}/files/${p}`,
    wholeSite: true,
    attach: (app, fw, make) => {
      // Connect has no parameters: the literal tenant stands in, so its routing is exercised all the same.
      const router = fw.router()
      router.use(fw.name === 'Connect' ? `/${TENANT}/files` : '/:tenant/files', make(SITE))
      app.use(router)
    },
  },
  {
    name: "in a sub-app with its own mountpath (app.use('/sub', subApp))",
    url: (p) => `/sub/${p}`,
    signed: (p) => `/sub/${p}`,
    wholeSite: false,
    attach: (app, fw, make) => {
      const sub = fw.create()
      sub.use('/private', make(PRIVATE))
      app.use('/sub', sub)
    },
  },
  {
    name: `under a mount path that needs percent-encoding (${ENCODED_MOUNT})`,
    url: (p) => `${ENCODED_MOUNT}/${p}`,
    signed: (p) => `${decodeURIComponent(ENCODED_MOUNT)}/${p}`,
    wholeSite: true,
    attach: (app, _fw, make) => app.use(ENCODED_MOUNT, make(SITE)),
  },
]

/** The same file tree served at a second prefix, to show a signature for one mount does not open another. */
export const MIRROR = '/mirror'

/**
 * Builds an app for a framework and mount: the middleware under test, the same middleware for the private folder
 * at MIRROR, then a plain 404 and an error handler that reports `err.code` so tests can tell them apart.
 */
export function buildApp(fw: Framework, mount: Mount, make: (root: string) => Handler, before?: Handler): App {
  const app = fw.create()
  if (before) app.use(before)
  mount.attach(app, fw, make)
  app.use(MIRROR, make(PRIVATE))
  app.use(function notFound(_req: IncomingMessage, res: ServerResponse) {
    res.statusCode = 404
    res.end('fell through')
  })
  app.use(function onError(
    err: { code?: string; message?: string },
    _req: IncomingMessage,
    res: ServerResponse,
    _next: unknown,
  ) {
    res.statusCode = 500
    res.setHeader('X-Error-Code', String(err.code ?? 'none'))
    res.end(`error handler: ${err.message}`)
  })
  return app
}

/**
 * The wrapper docs/express-and-connect.md puts in front of a bare Connect app: Connect parses the target in its own
 * next(), before any middleware, and url.parse throws on some hosts (`http://xn--a/`), which escapes the handler.
 */
export function refuseUnparsable(
  app: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function refuseUnparsableTargets(req, res) {
    try {
      url.parse(req.url ?? '')
    } catch {
      res.statusCode = 400
      res.end()
      return
    }
    app(req, res)
  }
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A server listening on loopback for the duration of a describe block, taking raw requests. */
export interface TestServer {
  port: number
  send(target: string, options?: { method?: string; headers?: Record<string, string> }): Promise<RawResponse>
  close(): Promise<void>
}

export async function listen(app: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  return {
    port,
    send: (target, options = {}) => sendTo(port, target, options, agent),
    close: async () => {
      agent.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** One request to a loopback port, with the request target exactly as given; resolves with the whole response. */
export function sendTo(
  port: number,
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
  agent: http.Agent | false = false,
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** One request with the target as raw bytes (latin1: one byte per character), whatever it holds. */
export function rawRequest(
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    const socket = net.connect(port, '127.0.0.1', () => {
      // write, not end: Node's server drops a response it has not started when the client half-closes.
      socket.write(
        Buffer.from(`GET ${target} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`, 'latin1'),
      )
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const all = Buffer.concat(chunks)
      const split = all.indexOf('\r\n\r\n')
      const status = Number(all.subarray(0, 12).toString('latin1').split(' ')[1])
      resolve({
        status: Number.isInteger(status) ? status : -1,
        body: split === -1 ? Buffer.alloc(0) : all.subarray(split + 4),
      })
    })
  })
}

/** A port free on loopback right now, for a server started by another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo
        server.close(() => resolve(port))
      })
      .on('error', reject)
  })
}

/**
 * Sends one request with the request target exactly as given (no client-side URL normalisation, which
 * would hide the attacks under test), and resolves with the whole response.
 */
export async function send(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const server = await listen(app)
  try {
    return await server.send(target, options)
  } finally {
    await server.close()
  }
}

/** onReject for tests: the default refusal, plus the code in a header so a test can tell which rule fired. */
export function recordCode(
  err: SignedUrlError,
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
): void {
  res.setHeader('X-Test-Refusal', err.code)
  respondRefused(err, req, res, next)
}

/** Reads a fixture file under the site folder. */
export function fixture(sitePath: string): Buffer {
  return readFileSync(path.join(SITE, sitePath))
}

/** A bare Node response that records what is passed to end() instead of writing to a socket. */
export function recordingResponse(req: IncomingMessage): ServerResponse & { ended: Array<string | undefined> } {
  const res = new http.ServerResponse(req)
  const ended: Array<string | undefined> = []
  res.end = ((chunk?: Buffer) => {
    ended.push(chunk?.toString())
    return res
  }) as ServerResponse['end']
  return Object.assign(res, { ended })
}

/**
 * Checks a served `Cache-Control` against the link's lifetime on an engine with its own (real) clock: never more
 * than `ttl`, and no less than what was left when the answer came (`signedAt` is when the link was made, in ms).
 */
export function expectLifetime(header: unknown, ttl: number, signedAt: number): void {
  const match = /^private, max-age=(\d+)$/.exec(String(header))
  expect(match).not.toBeNull()
  const maxAge = Number(match?.[1])
  expect(maxAge).toBeLessThanOrEqual(ttl)
  expect(maxAge).toBeGreaterThanOrEqual(Math.floor(ttl - (Date.now() - signedAt) / 1000) - 1)
}

/** A PUT's answer, its body as text. */
export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One PUT to the server, the body written in the given chunks (chunked when no length is given). */
export function put(
  port: number,
  target: string,
  chunks: Buffer[],
  headers: Record<string, string | number> = {},
  abortAfter?: number,
): Promise<Reply | 'aborted'> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'PUT', headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', () => resolve('aborted'))
    let sent = 0
    for (const chunk of chunks) {
      if (abortAfter !== undefined && sent + chunk.length > abortAfter) {
        req.write(chunk.subarray(0, abortAfter - sent), () => req.destroy())
        return
      }
      req.write(chunk)
      sent += chunk.length
    }
    req.end()
  })
}
