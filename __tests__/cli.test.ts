import { execFile } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createSigner } from 'express-signed-url'
import { main } from '../lib/cli'
import { budget } from './support/budget'
import { NOW_MS } from './support/helpers'

const CLI = path.join(__dirname, '..', 'dist', 'cli.js')
const KEY = 'cli-test-key-0123456789-0123456789-0123456789'
const NOW_S = NOW_MS / 1000
const now = () => NOW_MS

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the command line in this process (lib/cli.ts's main, as dist/cli.js calls it) with the arguments, only the
 * environment given, and the test clock; its output as the process would write it (console.log: a line each).
 */
async function cli(args: string[], env: NodeJS.ProcessEnv = { SIGNING_KEY: KEY }, nowMs = NOW_MS): Promise<Ran> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(args, env, {
    out: (l) => out.push(`${l}\n`),
    err: (l) => err.push(`${l}\n`),
    now: () => nowMs,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

/** Runs the built CLI (dist/cli.js, by its #! line) as a child process, the way a user's shell does. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const name of ['SIGNING_KEY', 'SIGNING_KEYS', 'REDIS_URL']) if (!Object.hasOwn(env, name)) delete childEnv[name]
  return new Promise((resolve) => {
    execFile(CLI, args, { env: childEnv }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('the built command (dist/cli.js), run as a shell runs it', () => {
  // Everything else in this file runs main() in-process; these start the real executable, one process per call.
  it(
    'prints its version, a key, a link and a check of it, with exit status 0, 1 or 2',
    async () => {
      const version = (
        JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
      ).version
      expect(await spawnCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
      const key = (await spawnCli(['keygen'])).stdout.trim()
      expect(Buffer.from(key, 'base64url')).toHaveLength(32)
      const signed = await spawnCli(['sign', 'private/a b.png', '--ttl', '10m'], { SIGNING_KEY: key })
      expect(signed).toMatchObject({ code: 0, stderr: '' })
      const link = signed.stdout.trim()
      expect(createSigner({ key }).verify(link)).toMatchObject({ ok: true, path: 'private/a b.png' })
      expect(await spawnCli(['verify', link], { SIGNING_KEY: key })).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^valid: grants GET and HEAD of \/private\/a b\.png until /),
        stderr: '',
      })
      const edited = link.replace('a%20b', 'b')
      expect(await spawnCli(['verify', edited], { SIGNING_KEY: key })).toEqual({
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(/^refused \(ERR_SIGNATURE_INVALID\)/),
      })
      expect(await spawnCli(['sign', 'a.png'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: no key: set SIGNING_KEY or SIGNING_KEYS, or pass --key-file <file>\n',
      })
    },
    budget(6),
  )

  it(
    'exits with the status of a revoke, which answers later (0 once the Worker takes it, 2 without a store)',
    async () => {
      const received: string[] = []
      const worker = http.createServer((req, res) => {
        received.push(`${req.method} ${req.url?.split('?')[0]}`)
        req.resume().on('end', () => res.writeHead(204).end())
      })
      await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve))
      try {
        const origin = `http://127.0.0.1:${(worker.address() as AddressInfo).port}`
        const link = createSigner({ key: KEY }).sign('a.png')
        expect(await spawnCli(['revoke', link, '--worker', origin], { SIGNING_KEY: KEY })).toEqual({
          code: 0,
          stdout: 'revoked: the link, until it expires\n',
          stderr: '',
        })
        expect(received).toEqual(['PUT /_signed-url/revocations'])
        expect(await spawnCli(['revoke', link])).toMatchObject({
          code: 2,
          stderr: expect.stringMatching(/set REDIS_URL/),
        })
      } finally {
        await new Promise((resolve) => worker.close(resolve))
      }
    },
    budget(2),
  )
})

describe('the command line', () => {
  const signer = (options: { key?: string; now?: () => number; baseUrl?: string } = {}) =>
    createSigner({ key: KEY, now, ...options })

  it('keygen prints a new 32-byte base64url key each time', async () => {
    const [a, b] = [await cli(['keygen'], {}), await cli(['keygen'], {})]
    expect(a.code).toBe(0)
    expect(a.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(a.stdout.trim(), 'base64url')).toHaveLength(32)
    expect(a.stdout).not.toBe(b.stdout)
  })

  it.each([
    ['a right-to-left override (U+202E)', 'private/\u202Etxt.exe', 'private/\\u{202E}txt.exe'],
    [
      'a left-to-right isolate (U+2066) and a pop (U+2069)',
      'private/\u2066a\u2069.png',
      'private/\\u{2066}a\\u{2069}.png',
    ],
    ['a C1 control (U+009B, a terminal escape)', 'private/a\u009b.png', null],
    ['a line separator (U+2028)', 'private/a\u2028b.png', 'private/a\\u{2028}b.png'],
    ['a zero-width space (U+200B)', 'private/a\u200bb.png', 'private/a\\u{200B}b.png'],
    ['a byte-order mark and a tag character', 'private/\ufeffa\u{E0041}.png', 'private/\\u{FEFF}a\\u{E0041}.png'],
  ])('escapes %s in the paths it prints', async (_what, decoded, shown) => {
    const link = signer().sign(decoded.replace('\u009b', ''))
    const target = shown === null ? link.replace('a.png', 'a%C2%9B.png') : link
    const verified = await cli(['verify', target])
    const output = verified.stdout + verified.stderr
    expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/)
    if (shown !== null) expect(verified.stdout).toContain(`of /${shown} until`)
    const signed = await cli(['sign', `${decoded}\u0007`])
    expect(signed.code).toBe(2)
    expect(signed.stderr).not.toMatch(/[\u0007\u009b\u202e\u2066\u2069\u2028]/)
    expect(signed.stderr).toContain('\\u{')
  })

  it('signs --uses as a limited-use link, and verify says it is counted elsewhere', async () => {
    const signed = await cli(['sign', 'private/a.png', '--uses', '3'])
    expect(signed.stdout).toMatch(/&uses=3&nonce=[\w-]{16}&signature=/)
    expect((await cli(['verify', signed.stdout.trim()])).stdout).toMatch(/uses: 3 \(counted by the guard's store/)
    expect(await cli(['sign', 'private/a.png', '--uses', 'x'])).toMatchObject({ code: 2 })
    expect((await cli(['verify', signed.stdout.trim(), '--uses', '2'])).stderr).toMatch(/--uses is for sign/)
  })

  it('revoke needs REDIS_URL, and one link or --folder', async () => {
    const link = signer().sign('a.png')
    const nowhere = { REDIS_URL: 'redis://127.0.0.1:1' }
    expect((await cli(['revoke', link], {})).stderr).toMatch(/set REDIS_URL/)
    for (const args of [['revoke'], ['revoke', link, '--folder', 'a/'], ['revoke', link, '--max-ttl', '1h']]) {
      const r = await cli(args, nowhere)
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^error: /)])
    }
    expect((await cli(['revoke', link, '--ttl', '1h'], nowhere)).stderr).toMatch(/revoke takes no --ttl/)
    // Dates as the sign command takes them reach revokeFolder as dates (the failure is Redis's, not the date's); a
    // Redis that does not answer is a clear failure, never a hang. Each is tried ten times, 100 ms apart, against a
    // port nothing listens on (every connection refused at once).
    const [dated, down] = await Promise.all([
      cli(['revoke', '--folder', '/a/', '--issued-before', '2026-12-01T00:00:00Z'], nowhere),
      cli(['revoke', link], nowhere),
    ])
    expect([dated.code, dated.stderr]).toEqual([2, expect.stringMatching(/did not answer|ECONNREFUSED/)])
    expect([down.code, down.stderr]).toEqual([2, expect.stringMatching(/did not answer|ECONNREFUSED/)])
  })

  it('round-trips keygen, sign and verify', async () => {
    const key = (await cli(['keygen'], {})).stdout.trim()
    const signed = await cli(['sign', 'private/a b.png', '--ttl', '10m'], { SIGNING_KEY: key })
    expect(signed).toEqual({
      code: 0,
      stdout: `/private/a%20b.png?expiry=${NOW_S + 600}&method=get&signature=${signed.stdout.slice(-44, -1)}\n`,
      stderr: '',
    })
    const link = signed.stdout.trim()
    expect(createSigner({ key, now }).verify(link)).toMatchObject({ ok: true, path: 'private/a b.png' })
    const verified = await cli(['verify', link], { SIGNING_KEY: key })
    expect(verified).toMatchObject({ code: 0, stderr: '' })
    expect(verified.stdout).toMatch(
      /^valid: grants GET and HEAD of \/private\/a b\.png until 2026-01-01T00:10:00Z \(for 10 minutes\)\n/,
    )
    // A minute and a half later, it says what is left.
    expect((await cli(['verify', link], { SIGNING_KEY: key }, NOW_MS + 90_000)).stdout).toMatch(
      /^valid: [^\n]* until 2026-01-01T00:10:00Z \(for 8 minutes 30 seconds\)\n/,
    )
  })

  it('signs with --expires-at and --base-url, and verifies the absolute link', async () => {
    const expiry = NOW_S + 3600
    const { stdout } = await cli([
      'sign',
      '/private/image.png',
      '--expires-at',
      String(expiry),
      '--base-url',
      'https://files.example.com',
    ])
    expect(stdout.trim()).toBe(
      signer({ baseUrl: 'https://files.example.com' }).sign('private/image.png', { expiresAt: expiry }),
    )
    expect((await cli(['verify', stdout.trim()])).code).toBe(0)
  })

  it('signs with a key id and says which id a refused link names', async () => {
    const { stdout } = await cli(['sign', 'a.png', '--key-id', 'k2'])
    expect(stdout).toContain('&kid=k2&')
    expect((await cli(['verify', stdout.trim(), '--key-id', 'k2'])).code).toBe(0)
    const refused = await cli(['verify', stdout.trim()])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/the link names key id "k2": give that key with --key-id k2, or in SIGNING_KEYS/)
  })

  it('--version prints the package version', async () => {
    const version = (
      JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
    ).version
    for (const flag of ['--version', '-v'])
      expect(await cli([flag], {})).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it('signs with --scope a link that grants a folder, and verify describes the grant and every field', async () => {
    const { stdout, code } = await cli(['sign', 'videos/42/index.m3u8', '--scope', 'videos/42/', '--ttl', '2h'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^\/videos\/42\/index\.m3u8\?expiry=\d+&method=get&scope=2&signature=/)
    const segment = stdout.trim().replace('index.m3u8', 'seg-1.ts')
    const res = await cli(['verify', segment])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(
      /^valid: grants GET and HEAD of every path under \/videos\/42\/ \(this one: \/videos\/42\/seg-1\.ts\) until 2026-01-01T02:00:00Z \(for 2 hours\)\n/,
    )
    expect(res.stdout).toContain(`\n  expiry: ${NOW_S + 7200} (2026-01-01T02:00:00Z)`)
    expect(res.stdout).toContain('\n  method: get (GET and HEAD)\n')
    expect(res.stdout).toContain('\n  kid: (none: a plain link')
    expect(res.stdout).toContain("\n  scope: 2 (the folder of the path's first 2 segments")
    const bad = await cli(['sign', 'videos/42/index.m3u8', '--scope', 'audio/'])
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/"scope" "audio\/" does not contain the path/) })
    expect((await cli(['verify', segment, '--scope', 'videos/'])).stderr).toMatch(/--scope is for sign/)
  })

  it('takes a ring from SIGNING_KEYS: the first signs, every one verifies, ids as id:secret', async () => {
    const ring = { SIGNING_KEYS: `new:${KEY}-new, ${KEY}` }
    const signed = await cli(['sign', 'a.png'], ring)
    expect(signed.stdout).toContain('&kid=new&')
    expect((await cli(['verify', signed.stdout.trim()], ring)).stdout).toMatch(
      /^valid: [^\n]*\n[\s\S]*\n {2}kid: new\n/,
    )
    const old = signer().sign('a.png')
    expect((await cli(['verify', old], ring)).code).toBe(0) // a plain link, checked against the key without an id
    const other = createSigner({ keys: [{ id: 'gone', secret: `${KEY}-gone` }], now }).sign('a.png')
    expect((await cli(['verify', other], ring)).stderr).toMatch(/names key id "gone"/)
    expect((await cli(['sign', 'a.png'], { ...ring, SIGNING_KEY: KEY })).stderr).toMatch(/give the key once/)
    expect((await cli(['sign', 'a.png', '--key-id', 'x'], ring)).stderr).toMatch(/--key-id is for one key/)
    expect((await cli(['sign', 'a.png'], { SIGNING_KEYS: 'a:b:c' })).code).toBe(2)
  })

  it.each([
    [
      'an expired link',
      () => signer({ now: () => NOW_MS - 7_200_000 }).sign('a.png', { ttl: 60 }),
      /^refused \(ERR_URL_EXPIRED\): the link expired 1 hour 59 minutes ago \(2025-12-31T22:01:00Z/,
    ],
    [
      'an edited link',
      () => signer().sign('a.png').replace('a.png', 'b.png'),
      /^refused \(ERR_SIGNATURE_INVALID\): the signature does not match/,
    ],
    ['a link for another key', () => signer({ key: `${KEY}-other` }).sign('a.png'), /ERR_SIGNATURE_INVALID/],
    [
      'a non-canonical path',
      () => '/private/../secret.txt?expiry=1&method=get&signature=x',
      /^refused \(ERR_PATH_NOT_CANONICAL\): the path is not canonical/,
    ],
    ['an unsigned path', () => '/private/image.png', /^refused \(ERR_SIGNATURE_MISSING\)/],
    ['a duplicated parameter', () => `${signer().sign('a.png')}&expiry=1`, /^refused \(ERR_QUERY_MALFORMED\)/],
  ])('verify explains %s and exits 1', async (_what, makeLink, reason) => {
    const res = await cli(['verify', makeLink()])
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('')
    expect(res.stderr).toMatch(reason)
  })

  it('verify refuses a POST with --method', async () => {
    const res = await cli(['verify', signer().sign('a.png'), '--method', 'POST'])
    expect([res.code, res.stderr.trim()]).toEqual([
      1,
      'refused (ERR_METHOD_NOT_ALLOWED): the link does not allow this method (a GET link allows GET and HEAD, an upload link PUT: try --method PUT)',
    ])
  })

  it('reads a binary --key-file as bytes, not as text', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-cli-'))
    try {
      // Bytes that are not UTF-8: decoded as text, both files would become the same run of U+FFFD.
      const [a, b] = [Buffer.alloc(40, 0x80), Buffer.alloc(40, 0xbf)]
      fs.writeFileSync(path.join(dir, 'a'), a)
      fs.writeFileSync(path.join(dir, 'b'), Buffer.concat([b, Buffer.from('\r\n')]))
      const expiresAt = NOW_S + 3600
      const [la, lb] = [
        await cli(['sign', 'x.png', '--expires-at', String(expiresAt), '--key-file', path.join(dir, 'a')], {}),
        await cli(['sign', 'x.png', '--expires-at', String(expiresAt), '--key-file', path.join(dir, 'b')], {}),
      ]
      expect(la.stdout.trim()).toBe(createSigner({ key: a, now }).sign('x.png', { expiresAt }))
      expect(lb.stdout.trim()).toBe(createSigner({ key: b, now }).sign('x.png', { expiresAt }))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads the key from --key-file, without its trailing newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-cli-'))
    try {
      fs.writeFileSync(path.join(dir, 'key'), `${KEY}\n`)
      const { code, stdout } = await cli(['sign', 'a.png', '--key-file', path.join(dir, 'key')], {})
      expect(code).toBe(0)
      expect(signer().verify(stdout.trim()).ok).toBe(true)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it.each([
    ['a key as an argument', ['sign', 'a.png', '--key', KEY], {}, /--key is refused: arguments are visible to other/],
    ['no key', ['sign', 'a.png'], {}, /no key: set SIGNING_KEY or SIGNING_KEYS, or pass --key-file/],
    ['a short key', ['sign', 'a.png'], { SIGNING_KEY: 'short-key' }, /"key" must be at least 32 bytes, got 9/],
    ['a non-canonical path to sign', ['sign', '../etc/passwd'], { SIGNING_KEY: KEY }, /is not canonical/],
    [
      '--ttl and --expires-at',
      ['sign', 'a.png', '--ttl', '1m', '--expires-at', '2000000000'],
      { SIGNING_KEY: KEY },
      /give --ttl or --expires-at, not both/,
    ],
    ['a ttl beyond 7 days', ['sign', 'a.png', '--ttl', '8d'], { SIGNING_KEY: KEY }, /exceeds "maxTtl"/],
    ['an unknown option', ['sign', 'a.png', '--tll', '1m'], { SIGNING_KEY: KEY }, /Unknown option '--tll'/],
    ['an unknown command', ['mint', 'a.png'], { SIGNING_KEY: KEY }, /unknown command "mint"/],
    ['a missing path', ['sign'], { SIGNING_KEY: KEY }, /sign takes exactly one path/],
    [
      'both SIGNING_KEY and --key-file',
      ['sign', 'a.png', '--key-file', __filename],
      { SIGNING_KEY: KEY },
      /give the key once: SIGNING_KEY or --key-file, not both/,
    ],
    ['keygen with arguments', ['keygen', 'extra'], {}, /keygen takes no arguments or options/],
  ])('exits 2 on %s, without printing the key', async (_what, args, env, message) => {
    const res = await cli(args, env)
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(message)
    expect(res.stdout + res.stderr).not.toContain(KEY)
  })

  it('--help documents the commands, the key sources and the exit codes', async () => {
    const res = await cli(['--help'], {})
    expect(res.code).toBe(0)
    for (const text of [
      'sign <path>',
      'verify <url-or-path>',
      'keygen',
      '--ttl',
      '--expires-at',
      '--base-url',
      'SIGNING_KEY',
      '--key-file',
      'process list',
      'Exit status',
    ]) {
      expect(res.stdout).toContain(text)
    }
  })
})

// The link fields on the command line, in-process with an injected clock.
function run(args: string[], nowMs = NOW_MS) {
  const out: string[] = []
  const err: string[] = []
  const code = main(args, { SIGNING_KEY: KEY }, { out: (l) => out.push(l), err: (l) => err.push(l), now: () => nowMs })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

describe('the command line, link fields', () => {
  it('signs every field, as createSigner does', () => {
    const args = [
      'sign',
      'private/report.pdf',
      '--filename',
      'Report 2026.pdf',
      '--ip',
      '10.0.0.0/8',
      '--ip',
      '2001:db8::/32',
    ]
    const signed = run([...args, '--not-before', String(NOW_S + 60)])
    expect(signed.code).toBe(0)
    expect(signed.stdout).toBe(
      createSigner({ key: KEY, now: () => NOW_MS }).sign('private/report.pdf', {
        filename: 'Report 2026.pdf',
        ip: ['10.0.0.0/8', '2001:db8::/32'],
        notBefore: NOW_S + 60,
      }),
    )
  })

  it('takes --not-before as an ISO date with a zone, and refuses one without', () => {
    expect(run(['sign', 'a.png', '--not-before', '2026-01-01T00:10:00Z']).stdout).toContain(
      `&notbefore=${NOW_S + 600}&`,
    )
    expect(run(['sign', 'a.png', '--not-before', '2026-01-01T01:10:00+01:00']).stdout).toContain(
      `&notbefore=${NOW_S + 600}&`,
    )
    const local = run(['sign', 'a.png', '--not-before', '2026-01-01T00:10:00'])
    expect(local).toMatchObject({ code: 2, stderr: expect.stringContaining('Unix seconds or an ISO date with a zone') })
    // Dates that are not on the calendar are refused, not rolled over to the next month or day.
    for (const date of [
      '2026-02-30T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00+24:00',
    ])
      expect([date, run(['sign', 'a.png', '--not-before', date, '--ttl', '7d']).code]).toEqual([date, 2])
    expect(run(['sign', 'a.png', '--not-before', '2028-02-29T00:00:00Z', '--expires-at', '1835000000']).code).toBe(2) // beyond maxTtl, but a date
    expect(run(['sign', 'a.png', '--not-before', '2026-01-02T00:00:00Z', '--ttl', '7d']).stdout).toContain(
      `&notbefore=${NOW_S + 86400}&`,
    )
  })

  it('rounds with --stable-for: the same link all through the window', () => {
    const first = run(['sign', 'a.png', '--stable-for', '10m'], NOW_MS + 1000).stdout
    expect(run(['sign', 'a.png', '--stable-for', '10m'], NOW_MS + 599_000).stdout).toBe(first)
    expect(run(['sign', 'a.png', '--stable-for', '600'], NOW_MS + 300_000).stdout).toBe(first)
    expect(run(['sign', 'a.png', '--stable-for', '10m'], NOW_MS + 600_000).stdout).not.toBe(first)
  })

  it('explains every field of a valid link', () => {
    const link = run([
      'sign',
      'r.pdf',
      '--filename',
      'R é.pdf',
      '--disposition',
      'inline',
      '--ip',
      '127.0.0.1',
      '--not-before',
      String(NOW_S - 60),
    ]).stdout
    const verified = run(['verify', link, '--ip', '127.0.0.1'])
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain(`  notbefore: ${NOW_S - 60} (2025-12-31T23:59:00Z; refused before)`)
    expect(verified.stdout).toContain('  ip: 127.0.0.1 (served only to these client addresses; 127.0.0.1 is one)')
    expect(verified.stdout).toContain('  disposition: inline')
    expect(verified.stdout).toContain('  filename: R é.pdf (served as Content-Disposition: inline)')
  })

  it('says when a link starts to work, and which addresses it is bound to', () => {
    const early = run(['verify', run(['sign', 'a.png', '--not-before', String(NOW_S + 5400), '--ttl', '2h']).stdout])
    expect(early).toMatchObject({ code: 1 })
    expect(early.stderr).toBe(
      'refused (ERR_URL_NOT_YET_VALID): the link is not valid until 2026-01-01T01:30:00Z (in 1 hour 30 minutes)',
    )
    const bound = run(['sign', 'a.png', '--ip', '10.0.0.0/8']).stdout
    expect(run(['verify', bound]).stderr).toBe(
      "refused (ERR_IP_NOT_ALLOWED): the link is bound to 10.0.0.0/8: give the client's address with --ip",
    )
    expect(run(['verify', bound, '--ip', '192.0.2.1']).stderr).toBe(
      'refused (ERR_IP_NOT_ALLOWED): the link is bound to 10.0.0.0/8, and 192.0.2.1 is not among them',
    )
    expect(run(['verify', bound, '--ip', '10.9.9.9']).code).toBe(0)
  })

  it('refuses a path or --filename holding U+FFFD, what Node makes of bytes that are not UTF-8', () => {
    expect(run(['sign', 'a\ufffd.png'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('the path holds U+FFFD'),
    })
    expect(run(['sign', 'a.png', '--filename', '\ufffd.pdf'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--filename holds U+FFFD'),
    })
  })

  it('signs an upload link, and verify explains it for PUT and refuses it for GET', () => {
    const args = [
      'sign',
      'up/a b.png',
      '--method',
      'put',
      '--max-bytes',
      '1000',
      '--content-type',
      'image/png',
      '--content-type',
      'IMAGE/SVG+XML',
    ]
    const link = run(args).stdout
    expect(link).toBe(
      createSigner({ key: KEY, now: () => NOW_MS }).sign('up/a b.png', {
        method: 'put',
        maxBytes: 1000,
        contentType: ['image/png', 'image/svg+xml'],
      }),
    )
    expect(link).toContain('&method=put&maxbytes=1000&contenttype=image/png,image/svg%2Bxml&')
    const put = run(['verify', link, '--method', 'PUT'])
    expect(put.code).toBe(0)
    expect(put.stdout).toContain('valid: grants PUT (an upload) of /up/a b.png until')
    expect(put.stdout).toContain('  method: put (PUT: an upload; never read)')
    expect(put.stdout).toContain('  maxbytes: 1000 (the most bytes the upload may have)')
    expect(put.stdout).toContain('  contenttype: image/png,image/svg+xml (the types it may be sent as)')
    expect(run(['verify', link])).toMatchObject({ code: 1, stderr: expect.stringContaining('try --method PUT') })
  })

  it('escapes what it echoes of a bad option or command', () => {
    for (const args of [['verify', '--\u001b]0;owned\u0007\u001b[2J'], ['\u001b[31mred']]) {
      const out = run(args)
      expect(out.code).toBe(2)
      expect(out.stderr).not.toMatch(/\u001b|\u0007/)
    }
  })

  it('escapes the client address it prints', () => {
    const link = run(['sign', 'a.png', '--ip', '::/0']).stdout
    const out = run(['verify', link, '--ip', 'fe80::1%\u001b[31mRED'])
    expect(out.code).toBe(0)
    expect(out.stdout).not.toContain('\u001b')
    expect(out.stdout).toContain('fe80::1%\\u{001B}[31mRED is one')
  })

  it.each([
    [['sign', 'a.png', '--ip', '10.0.0.1/8'], /"ip" entry "10\.0\.0\.1\/8" has bits set .*did you mean 10\.0\.0\.0\/8/],
    [['sign', 'a.png', '--filename', 'a/b.pdf'], /"filename" must not hold/],
    [['sign', 'a.png', '--disposition', 'download'], /"disposition" must be 'attachment' or 'inline'/],
    [['sign', 'a.png', '--not-before', String(NOW_S + 7200)], /"notBefore" .* must come before the link's expiry/],
    [['sign', 'a.png', '--stable-for', '7d'], /"stableFor" .* beyond "maxTtl"/],
    [
      ['sign', 'a.png', '--stable-for', '10m', '--expires-at', String(NOW_S + 60)],
      /with "expiresAt" the link is already stable/,
    ],
    [['sign', 'a/', '--scope', 'prefix', '--filename', 'a.txt'], /are for one file/],
    [['sign', 'a.png', '--method', 'post'], /"method" must be 'get' or 'put'/],
    [['sign', 'a.png', '--max-bytes', '100'], /are for an upload link/],
    [['sign', 'a.png', '--method', 'put', '--max-bytes', '1e6'], /--max-bytes must be a number of bytes/],
    [
      ['sign', 'a.png', '--method', 'put', '--content-type', 'image/png;q=1'],
      /"contentType" entries must be media types/,
    ],
    [['sign', 'a/', '--method', 'put'], /names a file: not a folder, nor a dotfile/],
    [['verify', '/a.png', '--max-bytes', '1'], /--max-bytes is for sign/],
    [['verify', '/a.png', '--filename', 'x'], /--filename is for sign/],
    [['verify', '/a.png', '--ip', '1.2.3.4', '--ip', '5.6.7.8'], /verify takes one --ip/],
  ])('refuses %j with exit status 2 and says why', (args, message) => {
    const result = run(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })
})
