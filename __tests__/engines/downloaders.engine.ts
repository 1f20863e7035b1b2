// Real download clients (Debian's curl, wget and aria2c) against one-use links of a 20 MiB file behind signedStatic,
// on the memory store and on a real Redis (redis-server on a free loopback port, stopped by its PID): a whole
// download, a download killed midway and resumed (curl -C -, wget -c), and aria2c's parallel segments. Each must
// end with the file byte for byte, no request of the client's refused on the way, and the link used up after (410).
// The same cases on a plain link (no `uses`) check the harness itself: they must pass whatever the counting. Every
// case prints the requests the server saw (Range, status, bytes out) and the file bytes sent against the file's size.
// Run by `npm run test:engines` (only this file: `npm run test:engines -- --testPathPatterns downloaders`).
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigner, respondRefused, signedStatic } from 'express-signed-url'
import { KEY } from '../support/helpers'
import { startLimitedApp, storeVariants, type LimitedApp, countedGet } from '../support/limited-stores'

const CURL = process.env.CURL_PATH ?? '/usr/bin/curl'
const WGET = process.env.WGET_PATH ?? '/usr/bin/wget'
const ARIA2C = process.env.ARIA2C_PATH ?? '/usr/bin/aria2c'

const SIZE = 20 * 2 ** 20
const NAME = 'big.bin'
/** How much an interrupted client must hold before it is killed. */
const INTERRUPT_AT = 6 * 2 ** 20
/** The most any one client run may take before it is killed (on loopback each takes well under 5 s). */
const CLIENT_MS = 30_000

// Real time; a fresh link per case (a one-use link carries a random nonce, so two made alike are two links).
const signer = createSigner({ key: KEY })

let dir: string
let root: string
let digest: string
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-downloaders-'))
  root = path.join(dir, 'files')
  mkdirSync(root)
  const file = randomBytes(SIZE)
  writeFileSync(path.join(root, NAME), file)
  digest = createHash('sha256').update(file).digest('hex')
})
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** The tail of what it printed (stdout and stderr). */
  output: string
}

interface Running {
  exited(): boolean
  exit: Promise<Exit>
  kill(): Promise<Exit>
}

/** Starts a client; it is SIGKILLed after `ms`. `exit` rejects only if it could not start (ENOENT). */
function start(command: string, args: string[], ms = CLIENT_MS): Running {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (data: Buffer) => (output = (output + String(data)).slice(-3000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let timedOut = false
  let done = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, ms)
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer)
      done = true
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      done = true
      resolve({ code, signal, timedOut, output: output.trim() })
    })
  })
  return {
    exited: () => done,
    exit,
    kill: () => {
      if (!done) child.kill('SIGKILL')
      return exit
    },
  }
}

const run = (command: string, args: string[]) => start(command, args).exit

