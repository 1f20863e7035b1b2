import { durationOption, signOptions, timeOption } from '../../lib/cli/cli-sign'

describe('cli-sign', () => {
  it('turns the command line into sign options, numbers as seconds', () => {
    expect(signOptions({ ttl: '600', 'stable-for': '5m', ip: ['10.0.0.0/8'], filename: 'a.pdf' })).toEqual({
      ttl: 600,
      stableFor: '5m',
      ip: ['10.0.0.0/8'],
      filename: 'a.pdf',
    })
    expect(signOptions({ method: 'PUT', 'max-bytes': '10', 'content-type': ['image/png'], sha256: 'x' })).toEqual({
      method: 'put',
      maxBytes: 10,
      contentType: ['image/png'],
      sha256: 'x',
    })
  })

  it('reads --not-before as Unix seconds or a date on the calendar with a zone', () => {
    expect(signOptions({ 'not-before': '1767225600' })).toEqual({ notBefore: 1767225600 })
    expect(signOptions({ 'not-before': '2028-02-29T12:00:00+02:00' }).notBefore).toEqual(
      new Date('2028-02-29T10:00:00Z'),
    )
    for (const text of ['2027-02-29T00:00:00Z', '2026-06-31T00:00:00Z', '2026-01-01', '2026-01-01T00:00Z+1', 'soon'])
      expect(() => signOptions({ 'not-before': text })).toThrow('--not-before must be Unix seconds or an ISO date')
  })

  it('refuses --ttl with --expires-at, and an --expires-at that is not seconds', () => {
    expect(() => signOptions({ ttl: '1', 'expires-at': '2' })).toThrow('give --ttl or --expires-at, not both')
    expect(() => signOptions({ 'expires-at': '1.5' })).toThrow('--expires-at must be Unix seconds')
  })

  describe('timeOption()', () => {
    it('reads Unix seconds as a number and an ISO date with a zone as a Date', () => {
      expect(timeOption('issued-before', '1767225600')).toBe(1767225600)
      expect(timeOption('issued-before', '2026-01-01T01:00:00+01:00')).toEqual(new Date('2026-01-01T00:00:00Z'))
    })

    it.each(['2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01', '-5', '1.5', 'now'])(
      'refuses %j, naming the option',
      (text) => {
        expect(() => timeOption('expiring-before', text)).toThrow(
          new Error(`--expiring-before must be Unix seconds or an ISO date with a zone, got "${text}"`),
        )
      },
    )
  })

  describe('durationOption()', () => {
    it('reads digits as seconds and passes a duration with a unit on for sign to check', () => {
      expect(durationOption('600')).toBe(600)
      expect(durationOption('10m')).toBe('10m')
      expect(durationOption('1.5h')).toBe('1.5h')
    })
  })
})
