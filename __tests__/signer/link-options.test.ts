import { runInNewContext } from 'node:vm'
import { createSigner } from 'express-signed-url'
import { createWebSigner } from 'express-signed-url/web'
import { KEY } from '../support/helpers'
import { checkVerifyOptions, extensionFields, grantOptionsOf, signOptionsOf } from '../../lib/signer/link-options'

describe('link-options', () => {
  it('names an unknown option of sign, with the closest known one', () => {
    expect(() => signOptionsOf({ tll: 5, ip: '1.2.3.4' })).toThrow('sign: unknown option "tll". Did you mean "ttl"?')
    expect(() => signOptionsOf({ filname: 'a.pdf' })).toThrow('Did you mean "filename"?')
    expect(() => signOptionsOf({ notbefore: 1 })).toThrow('Did you mean "notBefore"?')
    expect(() => signOptionsOf({ stablefor: '1m' })).toThrow('Did you mean "stableFor"?')
    expect(() => signOptionsOf({ zzzzzz: 1 })).toThrow(/unknown option "zzzzzz"$/)
  })

  it('takes only ttl and expiresAt for a grant', () => {
    expect(() => grantOptionsOf({ ttl: 5, expiresAt: undefined })).not.toThrow()
    expect(() => grantOptionsOf({ ip: '1.2.3.4' })).toThrow('grant: unknown option "ip"')
    expect(() => grantOptionsOf({ scope: 'prefix' })).toThrow('grant: unknown option "scope"')
  })

  it('refuses options that are not an object', () => {
    expect(() => signOptionsOf('1h')).toThrow('sign: options must be an object')
    expect(() => grantOptionsOf([1])).toThrow('grant: options must be an object')
  })

  it('refuses objects that are not plain, whose settings the name check cannot see', () => {
    class Options {
      ip = '10.0.0.1'
    }
    for (const value of [new Map([['ip', '10.0.0.1']]), new Date(), new Options(), Object.create({ tll: 5 })])
      expect(() => signOptionsOf(value)).toThrow('sign: options must be a plain object')
    expect(signOptionsOf(Object.assign(Object.create(null), { ttl: 5 }))).toEqual({ ttl: 5 })
    // An object literal from another realm (a vm context, a frame) is a plain object there.
    expect(signOptionsOf(runInNewContext('({ ttl: 5 })'))).toEqual({ ttl: 5 })
    expect(() => signOptionsOf(runInNewContext('new Map()'))).toThrow('must be a plain object')
  })

  it('builds only the fields asked for', () => {
    expect(extensionFields({}, 2000)).toStrictEqual({})
    expect(extensionFields({ filename: 'a.pdf' }, 2000)).toStrictEqual({ disposition: 'attachment', filename: 'a.pdf' })
    expect(extensionFields({ notBefore: 1000, ip: '::1' }, 2000)).toStrictEqual({ notBefore: 1000, ip: '::1' })
  })

  it('refuses null, and names the check cannot see (not enumerable, or inherited from a fake prototype)', () => {
    expect(() => signOptionsOf({ stableFor: null })).toThrow('sign: "stableFor" must not be null')
    expect(() => signOptionsOf(Object.defineProperty({}, 'filenmae', { value: 'a.pdf' }))).toThrow(
      'unknown option "filenmae". Did you mean "filename"?',
    )
    const fake = Object.create(Object.assign(Object.create(null), { hasOwnProperty: 1, filenme: 'a.pdf' })) as object
    expect(() => signOptionsOf(fake)).toThrow('must be a plain object')
  })

  it("checks verify's options on both signers, on the fast path of a plain link too", async () => {
    const signer = createSigner({ key: KEY })
    const web = createWebSigner({ key: KEY })
    const link = signer.sign('a.png')
    expect(() => signer.verify(link, { Method: 'DELETE' } as never)).toThrow('verify: unknown option "Method"')
    expect(() => signer.verify(signer.sign('a.png', { ip: '::1' }), { Method: 'DELETE' } as never)).toThrow('verify')
    expect(() => web.verify(link, { Method: 'DELETE' } as never)).toThrow('verify: unknown option "Method"')
    expect(signer.verify(link, { method: 'GET' })).toMatchObject({ ok: true })
    expect(await web.verify(link, { method: 'GET' })).toMatchObject({ ok: true })
  })

  it('checks the options of verify too: a misspelt Method must not verify for every method', () => {
    expect(() => checkVerifyOptions({ Method: 'DELETE' })).toThrow(
      'verify: unknown option "Method". Did you mean "method"?',
    )
    expect(() => checkVerifyOptions('PUT')).toThrow('verify: options must be an object')
    expect(() => checkVerifyOptions(new Map([['method', 'DELETE']]))).toThrow('verify: options must be a plain object')
    expect(() => checkVerifyOptions({ method: 'GET', grants: undefined, ip: '::1' })).not.toThrow()
  })

  it('refuses a notBefore at or after the expiry, or not Unix seconds', () => {
    expect(() => extensionFields({ notBefore: 2000 }, 2000)).toThrow('"notBefore" (2000) must come before')
    expect(() => extensionFields({ notBefore: 1.5 }, 2000)).toThrow('"notBefore" must be a Date or whole Unix seconds')
    expect(() => extensionFields({ notBefore: new Date(NaN) }, 2000)).toThrow('"notBefore" must be a Date')
    expect(() => extensionFields({ notBefore: 1767225600000 }, 2000)).toThrow('looks like milliseconds')
  })

  it('refuses a download name on a folder link', () => {
    expect(() => extensionFields({ scope: 'prefix', disposition: 'inline' }, 2000)).toThrow(
      '"filename" and "disposition" are for one file',
    )
  })
})
