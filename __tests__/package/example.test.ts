import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import request from 'supertest'
import { createMemoryStore, createSigner } from 'express-signed-url'
import { starting } from '../support/budget'
import { KEY, NOW_MS, now, send } from '../support/helpers'

type AppFactory = (o: {
  key: string
  now?: () => number
  uploads?: string
  store?: object
}) => Parameters<typeof send>[0]
const EXAMPLES = path.join(path.join(__dirname, '..'), '..', 'examples')
/* eslint-disable @typescript-eslint/no-require-imports */
const engines: Array<[string, AppFactory]> = [
  ['EJS (examples/app.js)', require('../../examples/app.js').createApp],
  ['Pug (examples/pug.js)', require('../../examples/pug.js').createApp],
  ['Handlebars (examples/handlebars.js)', require('../../examples/handlebars.js').createApp],
  ['Nunjucks (examples/nunjucks.js)', require('../../examples/nunjucks.js').createApp],
]
/* eslint-enable @typescript-eslint/no-require-imports */

/** What a browser does to an attribute value: decode the character references. */
function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_m, ref: string) => {
    if (ref[0] === '#')
      return String.fromCodePoint(ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)))
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[ref.toLowerCase()]
  })
}

describe.each(engines)('the example with %s', (_name, createApp) => {
  const app = createApp({ key: KEY, now })

  async function links(): Promise<Record<string, string>> {
    const html = (await request(app).get('/').expect(200)).text
    const found: Record<string, string> = {}
    for (const [, id, raw] of html.matchAll(/<(?:img|a) id="(\w+)" (?:src|href)="([^"]*)"/g)) found[id] = raw
    return found
  }

  it('prints every link HTML-escaped: no bare & in an attribute', async () => {
    const raw = await links()
    expect(Object.keys(raw).sort()).toEqual(['download', 'edited', 'expired', 'image', 'named', 'unsigned'])
    for (const id of ['image', 'download', 'named', 'expired', 'edited']) {
      expect(raw[id]).toMatch(/&(amp|#38|#x26);/i)
      expect(raw[id]).not.toMatch(/&(?!(amp|#x?[0-9a-f]+);)/i)
    }
    expect(unescapeHtml(raw.image)).toMatch(/^\/private\/image\.png\?expiry=\d+&method=get&signature=[\w-]{43}$/)
  })

  it('serves the image and the download (as an attachment) through their unescaped links', async () => {
    const raw = await links()
    const image = await request(app).get(unescapeHtml(raw.image)).expect(200)
    expect(image.headers['content-type']).toBe('image/png')
    expect(Buffer.from(image.body)).toEqual(readFileSync(path.join(EXAMPLES, 'private', 'image.png')))
    const pdf = await request(app).get(unescapeHtml(raw.download)).expect(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.headers['content-disposition']).toBe('attachment; filename=report.pdf')
    // Five minutes, rounded up to the next five-minute boundary after them (stableFor): the clock is on one.
    expect(pdf.headers['cache-control']).toBe('private, max-age=600')
    // The signed name replaces the one setHeaders gives every PDF.
    const named = await request(app).get(unescapeHtml(raw.named)).expect(200)
    expect(named.headers['content-disposition']).toBe('attachment; filename="Quarterly report 2026.pdf"')
    expect(Buffer.from(named.body)).toEqual(readFileSync(path.join(EXAMPLES, 'private', 'report.pdf')))
  })

  it('prints the same links all through a five-minute window, and new ones after it', async () => {
    let ms = now()
    const stable = createApp({ key: KEY, now: () => ms })
    const page = async () =>
      (await request(stable).get('/').expect(200)).text.match(/<img id="image" src="([^"]*)"/)?.[1]
    const first = await page()
    ms += 299_000
    expect(await page()).toBe(first)
    ms += 1000
    expect(await page()).not.toBe(first)
  })

  it('refuses the expired, the edited and the unsigned links with 403, each for its own reason', async () => {
    const raw = await links()
    const reasons = { expired: 'ERR_URL_EXPIRED', edited: 'ERR_SIGNATURE_INVALID', unsigned: 'ERR_SIGNATURE_MISSING' }
    for (const [id, code] of Object.entries(reasons)) {
      const link = unescapeHtml(raw[id])
      const res = await request(app).get(link)
      expect([id, res.status, res.text]).toEqual([id, 403, 'Forbidden\n'])
      // The expired link is genuinely signed with the app's key, only expired; the edited one is not.
      expect(createSigner({ key: KEY, now }).verify(link)).toMatchObject({ ok: false, error: { code } })
    }
  })
})

/** A started example server: its output so far, the port it printed, and the process (npm, or node itself). */
interface Started {
  child: ChildProcessWithoutNullStreams
  port: number
  output: { stdout: string; stderr: string }
}

/** Starts `command args` with env and waits for the URL the example prints; rejects if it exits first. */
async function startExample(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(command, args, { env, cwd: path.join(path.join(__dirname, '..'), '..') })
  const output = { stdout: '', stderr: '' }
  child.stderr.on('data', (d: Buffer) => {
    output.stderr += d
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output.stdout += d
      const match = /on http:\/\/[^:]+:(\d+)/.exec(output.stdout)
      if (match) resolve(Number(match[1]))
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output.stderr}`)))
  })
  return { child, port, output }
}

describe('examples/app.js, as npm start runs it', () => {
  starting(1).it('starts with a generated key and a warning when SIGNING_KEY is unset, and honours PORT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.SIGNING_KEY
    const { child, output } = await startExample(process.execPath, [path.join(EXAMPLES, 'app.js')], env)
    try {
      expect(output.stderr).toMatch(/SIGNING_KEY is not set: using a random development key/)
      expect(output.stdout).toMatch(/example \(EJS\) on http:\/\/localhost:\d+/)
    } finally {
      child.kill()
    }
  })

  starting(2).it(
    'runs in the foreground of npm: a signal to npm stops the server; HOST picks the interface',
    async () => {
      // npm start builds what changed, then `exec npm run example`, which `exec`s node: npm's signal reaches the
      // server. (The build is not run here: it would rewrite dist/ under the suites running beside this one; its
      // own suite, build.test.ts, runs it on a copy.)
      const scripts = (
        JSON.parse(readFileSync(path.join(path.join(__dirname, '..'), '..', 'package.json'), 'utf8')) as {
          scripts: Record<string, string>
        }
      ).scripts
      expect(scripts.start).toBe('node .ci/build.js --changed && exec npm run --silent example')
      expect(scripts.example).toBe('exec node examples/app.js')
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1' }
      delete env.SIGNING_KEY
      const { child: npm, port, output } = await startExample('npm', ['run', '--silent', 'example'], env)
      expect(output.stdout).toContain(`on http://127.0.0.1:${port}`)
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200)
      const exited = new Promise((resolve) => npm.on('exit', resolve))
      npm.kill('SIGTERM')
      await exited
      // The server went with npm: nothing listens on its port any more (no orphan re-parented to init).
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
    },
  )

  starting(1).it('explains a refusal under DEBUG=express-signed-url, without the query', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DEBUG: 'express-signed-url', SIGNING_KEY: KEY }
    const { child, port, output } = await startExample(process.execPath, [path.join(EXAMPLES, 'app.js')], env)
    try {
      const forged = createSigner({ key: `${KEY}-other` }).sign('private/image.png')
      expect((await fetch(`http://localhost:${port}${forged}`)).status).toBe(403)
      await new Promise<void>((resolve) => {
        const seen = () => output.stderr.includes('refused')
        if (seen()) resolve()
        else child.stderr.on('data', () => seen() && resolve())
      })
      expect(output.stderr).toMatch(
        /express-signed-url refused ERR_SIGNATURE_INVALID 403: "GET" "\/private\/image\.png"/,
      )
      expect(output.stderr).not.toContain(forged.split('?')[1])
    } finally {
      child.kill()
    }
  })

  starting(1).it('refuses to start with a short SIGNING_KEY, without printing it', async () => {
    const child = spawn(process.execPath, [path.join(EXAMPLES, 'app.js')], {
      env: { ...process.env, PORT: '0', SIGNING_KEY: 'tooshortsecret' },
      cwd: path.join(path.join(__dirname, '..'), '..'),
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d
    })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toMatch(/Cannot start: createSigner: "key" must be at least 32 bytes, got 14/)
    expect(stderr).not.toContain('tooshortsecret')
  })
})

