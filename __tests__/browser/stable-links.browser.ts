// Stable links and download names in headless Chromium, on the EJS example: a page rendered twice within the
// stableFor window prints identical image links and the second view fetches no image from the server; after the
// window the links are new and load; a link with a signed filename downloads under that name. The server counts
// the requests it gets; the app's clock is injected, Chromium's cache runs on its own.
import { readFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium'
import { KEY, NOW_MS } from '../support/helpers'

const EXAMPLES = path.join(__dirname, '..', '..', 'examples')
/* eslint-disable @typescript-eslint/no-require-imports */
const { createApp } = require('../../examples/app.js') as {
  createApp(o: { key: string; now: () => number; stableFor?: number | string }): http.RequestListener
}
/* eslint-enable @typescript-eslint/no-require-imports */

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
}, 60_000)
afterAll(() => browser?.close())

/** The example on a loopback port with a clock the test moves, counting the image requests that reach it. */
async function serve(stableFor: number | string) {
  const clock = { ms: NOW_MS + 1000 }
  const app = createApp({ key: KEY, now: () => clock.ms, stableFor })
  const imageRequests: string[] = []
  const server: Server = http.createServer((req, res) => {
    if (req.url?.startsWith('/private/image.png')) imageRequests.push(req.url)
    app(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { clock, imageRequests, base, close: () => new Promise((resolve) => server.close(resolve)) }
}

/** Opens a page of the example (each visit its own URL, as a reader following links would) and waits for the image. */
async function view(page: Page, url: string): Promise<string> {
  await page.goto(url)
  await page.waitForFunction(() => (document.getElementById('image') as HTMLImageElement).complete)
  expect(await page.$eval('#image', (img) => (img as HTMLImageElement).naturalWidth)).toBe(160)
  return page.$eval('#image', (img) => (img as HTMLImageElement).src)
}

describe('stable links in Chromium', () => {
  it('prints the same image link within the window, and the second view fetches no image bytes', async () => {
    const site = await serve('5m')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const first = await view(page, `${site.base}/`)
      expect(site.imageRequests).toHaveLength(1)
      site.clock.ms += 200_000 // still in the same five-minute window
      expect(await view(page, `${site.base}/?visit=2`)).toBe(first)
      expect(site.imageRequests).toHaveLength(1)
      // After the window: new links, which load (one more request).
      site.clock.ms += 300_000
      const later = await view(page, `${site.base}/?visit=3`)
      expect(later).not.toBe(first)
      expect(site.imageRequests).toHaveLength(2)
    } finally {
      await context.close()
      await site.close()
    }
  }, 60_000)

  it('without stableFor, every view makes a new link and fetches the image again', async () => {
    const site = await serve(0)
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const first = await view(page, `${site.base}/`)
      site.clock.ms += 1000
      expect(await view(page, `${site.base}/?visit=2`)).not.toBe(first)
      expect(site.imageRequests).toHaveLength(2)
    } finally {
      await context.close()
      await site.close()
    }
  }, 60_000)

  it('downloads a link with a signed filename under that name', async () => {
    const site = await serve('5m')
    const context = await browser.newContext({ acceptDownloads: true })
    try {
      const page = await context.newPage()
      await view(page, `${site.base}/`)
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#named')])
      expect(download.suggestedFilename()).toBe('Quarterly report 2026.pdf')
      expect(readFileSync((await download.path())!)).toEqual(readFileSync(path.join(EXAMPLES, 'private', 'report.pdf')))
    } finally {
      await context.close()
      await site.close()
    }
  }, 60_000)
})
