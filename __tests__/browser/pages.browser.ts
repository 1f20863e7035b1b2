// Every page of the example as `npm start` runs it (examples/app.js, a process of its own: the Uppy page needs
// @tus/server, which jest's module runtime cannot load), in headless Chromium: each has an icon, and none logs a
// missing resource. The refusal pages (a link expired, edited, unsigned) log their own 403, and nothing else.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { budget } from '../support/budget'
import { launchChromium } from '../support/chromium'

const EXAMPLES = path.join(__dirname, '..', '..', 'examples')

let browser: Browser
let child: ChildProcess
let base: string
beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1' }
  env.SIGNING_KEY = randomBytes(32).toString('base64url')
  delete env.SIGNING_KEYS
  delete env.REDIS_URL
  child = spawn(process.execPath, [path.join(EXAMPLES, 'app.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  base = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (url) resolve(url[1])
    })
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}`)))
  })
  browser = await launchChromium()
}, budget(2))
afterAll(async () => {
  await browser?.close()
  child?.kill()
})

describe("the example's pages in Chromium", () => {
  it('each links an icon that is served, and none logs a missing resource', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const logged: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') logged.push(`${new URL(page.url()).pathname}: ${message.text()}`)
      })
      // The refusal pages come from the index's links; the image's own link shows the image by itself.
      await page.goto(`${base}/`)
      const links = await page.$$eval('#image, #expired, #edited, #unsigned', (elements) =>
        elements.map((e) => e.getAttribute(e.id === 'image' ? 'src' : 'href')!),
      )
      expect(links).toHaveLength(4)
      const pages = ['/', '/upload', '/downloads', '/upload/resumable', ...links]
      for (const target of pages) {
        const answer = await page.goto(`${base}${target}`)
        expect([target, answer!.status()]).toEqual([target, links.slice(1).includes(target) ? 403 : 200])
        if (answer!.headers()['content-type']?.startsWith('text/html'))
          expect([target, await page.getAttribute('link[rel="icon"]', 'href')]).toEqual([target, '/favicon.svg'])
        // Give the browser the time to ask for the icon (it does so after the page has loaded).
        await page.waitForLoadState('networkidle')
      }
      expect(logged.filter((line) => !/: Failed to load resource: [^\n]* 403 \(Forbidden\)$/.test(line))).toEqual([])
      expect(logged).toHaveLength(3)

      const icon = await page.evaluate(async () => {
        const [svg, ico] = await Promise.all([fetch('/favicon.svg'), fetch('/favicon.ico')])
        return [svg.status, svg.headers.get('content-type'), ico.status, ico.url.replace(location.origin, '')]
      })
      expect(icon).toEqual([200, 'image/svg+xml', 200, '/favicon.svg'])
    } finally {
      await context.close()
    }
  }, 60_000)
})