describe('the example upload page (examples/uploads.js)', () => {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const createApp: AppFactory = require('../../examples/app.js').createApp
  let folder: string
  let app: ReturnType<AppFactory>
  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'example-uploads-'))
    app = createApp({ key: KEY, now, uploads: folder })
  })
  afterEach(() => rmSync(folder, { recursive: true, force: true }))

  it("takes a file PUT to a link made by ittybit's own recipe for method=put, and serves it by a get link", async () => {
    // ittybit's snippet: HMAC-SHA256 of `<path>?expiry=<seconds>&method=put` with the key, base64url.
    const expiry = NOW_MS / 1000 + 300
    const signature = createHmac('sha256', KEY)
      .update(`uploads/notes.txt?expiry=${expiry}&method=put`)
      .digest('base64url')
    const put = await request(app)
      .put(`/uploads/notes.txt?expiry=${expiry}&method=put&signature=${signature}`)
      .set('Content-Type', 'text/plain')
      .send('uploaded by the recipe')
      .expect(201)
    expect(put.body).toMatchObject({ path: 'uploads/notes.txt', size: 22, contentType: 'text/plain' })
    expect(readFileSync(path.join(folder, 'notes.txt'), 'utf8')).toBe('uploaded by the recipe')
    expect((await request(app).get(put.body.url).expect(200)).text).toBe('uploaded by the recipe')
    // The upload link never reads, and the file is not served without a get link.
    await request(app).get(`/uploads/notes.txt?expiry=${expiry}&method=put&signature=${signature}`).expect(403)
    await request(app).get('/uploads/notes.txt').expect(403)
  })

  it('hands out a link for one file: its type and exact size signed, refused for anything else', async () => {
    const { body } = await request(app).post('/upload-link').send({ type: 'image/png', size: 5 }).expect(200)
    expect(body.url).toMatch(
      /^\/uploads\/[0-9a-f]{16}\.png\?expiry=\d+&method=put&maxbytes=5&contenttype=image\/png&signature=[\w-]{43}$/,
    )
    await request(app).put(body.url).set('Content-Type', 'image/png').send(Buffer.alloc(6)).expect(413)
    await request(app).put(body.url).set('Content-Type', 'image/gif').send(Buffer.alloc(5)).expect(415)
    await request(app).get(body.url).expect(403)
    expect(readdirSync(folder)).toEqual([])
    const landed = await request(app).put(body.url).set('Content-Type', 'image/png').send(Buffer.alloc(5)).expect(201)
    expect(landed.body.url).toMatch(/method=get&signature=/)
    // A link is for one upload: the file it named now exists.
    await request(app).put(body.url).set('Content-Type', 'image/png').send(Buffer.alloc(5)).expect(409)
  })

  it.each([
    [{ type: 'text/html', size: 5 }, 415],
    [{ size: 5 }, 415],
    [{ type: 'image/png', size: 0 }, 413],
    [{ type: 'image/png', size: 10_000_001 }, 413],
    [{ type: 'image/png', size: 1.5 }, 413],
    [{ type: 'image/png', size: '5' }, 413],
    // Values JSON can send that are not strings, but read as one (or throw) when used as a key.
    [{ type: [['image/png']], size: 5 }, 415],
    [{ type: ['image/png'], size: 5 }, 415],
    [{ type: [{ toString: 1 }], size: 5 }, 415],
    [{ type: { toString: 'image/png' }, size: 5 }, 415],
    [{ type: '__proto__', size: 5 }, 415],
  ])('refuses to make a link for %j (%d)', async (ask, status) => {
    const reply = await request(app).post('/upload-link').send(ask).expect(status)
    expect(reply.body.error).toEqual(expect.any(String))
  })

  it('answers a body that does not parse, or is too large, with a plain 400 or 413: no stack', async () => {
    for (const [body, status] of [
      ['notjson', 400],
      ['null', 400],
      ['"x"', 400],
      [`{"type":"${'a'.repeat(2000)}"}`, 413],
    ] as const) {
      const reply = await request(app).post('/upload-link').set('Content-Type', 'application/json').send(body)
      expect([reply.status, reply.text]).toEqual([status, status === 400 ? 'Bad Request\n' : 'Payload Too Large\n'])
    }
  })

  it('serves uploads as files: nosniff, and a sandbox CSP', async () => {
    const { body } = await request(app).post('/upload-link').send({ type: 'text/plain', size: 13 }).expect(200)
    const landed = await request(app).put(body.url).set('Content-Type', 'text/plain').send('<b>hello</b>!').expect(201)
    const served = await request(app).get(landed.body.url).expect(200)
    expect(served.headers['x-content-type-options']).toBe('nosniff')
    expect(served.headers['content-security-policy']).toBe("sandbox; default-src 'none'")
  })

  it('reads only a JSON request for a link (a form on another site cannot send one unasked)', async () => {
    await request(app).post('/upload-link').type('form').send('type=image/png&size=5').expect(415)
  })

  it('serves the page, linked from the index', async () => {
    expect((await request(app).get('/upload').expect(200)).text).toContain('<progress id="progress"')
    expect((await request(app).get('/').expect(200)).text).toContain('<a href="/upload">')
  })
})

