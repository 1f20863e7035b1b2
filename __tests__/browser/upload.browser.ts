// The example's upload page in headless Chromium, with a real file: the page asks for an upload link, PUTs the file
// with a progress bar (the upload throttled, so the bar has steps to show), and shows it through the signed get link
// the answer carries. What landed on disk is compared byte for byte; nothing else is left in the folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/chromium'
import { KEY, NOW_MS } from '../support/helpers'

const EXAMPLES = path.join(__dirname, '..', '..', 'examples')
/* eslint-disable @typescript-eslint/no-require-imports */
const { createApp } = require('../../examples/app.js') as {
  createApp(o: { key: string; now: () => number; uploads: string }): http.RequestListener
}
/* eslint-enable @typescript-eslint/no-require-imports */

let browser: Browser
let folder: string
let server: Server
let base: string
const requests: string[] = []
beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'upload-browser-'))
  const app = createApp({ key: KEY, now: () => NOW_MS + 1000, uploads: path.join(folder, 'uploads') })
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]}`)
    app(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server.close(resolve))
  rmSync(folder, { recursive: true, force: true })
})

describe('the upload page in Chromium', () => {
  it('uploads a real file with a progress bar, then shows it through its signed link', async () => {
    // A real PNG (the example's image) with 2 MB after its end, which every decoder ignores: big enough to show steps.
    const file = path.join(folder, 'photo.png')
    const bytes = Buffer.concat([readFileSync(path.join(EXAMPLES, 'private', 'image.png')), Buffer.alloc(2_000_000, 7)])
    writeFileSync(file, bytes)
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      // 32 Mbit/s up: the 2 MB upload takes about half a second, so Chromium reports its progress several times.
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 4_000_000,
      })
      await page.goto(`${base}/upload`)
      // Every value the bar takes, in order (its value attribute reflects the property the page sets).
      await page.evaluate(() => {
        const bar = document.getElementById('progress') as HTMLProgressElement
        const seen: number[] = []
        Object.assign(window, { progressSeen: seen })
        new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] })
      })
      await page.setInputFiles('#file', file)
      await page.click('#send')
      await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Uploaded'), null, {
        timeout: 30_000,
      })
      await page.waitForFunction(() => (document.getElementById('preview') as HTMLImageElement).complete)
      expect(await page.$eval('#preview', (img) => (img as HTMLImageElement).naturalWidth)).toBe(160)

      const seen = (await page.evaluate(
        () => (window as unknown as { progressSeen: number[] }).progressSeen,
      )) as number[]
      expect(seen.at(-1)).toBe(1)
      expect(seen.some((v) => v > 0 && v < 1)).toBe(true)
      expect(seen).toEqual([...seen].sort((a, b) => a - b))

      const status = await page.textContent('#status')
      const [, stored] = /as uploads\/([0-9a-f]{16}\.png) /.exec(status!)!
      expect(status).toContain(`Uploaded ${bytes.length} bytes`)
      expect(readdirSync(path.join(folder, 'uploads'))).toEqual([stored])
      // Compared with Buffer.equals: jest's deep equality takes seconds over 2 MB.
      expect(readFileSync(path.join(folder, 'uploads', stored)).equals(bytes)).toBe(true)
      // The link the page shows is the get link of the answer, and it serves the file.
      const href = await page.getAttribute('#link', 'href')
      expect(href).toMatch(new RegExp(`^/uploads/${stored.replace('.', '\\.')}\\?expiry=\\d+&method=get&signature=`))
      expect(requests).toEqual(
        expect.arrayContaining([
          'GET /upload',
          'POST /upload-link',
          `PUT /uploads/${stored}`,
          `GET /uploads/${stored}`,
        ]),
      )
    } finally {
      await context.close()
    }
  }, 60_000)

  it('shows no image box before an upload, none left under a later text upload, and wraps a long digest', async () => {
    const text = path.join(folder, 'note.txt')
    writeFileSync(text, 'a note\n')
    // A phone's width: the status's SHA-256 is one long word.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
    try {
      const page = await context.newPage()
      const preview = async () =>
        page.$eval('#preview', (img) => ({
          shown: (img as HTMLImageElement).getBoundingClientRect().height > 0,
          src: img.getAttribute('src'),
        }))
      await page.goto(`${base}/upload`)
      expect(await preview()).toEqual({ shown: false, src: null })

      await page.setInputFiles('#file', path.join(EXAMPLES, 'private', 'image.png'))
      await page.click('#send')
      await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Uploaded'))
      await page.waitForFunction(() => (document.getElementById('preview') as HTMLImageElement).complete)
      expect(await preview()).toEqual({ shown: true, src: expect.stringMatching(/^\/uploads\/[0-9a-f]{16}\.png\?/) })

      await page.setInputFiles('#file', text)
      await page.click('#send')
      await page.waitForFunction(() => /\.txt /.test(document.getElementById('status')!.textContent!))
      expect(await preview()).toEqual({ shown: false, src: null })
      expect(await page.getAttribute('#link', 'href')).toMatch(/^\/uploads\/[0-9a-f]{16}\.txt\?/)
      // Nothing runs out of the column: the page is no wider than the window.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    } finally {
      await context.close()
    }
  }, 60_000)

  it('says why when the server refuses the file (a type the page may not upload)', async () => {
    const file = path.join(folder, 'page.html')
    writeFileSync(file, '<p>not allowed</p>')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${base}/upload`)
      await page.setInputFiles('#file', file)
      await page.click('#send')
      await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Not uploaded'))
      expect(await page.textContent('#status')).toBe('Not uploaded: Cannot upload text/html files')
      expect(await page.isHidden('#result')).toBe(true)
    } finally {
      await context.close()
    }
  }, 60_000)
})
