import { readSignerSettings } from '../../lib/signer/signer-settings'
import { KEY, NOW_MS } from '../support/helpers'

const NOW = NOW_MS / 1000
// Keys are their text: the settings need no cryptography.
const asText = (material: { bytes?: Uint8Array }) => Buffer.from(material.bytes ?? []).toString()
const core = (options: object = {}) => readSignerSettings('test', { key: KEY, now: () => NOW_MS, ...options }, asText)

describe('readSignerSettings()', () => {
  it('reads the defaults: no origin, no issued stamp, no tolerance, links for an hour', () => {
    const settings = core()
    expect(settings).toMatchObject({ origin: '', stampIssued: false, tolerance: 0 })
    expect(settings.now()).toBe(NOW_MS)
    expect(settings.timesOf(undefined).expiry).toBe(NOW + 3600)
    expect(settings.ring.anonymous).toEqual([KEY])
    expect(settings.ring.signingId).toBeUndefined()
  })

  it.each([
    ['https://files.example.com', 'https://files.example.com'],
    ['https://files.example.com/', 'https://files.example.com'],
    ['https://Files.Example.COM:443/', 'https://files.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('takes baseUrl %j as the origin %j', (baseUrl, origin) => {
    expect(core({ baseUrl }).origin).toBe(origin)
  })

  it('reads stampIssued, clockTolerance and a key ring with ids', () => {
    const settings = core({ stampIssued: true, clockTolerance: 5, key: undefined, keys: [{ id: 'k1', secret: KEY }] })
    expect(settings).toMatchObject({ stampIssued: true, tolerance: 5 })
    expect(settings.ring.signingId).toBe('k1')
    expect(settings.ring.byId.get('k1')).toBe(KEY)
  })

  it.each([
    [{ baseUrl: 'ftp://x' }, /"baseUrl" must be an http\(s\) origin/],
    [{ baseUrl: 'https://x/path' }, /"baseUrl" must be an http\(s\) origin/],
    [{ baseUrl: 'https://user@x' }, /"baseUrl" must be an http\(s\) origin/],
    [{ bogus: 1 }, /unknown option "bogus"/],
  ])('refuses the signer option %p', (options, message) => {
    expect(() => core(options)).toThrow(message)
  })

  describe('when an option is bad', () => {
    it('names the factory and the option, never echoing a baseUrl that may be a secret', () => {
      const secretish = 'https://x/?token=abcdefghijklmnopqrstuvwxyz'
      expect(() => core({ baseUrl: secretish })).toThrow(
        new TypeError(
          `test: "baseUrl" must be an http(s) origin such as 'https://files.example.com', got a string of ${secretish.length} characters`,
        ),
      )
    })

    it.each([
      [{ stampIssued: 'yes' }, 'test: "stampIssued" must be a boolean, got "yes"'],
      [{ baseUrl: 5 }, 'test: "baseUrl" must be an http(s) origin such as \'https://files.example.com\', got a number'],
      [{ stampIssud: true }, 'test: unknown option "stampIssud". Did you mean "stampIssued"?'],
    ])('refuses %p with a TypeError', (options, message) => {
      expect(() => core(options)).toThrow(new TypeError(message))
    })

    it('refuses options that are not a plain object', () => {
      expect(() => readSignerSettings('test', new Map(), asText)).toThrow(/options must be a plain object/)
    })

    it('refuses an option the factory does not take, though another signer would', () => {
      expect(() => readSignerSettings('test', { key: KEY, baseUrl: 'https://x' }, asText, new Set(['key']))).toThrow(
        /unknown option "baseUrl"/,
      )
    })
  })
})