describe('the example limited downloads (examples/downloads.js)', () => {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const createApp: AppFactory = require('../../examples/app.js').createApp
  const report = readFileSync(path.join(EXAMPLES, 'private', 'report.pdf'))

  it('hands out a link that downloads the report three times, then 410', async () => {
    const app = createApp({ key: KEY, now })
    const { body } = await request(app).post('/download-link').expect(200)
    expect(body.url).toMatch(
      /^\/private\/report\.pdf\?expiry=\d+&method=get&uses=3&nonce=[\w-]{16}&signature=[\w-]{43}$/,
    )
    for (let i = 0; i < 3; i++) expect((await request(app).get(body.url).expect(200)).body).toEqual(report)
    await request(app).get(body.url).expect(410)
  })

  it('takes a link back: refused at once, other links still served', async () => {
    const app = createApp({ key: KEY, now })
    const { body } = await request(app).post('/download-link').expect(200)
    await request(app).get(body.url).expect(200)
    await request(app)
      .post('/revoke')
      .send({ url: `http://localhost:3000${body.url}` })
      .expect(204)
    await request(app).get(body.url).expect(403)
    const other = createSigner({ key: KEY, now }).sign('private/report.pdf', { ttl: 60 })
    await request(app).get(other).expect(200)
  })

  it('answers 503 when the store cannot take the link back', async () => {
    const down = { ...createMemoryStore(), revoke: () => Promise.reject(new Error('ECONNREFUSED')) }
    const app = createApp({ key: KEY, now, store: down } as Parameters<AppFactory>[0])
    const link = createSigner({ key: KEY, now }).sign('private/report.pdf')
    const reply = await request(app).post('/revoke').send({ url: link }).expect(503)
    expect(reply.body.error).toMatch(/cannot be reached/)
  })

  it('refuses to revoke what is not a link, and reads only JSON', async () => {
    const app = createApp({ key: KEY, now })
    await request(app).post('/revoke').send({ url: '/private/report.pdf' }).expect(400)
    await request(app).post('/revoke').send({ url: 5 }).expect(400)
    await request(app).post('/revoke').type('form').send('url=/x').expect(400)
  })

  it('serves the page, linked from every engine', async () => {
    expect(
      (
        await request(createApp({ key: KEY, now }))
          .get('/downloads')
          .expect(200)
      ).text,
    ).toContain('id="revoke"')
    const css = await request(createApp({ key: KEY, now }))
      .get('/example.css')
      .expect(200)
    expect(css.text).toContain('max-width')
    for (const [, create] of engines)
      expect(
        (
          await request(create({ key: KEY, now }))
            .get('/')
            .expect(200)
        ).text,
      ).toContain('href="/downloads"')
  })
})
