// A <video> in headless Chromium playing an MP4 through a one-use link, on the memory store and on a real Redis
// (redis-server on a free loopback port, stopped by its PID). Chromium fetches a video in several Range requests,
// cut off and reopened as it buffers and seeks: played, then seeked to 5 s, and seeked to 5 s before playing, the
// video must play to its end (no 'error', no request refused), and the link must be used up after (410). The same
// cases on a plain link (no `uses`) check the harness itself. Each case prints the requests the server saw (Range,
// status, bytes out) and the player's events. The video (H.264, 1280x720, 20 s, about 20 MB) is made by ffmpeg at
// test time. Run by `npm run test:browser` (only this file: `npm run test:browser -- --testPathPatterns video`).
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium'
import { createSigner, respondRefused, signedStatic } from 'express-signed-url'
import { KEY } from '../support/helpers'
import { startLimitedApp, storeVariants, type LimitedApp, countedGet } from '../support/limited-stores'

const FFMPEG = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg'
const NAME = 'clip.mp4'
/** The video's length (s), and where the cases seek to. */
const DURATION = 20
const SEEK_TO = 5
/** A player whose currentTime has not moved for this long (after its last step) is stuck: the case has failed. */
const STALL_MS = 10_000

// Real time; a fresh link per case (a one-use link carries a random nonce, so two made alike are two links).
const signer = createSigner({ key: KEY })

let browser: Browser
let dir: string
let root: string
let size: number
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-video-'))
  root = path.join(dir, 'files')
  mkdirSync(root)
  // 1 s between keyframes, as streamed video has: a seek lands on its own keyframe, further into the file.
  await ffmpeg(
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
      ...['-i', `testsrc2=size=1280x720:rate=30`, '-t', String(DURATION)],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-b:v', '8M', '-g', '30', '-movflags', '+faststart'],
      path.join(root, NAME),
    ],
    120_000,
  )
  size = statSync(path.join(root, NAME)).size
  console.log(`the video: ${size} bytes (${(size / 2 ** 20).toFixed(2)} MiB)`)
  expect(size).toBeGreaterThan(15e6)
  expect(size).toBeLessThan(25e6)
  browser = await launchChromium({ media: true })
}, 180_000)
afterAll(async () => {
  await browser?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Runs ffmpeg; SIGKILLed after `ms`. Rejects unless it exits 0. */
function ffmpeg(args: string[], ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let errors = ''
    child.stderr.on('data', (d: Buffer) => (errors = (errors + String(d)).slice(-2000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`ffmpeg exited (${code ?? signal}${signal ? `, after ${ms} ms` : ''}): ${errors}`))
    })
  })
}

/** What the page records of its <video>: every event with the time it came at, and when playback last moved. */
interface Probe {
  events: string[]
  error: string | null
  ended: boolean
  movedAt: number
  last: number
}
type Probed = { probe: Probe }

const html = (src: string) => `<!doctype html>
<video id="video" muted playsinline preload="metadata" src="${src}"></video>
<script>
  const video = document.getElementById('video')
  const probe = (window.probe = { events: [], error: null, ended: false, movedAt: performance.now(), last: 0 })
  const names = ['loadedmetadata', 'loadeddata', 'canplay', 'play', 'playing', 'waiting', 'stalled', 'seeking', 'seeked',
    'pause', 'ended', 'error', 'abort', 'emptied']
  for (const name of names)
    video.addEventListener(name, () => {
      probe.events.push(name + '@' + video.currentTime.toFixed(2))
      if (name === 'error') probe.error = (video.error && video.error.code + ' ' + video.error.message) || 'unknown'
      if (name === 'ended') probe.ended = true
      if (name === 'loadedmetadata' || name === 'seeked') probe.movedAt = performance.now()
    })
  video.addEventListener('timeupdate', () => {
    if (video.currentTime === probe.last) return
    probe.last = video.currentTime
    probe.movedAt = performance.now()
  })
</script>`

/**
 * Waits (bounded by `ms`) until `goal` (an expression over `video` and `window.probe`) holds, the video fails, or it
 * is stuck (STALL_MS without its currentTime moving). Resolves with nothing if the goal was reached, else with why
 * not and where the player stands.
 */
async function until(tab: Page, what: string, goal: string, ms: number): Promise<string | undefined> {
  const check = `(() => {
    const video = document.getElementById('video')
    return (${goal}) || window.probe.error !== null || performance.now() - window.probe.movedAt > ${STALL_MS}
  })()`
  await tab.waitForFunction(check, undefined, { timeout: ms, polling: 50 }).catch(() => undefined)
  const state = (await tab.evaluate(`(() => {
    const video = document.getElementById('video')
    return {
      reached: !!(${goal}),
      time: video.currentTime,
      readyState: video.readyState,
      networkState: video.networkState,
      error: window.probe.error,
      stuck: performance.now() - window.probe.movedAt > ${STALL_MS},
    }
  })()`)) as {
    reached: boolean
    time: number
    readyState: number
    networkState: number
    error: string | null
    stuck: boolean
  }
  if (state.reached) return undefined
  const why =
    state.error !== null ? `error ${state.error}` : state.stuck ? `stuck for ${STALL_MS} ms` : `not within ${ms} ms`
  return `never ${what}: ${why}, at ${state.time.toFixed(2)} s (readyState ${state.readyState}, networkState ${state.networkState})`
}