/** Waits until `file` holds at least `bytes` (polled every 20 ms), while the client runs; bounded by `ms`. */
async function untilHolds(file: string, bytes: number, client: Running, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  const size = () => (existsSync(file) ? statSync(file).size : 0)
  while (size() < bytes) {
    if (client.exited()) {
      const { code, signal, output } = await client.exit
      throw new Error(`the client exited (${code ?? signal}) with ${size()} bytes, before ${bytes}: ${output}`)
    }
    if (Date.now() > deadline) throw new Error(`${file} held ${size()} bytes after ${ms} ms, not ${bytes}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** aria2c with `options`, into `dir`/`name`, quietly, overwriting: its exit. */
const aria2 = (options: string[], dir: string, name: string, url: string) =>
  run(ARIA2C, [
    '--no-conf',
    ...options,
    '--allow-overwrite=true',
    '--auto-file-renaming=false',
    '--file-allocation=none',
    '--console-log-level=warn',
    '--summary-interval=0',
    '-d',
    dir,
    '-o',
    name,
    url,
  ])

const sha256 = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : '')
const describeExit = (e: Exit) => `${e.code ?? e.signal}${e.timedOut ? ' (timed out)' : ''}`

const variants = storeVariants

describe.each(variants)('$name', (variant) => {
  let app: LimitedApp
  let closeStore: (() => Promise<void>) | undefined
  let out: string
  beforeAll(async () => {
    const { store, close } = await variant.open()
    closeStore = close
    app = await startLimitedApp({ root, key: KEY, store, lib: { signedStatic, respondRefused } })
    out = mkdtempSync(path.join(dir, 'out-'))
  }, 30_000)
  afterAll(async () => {
    await app?.close()
    await closeStore?.()
  })
  beforeEach(() => app.reset())

  const link = () => `${app.base}${signer.sign(NAME, variant.uses === undefined ? {} : { uses: variant.uses })}`
  // What the link answers a second full download with, once a client has downloaded the file through it.
  const after = variant.uses === undefined ? 200 : 410

  /**
   * Prints the case (the requests the server saw, the client's exits, the result) and returns what the test checks:
   * the requests refused while the client downloaded, the last client's exit, whether the file arrived whole, and
   * the status of a second full GET of the link (a plain Node request).
   */
  async function conclude(title: string, url: string, file: string, exits: Exit[], notes: string[] = []) {
    // Bounded: a request the server still holds after 5 s is in the report as STILL OPEN.
    const unsettled = await app.settled().then(
      () => [],
      (error: Error) => [`  ${error.message}`],
    )
    const report = app.report(SIZE)
    // Answered with anything but 2xx. A request the client dropped before its answer (a player that changed its mind)
    // is in the log as "no answer", and refuses nothing.
    const refused = app.log
      .filter((e) => e.status !== undefined && (e.status < 200 || e.status >= 300))
      .map((e) => `#${e.n} ${e.range ?? 'no Range'} -> ${e.status}${e.code ? ` ${e.code}` : ''}`)
    const same = sha256(file) === digest
    const held = existsSync(file) ? statSync(file).size : 0
    const second = await countedGet(url)
    await app.settled().catch(() => undefined)
    const code = app.log[app.log.length - 1]?.code
    const last = exits[exits.length - 1]
    console.log(
      [
        `${variant.name}: ${title}`,
        ...notes.map((n) => `  ${n}`),
        report,
        ...unsettled,
        `  client exits: ${exits.map(describeExit).join(', then ')}`,
        ...(last.code === 0 ? [] : [`  its output: ${last.output.slice(-600)}`]),
        `  the file: ${held} bytes, ${same ? 'identical' : 'NOT identical'} to the source`,
        `  then a second full GET: ${second.status}${code ? ` ${code}` : ''} (${second.bytes} bytes)`,
      ].join('\n'),
    )
    return { refused, exit: describeExit(last), same, after: second.status }
  }
  const passed = { refused: [], exit: '0', same: true, after }

  it('curl downloads the whole file', async () => {
    const url = link()
    const file = path.join(out, 'curl-whole.bin')
    const exit = await run(CURL, ['-q', '-sSf', '-o', file, url])
    expect(await conclude('curl -sf -o out URL', url, file, [exit])).toEqual(passed)
  }, 60_000)

  it('curl resumes a download it was killed in (curl -C -)', async () => {
    const url = link()
    const file = path.join(out, 'curl-resumed.bin')
    const first = start(CURL, ['-q', '-sSf', '--limit-rate', '4M', '-o', file, url])
    await untilHolds(file, INTERRUPT_AT, first).catch(async (error: unknown) => {
      await first.kill()
      throw error
    })
    const killed = await first.kill()
    const held = statSync(file).size
    const resumed = await run(CURL, ['-q', '-sSf', '-C', '-', '-o', file, url])
    const notes = [`curl --limit-rate 4M killed (SIGKILL) holding ${held} bytes, then curl -C -`]
    expect(await conclude('curl, killed, then curl -C -', url, file, [killed, resumed], notes)).toEqual(passed)
  }, 60_000)

  it('wget resumes a download it was killed in (wget -c)', async () => {
    const url = link()
    const file = path.join(out, 'wget-resumed.bin')
    const first = start(WGET, ['--no-config', '-nv', '--limit-rate=4m', '-O', file, url])
    await untilHolds(file, INTERRUPT_AT, first).catch(async (error: unknown) => {
      await first.kill()
      throw error
    })
    const killed = await first.kill()
    const held = statSync(file).size
    const resumed = await run(WGET, ['--no-config', '-nv', '-c', '-O', file, url])
    const notes = [`wget --limit-rate=4m killed (SIGKILL) holding ${held} bytes, then wget -c`]
    expect(await conclude('wget, killed, then wget -c', url, file, [killed, resumed], notes)).toEqual(passed)
  }, 60_000)

  // aria2's default --min-split-size (20M) keeps -x4 -s4 from splitting a 20 MiB file; -k1M makes it split: a first
  // request without Range, and three more for the other quarters while the first still streams (cut off by aria2
  // where the second quarter begins). Throttled, the segments surely come while the first response runs.
  it.each([
    ['-x4 -s4', ['-x4', '-s4']],
    ['-x4 -s4 -k1M', ['-x4', '-s4', '-k1M']],
    ['-x4 -s4 -k1M --max-overall-download-limit=8M', ['-x4', '-s4', '-k1M', '--max-overall-download-limit=8M']],
  ])(
    'aria2c %s downloads the file',
    async (title, options) => {
      const url = link()
      const name = `aria2-${title.replace(/[^a-z0-9]+/gi, '-')}.bin`
      const exit = await aria2(options, out, name, url)
      const result = await conclude(`aria2c ${title}`, url, path.join(out, name), [exit])
      // On a one-use link, a request of aria2's that comes while its first response holds the whole budget waits for
      // it; when that response delivers the whole file, the rest are refused with 410, and aria2 has its file.
      if (variant.uses === 1)
        result.refused = result.refused.filter((r) => !/-> 410 ERR_USES_EXHAUSTED$/.test(r) || !/^#\d+ bytes=/.test(r))
      expect(result).toEqual(passed)
    },
    60_000,
  )

  // The issue's case: aria2's segmented download of a 2-use link is one use in all, so one more full download is
  // served, then the link is spent.
  if (variant.uses !== undefined)
    it.each([
      ['-x4 -s4 -k1M', ['-x4', '-s4', '-k1M']],
      ['-x4 -s4 -k1M --max-overall-download-limit=8M', ['-x4', '-s4', '-k1M', '--max-overall-download-limit=8M']],
    ])(
      'aria2c %s takes one use of a 2-use link',
      async (title, options) => {
        const url = `${app.base}${signer.sign(NAME, { uses: 2 })}`
        const name = `aria2-two-${title.replace(/[^a-z0-9]+/gi, '-')}.bin`
        const exit = await aria2(options, out, name, url)
        const result = await conclude(`aria2c ${title}, 2 uses`, url, path.join(out, name), [exit])
        expect(result).toEqual({ ...passed, after: 200 })
        expect((await countedGet(url)).status).toBe(410)
      },
      60_000,
    )
})
