import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { KEY, now, send } from './helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require('../examples/app.js') as { createApp: (o: { key: string; now?: () => number }) => Parameters<typeof send>[0] }
const EXAMPLES = path.join(__dirname, '..', 'examples')

describe('the example app', () => {
  const app = createApp({ key: KEY, now })

  async function links(): Promise<Record<string, string>> {
    const html = (await send(app, '/')).body.toString()
    const attr = (re: RegExp) => re.exec(html)?.[1].replace(/&amp;/g, '&') ?? ''
    return {
      image: attr(/<img src="([^"]+)"/),
      download: attr(/<a href="([^"]+)" download>/),
      expired: attr(/<li><a href="([^"]+)">The same image through a link that expired/),
      edited: attr(/<li><a href="([^"]+)">The same image with its expiry edited/),
    }
  }

  it('renders the page with signed links from res.locals.signUrl', async () => {
    const res = await send(app, '/')
    expect(res.status).toBe(200)
    const found = await links()
    expect(found.image).toMatch(/^\/private\/image\.png\?expiry=\d+&method=get&signature=[\w-]{43}$/)
    expect(found.download).toMatch(/^\/private\/report\.pdf\?expiry=\d+&method=get&signature=[\w-]{43}$/)
  })

  it('serves the image and the download through their links', async () => {
    const found = await links()
    const image = await send(app, found.image)
    expect([image.status, image.headers['content-type']]).toEqual([200, 'image/png'])
    expect(image.body).toEqual(readFileSync(path.join(EXAMPLES, 'private', 'image.png')))
    const pdf = await send(app, found.download)
    expect([pdf.status, pdf.headers['content-type']]).toEqual([200, 'application/pdf'])
  })

  it('refuses the expired, the edited and the unsigned links with 403', async () => {
    const found = await links()
    for (const target of [found.expired, found.edited, '/private/image.png']) {
      expect(target).toMatch(/^\/private\/image\.png/)
      const res = await send(app, target)
      expect(res.status).toBe(403)
      expect(res.body.toString()).toBe('Forbidden\n')
    }
  })

  it('starts with a generated key and a warning when SIGNING_KEY is unset, and honours PORT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.SIGNING_KEY
    const child = spawn(process.execPath, [path.join(EXAMPLES, 'app.js')], { env, cwd: path.join(__dirname, '..') })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { stdout += d; if (stdout.includes('http://localhost:')) resolve() })
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
      expect(stderr).toMatch(/SIGNING_KEY is not set: using a random development key/)
      expect(stdout).toMatch(/example on http:\/\/localhost:\d+/)
    } finally {
      child.kill()
    }
  })

  it('refuses to start with a short SIGNING_KEY, without printing it', async () => {
    const child = spawn(process.execPath, [path.join(EXAMPLES, 'app.js')], { env: { ...process.env, PORT: '0', SIGNING_KEY: 'tooshortsecret' }, cwd: path.join(__dirname, '..') })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toMatch(/Cannot start: createSigner: "key" must be at least 32 bytes, got 14/)
    expect(stderr).not.toContain('tooshortsecret')
  })
})