const variants = storeVariants

/** One thing the viewer does; resolves with why it failed, or nothing. */
type Step = (tab: Page, app: LimitedApp) => Promise<string | undefined>

const metadata: Step = (tab) => until(tab, 'loaded its metadata', 'video.readyState >= 1', 20_000)
// With its metadata, a preload=metadata player stops fetching (it cuts its first response off): the page then sits
// as one whose viewer has not pressed play yet. Bounded; a player still fetching after 5 s goes on (and says so).
const idle: Step = async (tab, app) => {
  const note = await app.settled(5000).then(
    () => '(no request open)',
    () => '(a request still open after 5 s)',
  )
  await tab.evaluate((text) => (window as unknown as Probed).probe.events.push(text), note)
  return undefined
}
const play: Step = async (tab) => {
  await tab.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement
    const { probe } = window as unknown as Probed
    probe.movedAt = performance.now()
    video.play().catch((e: Error) => probe.events.push(`play() rejected: ${e.name}`))
  })
  return until(tab, 'played a moment', 'video.currentTime > 0.5', 20_000)
}
const seek: Step = async (tab) => {
  await tab.evaluate((to) => {
    const video = document.getElementById('video') as HTMLVideoElement
    ;(window as unknown as Probed).probe.movedAt = performance.now()
    video.currentTime = to
  }, SEEK_TO)
  return until(tab, `seeked to ${SEEK_TO} s`, `!video.seeking && video.currentTime >= ${SEEK_TO}`, 20_000)
}
// At 16 times the speed (Chromium's most), the 15 s left play in about a second.
const toTheEnd: Step = async (tab) => {
  await tab.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement
    const { probe } = window as unknown as Probed
    probe.movedAt = performance.now()
    video.playbackRate = 16
    if (video.paused) video.play().catch((e: Error) => probe.events.push(`play() rejected: ${e.name}`))
  })
  return until(tab, 'ended', 'probe.ended', 60_000)
}

describe.each(variants)('$name', (variant) => {
  let app: LimitedApp
  let closeStore: (() => Promise<void>) | undefined
  beforeAll(async () => {
    const { store, close } = await variant.open()
    closeStore = close
    app = await startLimitedApp({ root, key: KEY, store, lib: { signedStatic, respondRefused } })
  }, 30_000)
  afterAll(async () => {
    await app?.close()
    await closeStore?.()
  })
  beforeEach(() => app.reset())

  const link = () => `${app.base}${signer.sign(NAME, variant.uses === undefined ? {} : { uses: variant.uses })}`
  // What the link answers a second full download with, once the video has played through it.
  const after = variant.uses === undefined ? 200 : 410

  /**
   * Plays the video at a fresh link through `steps` in a fresh browser context (stopping at the first that fails),
   * prints the case, and returns what the test checks: the failure (if any), the player's error, the requests
   * refused while it played, and the status of a second full GET of the link (a plain Node request).
   */
  async function watch(title: string, steps: Step[]) {
    const url = link()
    const context = await browser.newContext()
    let failed: string | undefined
    let probe: Probe
    try {
      const tab = await context.newPage()
      await tab.setContent(html(url), { waitUntil: 'domcontentloaded', timeout: 20_000 })
      for (const step of steps) {
        failed = await step(tab, app)
        if (failed !== undefined) break
      }
      probe = await tab.evaluate(() => (window as unknown as Probed).probe)
    } finally {
      // Closed before the log is read: a stuck player retries its request until then.
      await context.close()
    }
    // Bounded: a request the server still holds after 5 s is in the report as STILL OPEN.
    const unsettled = await app.settled().then(
      () => [],
      (error: Error) => [`  ${error.message}`],
    )
    const report = app.report(size)
    // Answered with anything but 2xx. A request the client dropped before its answer (a player that changed its mind)
    // is in the log as "no answer", and refuses nothing.
    const refused = app.log
      .filter((e) => e.status !== undefined && (e.status < 200 || e.status >= 300))
      .map((e) => `#${e.n} ${e.range ?? 'no Range'} -> ${e.status}${e.code ? ` ${e.code}` : ''}`)
    const second = await countedGet(url)
    await app.settled().catch(() => undefined)
    const code = app.log[app.log.length - 1]?.code
    console.log(
      [
        `${variant.name}: ${title}`,
        report,
        ...unsettled,
        `  the player: ${failed ?? 'played to the end'}`,
        `  its events: ${probe.events.join(' ')}`,
        `  then a second full GET: ${second.status}${code ? ` ${code}` : ''} (${second.bytes} bytes)`,
      ].join('\n'),
    )
    return { failed, error: probe.error, refused, after: second.status }
  }
  const passed = { failed: undefined, error: null, refused: [], after }

  it('plays, seeks to 5 s, and plays to the end', async () => {
    expect(await watch('play, then seek to 5 s', [metadata, idle, play, seek, toTheEnd])).toEqual(passed)
  }, 120_000)

  it('seeks to 5 s before playing (preload=metadata), then plays to the end', async () => {
    expect(await watch('seek to 5 s before play', [metadata, idle, seek, toTheEnd])).toEqual(passed)
  }, 120_000)
})
