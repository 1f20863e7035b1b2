import { createSigner } from 'express-signed-url'
import { main } from '../../lib/cli'
import { NOW_MS } from '../support/helpers'

// The link fields on the command line, in-process with an injected clock.
const KEY = 'cli-test-key-0123456789-0123456789-0123456789'
const NOW_S = NOW_MS / 1000

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
