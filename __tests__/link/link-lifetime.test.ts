import { MAX_CLOCK_TOLERANCE, readLifetime } from '../../lib/link/link-lifetime'

const NOW = 1_767_225_600 // seconds
const now = () => NOW * 1000 + 999 // a clock part-way through a second

describe('link-lifetime', () => {
  describe('readLifetime()', () => {
    it('defaults to a one-hour ttl within seven days, no tolerance, Date.now', () => {
      const lifetime = readLifetime('f', {})
      expect(lifetime.now).toBe(Date.now)
      expect(lifetime.tolerance).toBe(0)
      const { expiry } = lifetime.timesOf(undefined)
      expect(expiry - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(3599)
    })

    it('caps the default ttl at a shorter maxTtl', () => {
      expect(readLifetime('f', { maxTtl: '10m', now }).timesOf(undefined).expiry).toBe(NOW + 600)
    })

    it.each([
      [{ ttl: 0 }, /"ttl" must be a positive whole number of seconds or a string such as '10m', got 0/],
      [{ ttl: '1.5h' }, /"ttl" must be .* got "1.5h"/],
      [{ maxTtl: -1 }, /"maxTtl" must be a positive/],
      [{ ttl: '2h', maxTtl: '1h' }, /"ttl" \(7200 s\) must not exceed "maxTtl" \(3600 s\)/],
      [{ clockTolerance: -1 }, /"clockTolerance" must be a whole number of seconds/],
      [{ clockTolerance: 21601 }, /"clockTolerance" must be at most 21600 s \('6h'\), got 21601/],
      [{ clockTolerance: '361m' }, /"clockTolerance" must be at most 21600 s \('6h'\), got "361m"/],
      [{ clockTolerance: '1d' }, /"clockTolerance" must be at most 21600 s/],
      [{ now: 5 }, /"now" must be a function returning milliseconds, got 5/],
    ])('refuses %p', (options, message) => {
      expect(() => readLifetime('createSigner', options)).toThrow(TypeError)
      expect(() => readLifetime('createSigner', options)).toThrow(message)
    })

    it('takes a clockTolerance up to MAX_CLOCK_TOLERANCE, six hours', () => {
      expect(MAX_CLOCK_TOLERANCE).toBe(21600)
      expect(readLifetime('f', { clockTolerance: '6h' }).tolerance).toBe(MAX_CLOCK_TOLERANCE)
      expect(readLifetime('f', { clockTolerance: 21600 }).tolerance).toBe(21600)
    })
  })

  describe('timesOf()', () => {
    const lifetime = readLifetime('f', { ttl: '10m', maxTtl: '1d', clockTolerance: 30, now })

    it('counts a ttl from the current whole second', () => {
      expect(lifetime.timesOf(undefined).expiry).toBe(NOW + 600)
      expect(lifetime.timesOf({}).expiry).toBe(NOW + 600)
      expect(lifetime.timesOf({ ttl: 90 }).expiry).toBe(NOW + 90)
      expect(lifetime.timesOf({ ttl: '2h' }).expiry).toBe(NOW + 7200)
      expect(lifetime.tolerance).toBe(30)
    })

    it('says a link is made now, without a window or with an absolute expiry', () => {
      expect(lifetime.timesOf(undefined)).toEqual({ expiry: NOW + 600, issued: NOW })
      expect(lifetime.timesOf({ ttl: 90, stableFor: 0 })).toEqual({ expiry: NOW + 90, issued: NOW })
      expect(lifetime.timesOf({ expiresAt: NOW + 5 })).toEqual({ expiry: NOW + 5, issued: NOW })
    })

    it('takes an absolute expiry as a Date or Unix seconds', () => {
      expect(lifetime.timesOf({ expiresAt: NOW + 5 }).expiry).toBe(NOW + 5)
      expect(lifetime.timesOf({ expiresAt: new Date((NOW + 5) * 1000 + 700) }).expiry).toBe(NOW + 5)
      expect(lifetime.timesOf({ expiresAt: NOW + 86400 }).expiry).toBe(NOW + 86400)
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
      expect(() => lifetime.timesOf(options)).toThrow(message)
    })
  })

  describe('timesOf() with a stableFor window', () => {
    const at = (seconds: number, options: object) => readLifetime('f', { now: () => seconds * 1000, ...options })

    // NOW is a whole day: with a ttl that is a multiple of the window, the windows fall on the clock.
    it('gives every second of one window the same expiry and, as issued, the window start', () => {
      for (const seconds of [NOW, NOW + 0.999, NOW + 150, NOW + 299.999])
        expect(at(seconds, { ttl: '10m', stableFor: '5m' }).timesOf(undefined)).toEqual({
          expiry: NOW + 900,
          issued: NOW,
        })
      expect(at(NOW + 300, { ttl: '10m', stableFor: '5m' }).timesOf(undefined)).toEqual({
        expiry: NOW + 1200,
        issued: NOW + 300,
      })
      expect(at(NOW - 0.001, { ttl: '10m', stableFor: '5m' }).timesOf(undefined)).toEqual({
        expiry: NOW + 600,
        issued: NOW - 300,
      })
    })

    it('starts the window where the expiry rounds, when the ttl is not a multiple of it', () => {
      // now + 90 from NOW + 120 up to NOW + 179 rounds to NOW + 180: made from NOW + 30 up to NOW + 89.
      for (const seconds of [NOW + 30, NOW + 89])
        expect(at(seconds, {}).timesOf({ ttl: 90, stableFor: 60 })).toEqual({ expiry: NOW + 180, issued: NOW + 30 })
      expect(at(NOW + 29, {}).timesOf({ ttl: 90, stableFor: 60 })).toEqual({ expiry: NOW + 120, issued: NOW - 30 })
      expect(at(NOW + 90, {}).timesOf({ ttl: 90, stableFor: 60 })).toEqual({ expiry: NOW + 240, issued: NOW + 90 })
    })

    it('never says a link was made later than now, nor a window or more before', () => {
      for (let seconds = NOW; seconds < NOW + 700; seconds += 7) {
        const { issued } = at(seconds, {}).timesOf({ ttl: 600, stableFor: 300 })
        expect(issued).toBeLessThanOrEqual(seconds)
        expect(seconds - issued).toBeLessThan(300)
      }
    })
  })
})
