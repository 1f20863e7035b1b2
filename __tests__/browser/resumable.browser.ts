// Uppy (Dashboard + Tus) in headless Chromium, on a page served from one origin, uploading through a signed put link
// to a files host on another (support/tus-app.js: signedUpload with `resumable` and `cors`). The network is cut
// while a chunk is on its way and restored: Uppy resumes from the server's offset (HEAD, then PATCH), with no second
// creation, and what lands is the file byte for byte. A page on an origin not listed cannot even start.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { createSigner } from 'express-signed-url'
import { launchChromium } from '../support/chromium'
import { startScript } from '../support/script-process'
import { NOW_MS } from '../support/helpers'

const KEY = 'uppy-browser-key-0123456789-0123456789-0123456789'
const signer = createSigner({ key: KEY, now: () => NOW_MS })
const PAGE = path.join(__dirname, '..', 'fixtures', 'uppy')
const UPPY = path.join(path.dirname(require.resolve('uppy/package.json')), 'dist')
const TYPES: Record<string, string> = { '.html': 'text/html', '.mjs': 'text/javascript', '.css': 'text/css' }

let browser: Browser
let dir: string
let pages: Server
let pageOrigin: string
let files: ChildProcess
let filesOrigin: string

/** The page and Uppy's prebuilt bundle, from the page's origin (127.0.0.1). */
function servePage(): Promise<Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    // The app's route that signs a put link for a file on the files host, as the uploads guide's Uppy example asks it.
    if (url.pathname === '/api/upload-link') {
      const link = signer.sign(`files/in/${url.searchParams.get('name')}`, { method: 'put' })
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ url: `${url.searchParams.get('files')}${link}` }))
      return
    }
    const file = url.pathname.startsWith('/uppy/')
      ? path.join(UPPY, path.basename(url.pathname))
      : path.join(PAGE, 'index.html')
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream')
    res.end(readFileSync(file))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** The files host on `localhost` (another origin than 127.0.0.1), listing the page's origin for CORS. */
