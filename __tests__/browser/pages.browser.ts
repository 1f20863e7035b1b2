// Every page of the example as `npm start` runs it (examples/app.js, a process of its own: the Uppy page needs
// @tus/server, which jest's module runtime cannot load), in headless Chromium: each has an icon, and none logs a
// missing resource. The refusal pages (a link expired, edited, unsigned) log their own 403, and nothing else.
import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { budget } from '../support/budget'
import { launchChromium } from '../support/chromium'
import { EXAMPLES, exampleEnv, startScript } from '../support/script-process'

let browser: Browser
let child: ChildProcess
let base: string
beforeAll(async () => {
  const started = await startScript(
    path.join(EXAMPLES, 'app.js'),
    exampleEnv({ HOST: '127.0.0.1' }),
    /on (http:\/\/127\.0\.0\.1:\d+)/,
  )
  child = started.child
  base = started.match[1]
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
