// The HLS example in headless Chromium: one grant cookie from the page unlocks the playlist and every segment
// (the network log must show each served with 200 and the video must play); the same URLs in a fresh browser
// context, without the cookie, get 403.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/chromium'
import { KEY, now } from '../support/helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require('../../examples/hls/app.js') as {
  createApp: (o: { key: string; now?: () => number }) => { listen(p: number, h: string, cb: () => void): Server }
}

let browser: Browser
let server: Server
let base: string
beforeAll(async () => {
  browser = await launchChromium({ media: true })
  await new Promise<void>((resolve) => {
    server = createApp({ key: KEY, now }).listen(0, '127.0.0.1', resolve)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server.close(resolve))
})

it('plays the video through a single grant, and refuses its segments to a browser without it', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const media = new Map<string, number>()
  const logged: string[] = []
  page.on('console', (message) => message.type() === 'error' && logged.push(message.text()))
  page.on('response', (res) => {
    const { pathname } = new URL(res.url())
    if (pathname.startsWith('/private/')) media.set(pathname, res.status())
  })
  await page.goto(`${base}/`)
  await page.waitForFunction(
    () => document.body.dataset.playing === 'yes' || document.title.startsWith('error'),
    undefined,
    { timeout: 30_000 },
  )
  expect(await page.title()).not.toMatch(/^error/)
  await page.waitForFunction(
    () => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5,
    undefined,
    { timeout: 30_000 },
  )
  console.log(`HLS requests seen by Chromium: ${JSON.stringify(Object.fromEntries(media))}`)
  expect(media.get('/private/videos/demo/index.m3u8')).toBe(200)
  const segments = [...media.keys()].filter((p) => p.endsWith('.ts'))
  expect(segments.length).toBeGreaterThanOrEqual(1)
  for (const segment of segments) expect([segment, media.get(segment)]).toEqual([segment, 200])
  expect(logged).toEqual([]) // nothing missing: not even the icon
  await context.close()

  const fresh = await browser.newContext()
  try {
    for (const url of ['/private/videos/demo/index.m3u8', '/private/videos/demo/seg-0.ts', ...segments]) {
      const res = await fresh.request.get(`${base}${url}`)
      expect([url, res.status()]).toEqual([url, 403])
    }
  } finally {
    await fresh.close()
  }
}, 90_000)
