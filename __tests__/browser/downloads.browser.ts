// The example's limited downloads page in headless Chromium, at a phone's width: a link that works three times
// says how many downloads it has left, saves the report three times, and explains in the page (not as a failed
// browser download) the fourth try's 410 and, for a link taken back, the 403.
import { readFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Browser, Download, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium'
import { KEY, NOW_MS } from '../support/helpers'

const REPORT = readFileSync(path.join(__dirname, '..', '..', 'examples', 'private', 'report.pdf'))
/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const { createApp } = require('../../examples/app.js') as {
  createApp(o: { key: string; now: () => number }): http.RequestListener
}

let browser: Browser
let server: Server
let base: string
// What the server answered to each request for the report: `GET 200`, `GET 410`...
const answers: string[] = []
beforeAll(async () => {
  const app = createApp({ key: KEY, now: () => NOW_MS })
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/private/report.pdf?'))
      res.on('finish', () => answers.push(`${req.method} ${res.statusCode}`))
    app(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server.close(resolve))
})

/** Clicks a button and waits for the status line the page writes for it (cleared first: two may read the same). */
async function press(page: Page, button: string): Promise<string> {
  await page.$eval('#status', (status) => (status.textContent = ''))
  await page.click(button)
  await page.waitForFunction(() => !['', 'Downloading…'].includes(document.getElementById('status')!.textContent!))
  return (await page.textContent('#status'))!
}

describe('the limited downloads page in Chromium', () => {
  it('counts the downloads left, saves three, and explains the 410 and the 403 in the page', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 360, height: 740 } })
    try {
      const page = await context.newPage()
      const saved: Download[] = []
      page.on('download', (download) => saved.push(download))
      await page.goto(`${base}/downloads`)
      expect(await page.isHidden('#link')).toBe(true)

      await page.click('#make')
      await page.waitForSelector('#link:not([hidden])')
      const link = (await page.textContent('#url'))!
      expect(link).toMatch(/^\/private\/report\.pdf\?expiry=\d+&method=get&uses=3&nonce=[\w-]{16}&signature=/)
      expect(await page.textContent('#left')).toBe('3 of 3 downloads left.')
      // The link is one long word: it wraps in the column rather than widen the page.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)

      for (const left of [2, 1, 0]) {
        expect(await press(page, '#download')).toBe(`Downloaded the report (${REPORT.length} bytes).`)
        expect(await page.textContent('#left')).toBe(
          left === 0 ? 'No downloads left of 3.' : `${left} of 3 downloads left.`,
        )
      }
      expect(saved.map((download) => download.suggestedFilename())).toEqual(['report.pdf', 'report.pdf', 'report.pdf'])
      expect(readFileSync((await saved[2].path())!).equals(REPORT)).toBe(true)

      expect(await press(page, '#download')).toBe(
        'Used up (410 Gone): the link has served its 3 downloads. Make a new one.',
      )
      expect(saved).toHaveLength(3)

      await page.click('#make')
      await page.waitForFunction(() => document.getElementById('left')!.textContent === '3 of 3 downloads left.')
      expect(await press(page, '#revoke')).toBe(
        'Taken back: from now on the link is refused (403), wherever it is opened.',
      )
      expect(await page.textContent('#left')).toBe('Taken back: no downloads left.')
      expect(await press(page, '#download')).toBe(
        'Taken back (403 Forbidden): the link was revoked, and is refused wherever it is opened. Make a new one.',
      )
      expect(saved).toHaveLength(3)
      expect(answers).toEqual(['GET 200', 'GET 200', 'GET 200', 'GET 410', 'GET 403'])
    } finally {
      await context.close()
    }
  }, 60_000)
})
