import { readLifetime } from '../lib/link-lifetime'

const NOW = 1_767_225_600 // seconds
const now = () => NOW * 1000 + 999 // a clock part-way through a second

describe('link-lifetime', () => {
  describe('readLifetime()', () => {
    it('defaults to a one-hour ttl within seven days, no tolerance, Date.now', () => {
      const lifetime = readLifetime('f', {})
      expect(lifetime.now).toBe(Date.now)
      expect(lifetime.tolerance).toBe(0)
      const expiry = lifetime.expiryOf(undefined)
      expect(expiry - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(3599)
    })

    it('caps the default ttl at a shorter maxTtl', () => {
      expect(readLifetime('f', { maxTtl: '10m', now }).expiryOf(undefined)).toBe(NOW + 600)
    })

    it.each([
      [{ ttl: 0 }, /"ttl" must be a positive whole number of seconds or a string such as '10m', got 0/],
      [{ ttl: '1.5h' }, /"ttl" must be .* got "1.5h"/],
      [{ maxTtl: -1 }, /"maxTtl" must be a positive/],
      [{ ttl: '2h', maxTtl: '1h' }, /"ttl" \(7200 s\) must not exceed "maxTtl" \(3600 s\)/],
      [{ clockTolerance: -1 }, /"clockTolerance" must be a whole number of seconds/],
      [{ now: 5 }, /"now" must be a function returning milliseconds, got 5/],
    ])('refuses %p', (options, message) => {
      expect(() => readLifetime('createSigner', options)).toThrow(TypeError)
      expect(() => readLifetime('createSigner', options)).toThrow(message)
    })
  })

  describe('expiryOf()', () => {
    const lifetime = readLifetime('f', { ttl: '10m', maxTtl: '1d', clockTolerance: 30, now })

    it('counts a ttl from the current whole second', () => {
      expect(lifetime.expiryOf(undefined)).toBe(NOW + 600)
      expect(lifetime.expiryOf({})).toBe(NOW + 600)
      expect(lifetime.expiryOf({ ttl: 90 })).toBe(NOW + 90)
      expect(lifetime.expiryOf({ ttl: '2h' })).toBe(NOW + 7200)
      expect(lifetime.tolerance).toBe(30)
    })

    it('takes an absolute expiry as a Date or Unix seconds', () => {
      expect(lifetime.expiryOf({ expiresAt: NOW + 5 })).toBe(NOW + 5)
      expect(lifetime.expiryOf({ expiresAt: new Date((NOW + 5) * 1000 + 700) })).toBe(NOW + 5)
      expect(lifetime.expiryOf({ expiresAt: NOW + 86400 })).toBe(NOW + 86400)
    })

    it.each([
      [{ ttl: 60, expiresAt: NOW + 60 }, /give either "ttl" or "expiresAt", not both/],
      [{ ttl: '2d' }, /"ttl" \(172800 s\) exceeds "maxTtl" \(86400 s\)/],
      [{ ttl: 0 }, /sign: "ttl" must be a positive/],
      [{ expiresAt: NOW }, /"expiresAt" \(1767225600\) is not in the future/],
      [{ expiresAt: NOW + 86401 }, /"expiresAt" is 86401 s away, beyond "maxTtl"/],
      [{ expiresAt: NOW * 1000 }, /looks like milliseconds/],
      [{ expiresAt: '1767225700' }, /"expiresAt" must be a Date or whole Unix seconds/],
      [{ expiresAt: new Date(NaN) }, /"expiresAt" must be a Date or whole Unix seconds, got a Date/],
      [{ expiresAt: 1.5 }, /"expiresAt" must be a Date or whole Unix seconds, got 1.5/],
      ['10m', /sign: options must be an object/],
    ])('refuses %p', (options, message) => {
      expect(() => lifetime.expiryOf(options)).toThrow(message)
    })
  })
})
