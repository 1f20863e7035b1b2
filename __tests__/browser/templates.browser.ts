// End to end in headless Chromium (Debian's, driven by playwright-core): for each template example, the page's
// image renders, the download link downloads the right bytes under its name, and the expired and edited links
// show the refusal page. Run by `npm run test:browser` (which .ci/run calls after `npm test`).
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { CHROMIUM, launchChromium } from '../support/chromium'
import { KEY, now } from '../support/helpers'

const SCREENSHOTS = path.join(os.tmpdir(), 'express-signed-url-screenshots')
const EXAMPLES = path.join(__dirname, '..', '..', 'examples')

type Listener = { listen(port: number, host: string, cb: () => void): Server }
/* eslint-disable @typescript-eslint/no-require-imports */
const engines: Array<[string, string, (o: { key: string; now?: () => number }) => Listener]> = [
  ['EJS', 'ejs', require('../../examples/app.js').createApp],
  ['Pug', 'pug', require('../../examples/pug.js').createApp],
  ['Handlebars', 'handlebars', require('../../examples/handlebars.js').createApp],
  ['Nunjucks', 'nunjucks', require('../../examples/nunjucks.js').createApp],
]
/* eslint-enable @typescript-eslint/no-require-imports */

let browser: Browser
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`)
  mkdirSync(SCREENSHOTS, { recursive: true })
  console.log(`screenshots: ${SCREENSHOTS}`)
  browser = await launchChromium()
}, 60_000)
afterAll(() => browser?.close())

describe.each(engines)('the %s example in Chromium', (_name, file, createApp) => {
  let server: Server
  let base: string
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = createApp({ key: KEY, now }).listen(0, '127.0.0.1', resolve)
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it('renders the image, downloads the file, and shows the refusal for the expired and edited links', async () => {
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    const statuses = new Map<string, number>()
    page.on('response', (res) => statuses.set(new URL(res.url()).pathname, res.status()))
    try {
      await page.goto(`${base}/`)
      await page.waitForFunction(() => (document.getElementById('image') as HTMLImageElement).complete)
      expect(await page.$eval('#image', (img) => (img as HTMLImageElement).naturalWidth)).toBe(160)
      expect(statuses.get('/private/image.png')).toBe(200)
      await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`), fullPage: true })

      // No `download` attribute in the views: only the server's Content-Disposition makes this a download.
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 10_000 }),
        page.click('#download'),
      ])
      expect(download.suggestedFilename()).toBe('report.pdf')
      expect(readFileSync((await download.path())!)).toEqual(readFileSync(path.join(EXAMPLES, 'private', 'report.pdf')))

      for (const id of ['#expired', '#edited', '#unsigned']) {
        const href = await page.$eval(id, (a) => (a as HTMLAnchorElement).href)
        const res = await page.goto(href)
        expect([id, res?.status(), (await page.textContent('body'))?.trim()]).toEqual([id, 403, 'Forbidden'])
        await page.goBack()
      }
    } finally {
      await context.close()
    }
  }, 60_000)
})