function startFiles(origins: string): Promise<{ child: ChildProcess; port: number }> {
  const env = {
    ...process.env,
    ROOT: path.join(dir, 'files'),
    PARTIAL: path.join(dir, 'partial'),
    KEY,
    NOW_MS: String(NOW_MS),
    CORS: origins,
  }
  return startScript(path.join(__dirname, '..', 'support', 'tus-app.js'), env, /port (\d+)/).then(
    ({ child, match }) => ({ child, port: Number(match[1]) }),
  )
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uppy-browser-'))
  pages = await servePage()
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
  const started = await startFiles(pageOrigin)
  files = started.child
  filesOrigin = `http://localhost:${started.port}`
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  files?.kill('SIGKILL')
  await new Promise((resolve) => pages.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

/** The page's recorded Uppy events, once `complete` is among them. */
async function completed(page: Page): Promise<unknown[][]> {
  await page.waitForFunction(
    () => (window as unknown as { uploadEvents: unknown[][] }).uploadEvents.some((e) => e[0] === 'complete'),
    null,
    {
      timeout: 90_000,
    },
  )
  return page.evaluate(() => (window as unknown as { uploadEvents: unknown[][] }).uploadEvents)
}

describe('Uppy from another origin, through a resumable upload link', () => {
  it('survives the network cut mid-upload: resumes from the offset and lands the file whole', async () => {
    const bytes = randomBytes(8 * 1024 * 1024 + 123)
    const source = path.join(dir, 'clip.bin')
    writeFileSync(source, bytes)
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      // 4 MB/s up: the 8 MB take about two seconds, so the cut comes while chunks are still to send.
      const throttled = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4_000_000 }
      await cdp.send('Network.emulateNetworkConditions', throttled)
      const seen: string[] = []
      page.on('request', (r) => {
        if (r.url().startsWith(filesOrigin)) seen.push(r.method())
      })
      // Cut after the first chunk is in; back on as soon as a request has failed for it.
      const firstChunk = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 204)
      const failed = page.waitForEvent('requestfailed', (r) => r.url().startsWith(filesOrigin))
      await page.goto(`${pageOrigin}/?files=${encodeURIComponent(filesOrigin)}`)
      await page.setInputFiles('.uppy-Dashboard-input >> nth=0', source)
      await firstChunk
      await cdp.send('Network.emulateNetworkConditions', { ...throttled, offline: true })
      await failed
      await cdp.send('Network.emulateNetworkConditions', throttled)
      const events = await completed(page)
      expect(events.find((e) => e[0] === 'complete')).toEqual(['complete', 1, 0])
      const landed = readFileSync(path.join(dir, 'files', 'in', 'clip.bin'))
      expect(landed.equals(bytes)).toBe(true)
      // One creation; the resume asked the offset (HEAD) and went on from it.
      expect(seen.filter((m) => m === 'POST')).toHaveLength(1)
      expect(seen).toContain('HEAD')
      const success = events.find((e) => e[0] === 'success')
      expect(String(success?.[1])).toMatch(/\/files\/in\/clip\.bin\?expiry=\d+&method=put&upload=[\w-]{22}&signature=/)
    } finally {
      await context.close()
    }
  }, 120_000)

  it.each([
    ['xhr', '@uppy/xhr-upload: its uploadURL is the signed get link the answer carries'],
    ['s3', '@uppy/aws-s3 (signRequest, one PUT): lands; its uploadURL is the link without its query'],
  ])(
    'takes one PUT from %s, across origins: %s',
    async (plugin) => {
      const bytes = randomBytes(300_000)
      const name = `single-${plugin}.bin`
      const source = path.join(dir, name)
      writeFileSync(source, bytes)
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        await page.goto(`${pageOrigin}/?plugin=${plugin}&files=${encodeURIComponent(filesOrigin)}`)
        await page.setInputFiles('.uppy-Dashboard-input >> nth=0', source)
        const events = await completed(page)
        expect(events.find((e) => e[0] === 'complete')).toEqual(['complete', 1, 0])
        const success = String(events.find((e) => e[0] === 'success')?.[1])
        // aws-s3 names the object `<random id>-<file name>`, and signRequest got a link for that key.
        const landed = readdirSync(path.join(dir, 'files', 'in')).find((file) => file.endsWith(name))
        expect(landed).toBeDefined()
        expect(readFileSync(path.join(dir, 'files', 'in', landed!)).equals(bytes)).toBe(true)
        if (plugin === 'xhr') {
          expect(success).toMatch(new RegExp(`^${filesOrigin}/files/in/${name}\\?expiry=\\d+&method=get&signature=`))
          const read = await page.evaluate(async (url) => (await fetch(url)).status, success)
          expect(read).toBe(200)
        } else expect(success).toBe(`${filesOrigin}/files/in/${landed}`)
      } finally {
        await context.close()
      }
    },
    120_000,
  )

  it('does not start from an origin the files host does not list: the preflight is refused', async () => {
    const other = await startFiles('https://elsewhere.example')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const files = encodeURIComponent(`http://localhost:${other.port}`)
      await page.goto(`${pageOrigin}/?retries=0&files=${files}`)
      const source = path.join(dir, 'refused.bin')
      writeFileSync(source, randomBytes(1000))
      await page.setInputFiles('.uppy-Dashboard-input >> nth=0', source)
      await page.waitForFunction(
        () => (window as unknown as { uploadEvents: unknown[][] }).uploadEvents.some((e) => e[0] === 'error'),
        null,
        { timeout: 90_000 },
      )
      expect(() => readFileSync(path.join(dir, 'files', 'in', 'refused.bin'))).toThrow()
    } finally {
      await context.close()
      other.child.kill('SIGKILL')
    }
  }, 120_000)
})
