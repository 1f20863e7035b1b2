import { createSigner, requireSignature, signedStatic, signUrls } from 'express-signed-url'
import { KEY, SITE } from '../support/helpers'

const SHORT_SECRET = 'short-secret-123'
const OTHER = 'another-key-abcdefghij-abcdefghij-abcdefghij'

describe('bad options', () => {
  // One table of every bad option value the factories must refuse, with the message each must give.
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['no options', () => createSigner(undefined as never), /a secret is required: pass "key"/],
    [
      'options not an object (a key passed alone)',
      () => createSigner('secret' as never),
      /options must be an object, got a string of 6 characters/,
    ],
    ['no key', () => createSigner({} as never), /a secret is required/],
    ['key and keys', () => createSigner({ key: KEY, keys: [KEY] } as never), /either "key" or "keys", not both/],
    ['an empty key', () => createSigner({ key: '' }), /"key" must be at least 32 bytes, got 0/],
    ['a short key', () => createSigner({ key: SHORT_SECRET }), /"key" must be at least 32 bytes, got 16/],
    ['a short key in bytes', () => createSigner({ key: Buffer.alloc(31) }), /"key" must be at least 32 bytes, got 31/],
    [
      'a number key',
      () => createSigner({ key: 12345678 as never }),
      /"key" must be a string, a Buffer or a secret KeyObject, got a number/,
    ],
    ['a null key', () => createSigner({ key: null as never }), /"key" must not be null/],
    ['empty keys', () => createSigner({ keys: [] }), /"keys" must be a non-empty array of secrets/],
    [
      'keys not an array',
      () => createSigner({ keys: KEY as never }),
      /"keys" must be a non-empty array.*got a string of/,
    ],
    [
      'a short string as keys',
      () => createSigner({ keys: 'hunter2pass' as never }),
      /"keys" must be a non-empty array of secrets, newest first, got a string of 11 characters/,
    ],
    [
      'a short rotated key',
      () => createSigner({ keys: [KEY, SHORT_SECRET] }),
      /"keys\[1\]" must be at least 32 bytes, got 16/,
    ],
    [
      'a key id with a dot',
      () => createSigner({ keys: [{ id: 'a.b', secret: KEY }] }),
      /"keys\[0\].id" must be 1 to 32 characters of A-Z a-z 0-9 _ -, got "a.b"/,
    ],
    ['an empty key id', () => createSigner({ key: { id: '', secret: KEY } }), /"key.id" must be 1 to 32 characters/],
    [
      'a repeated key id',
      () =>
        createSigner({
          keys: [
            { id: 'k', secret: KEY },
            { id: 'k', secret: OTHER },
          ],
        }),
      /"keys\[1\].id" repeats the key id "k"/,
    ],
    [
      'a short secret with an id',
      () => createSigner({ keys: [{ id: 'k', secret: SHORT_SECRET }] }),
      /"keys\[0\].secret" must be at least 32 bytes, got 16/,
    ],
    [
      'a negative ttl',
      () => createSigner({ key: KEY, ttl: -5 }),
      /"ttl" must be a positive whole number of seconds or a string such as '10m', got -5/,
    ],
    ['a zero ttl', () => createSigner({ key: KEY, ttl: 0 }), /"ttl" must be a positive/],
    ['a fractional ttl', () => createSigner({ key: KEY, ttl: 2.5 }), /"ttl" must be a positive.*got 2.5/],
    ['a ttl in words', () => createSigner({ key: KEY, ttl: 'ten minutes' as never }), /"ttl".*got "ten minutes"/],
    [
      'a ttl above maxTtl',
      () => createSigner({ key: KEY, ttl: '2h', maxTtl: '1h' }),
      /"ttl" \(7200 s\) must not exceed "maxTtl" \(3600 s\)/,
    ],
    ['a NaN maxTtl', () => createSigner({ key: KEY, maxTtl: Number.NaN }), /"maxTtl" must be a positive.*got NaN/],
    [
      'a negative clockTolerance',
      () => createSigner({ key: KEY, clockTolerance: -1 }),
      /"clockTolerance" must be a whole number of seconds.*got -1/,
    ],
    [
      'a baseUrl with a path',
      () => createSigner({ key: KEY, baseUrl: 'https://cdn.example.com/files' }),
      /"baseUrl" must be an http\(s\) origin/,
    ],
    [
      'a baseUrl without scheme',
      () => createSigner({ key: KEY, baseUrl: 'cdn.example.com' }),
      /"baseUrl" must be an http\(s\) origin.*got a string of 15 characters/,
    ],
    ['a baseUrl with a query', () => createSigner({ key: KEY, baseUrl: 'https://cdn.example.com?x=1' }), /"baseUrl"/],
    [
      'a non-function now',
      () => createSigner({ key: KEY, now: 1234 as never }),
      /"now" must be a function returning milliseconds, got 1234/,
    ],
    [
      'a misspelt option',
      () => createSigner({ key: KEY, tll: 60 } as never),
      /unknown option "tll". Did you mean "ttl"\?/,
    ],
    ['an unknown option', () => createSigner({ key: KEY, algorithm: 'sha1' } as never), /unknown option "algorithm"$/],
    ['signUrls without options', () => signUrls(undefined as never), /signUrls: a secret is required/],
    ['signUrls with a short key', () => signUrls({ key: SHORT_SECRET }), /signUrls: "key" must be at least 32 bytes/],
    [
      'signUrls with a misspelt option',
      () => signUrls({ key: KEY, maxTTL: 60 } as never),
      /unknown option "maxTTL". Did you mean "maxTtl"\?/,
    ],
    [
      'signedStatic without a root',
      () => signedStatic(undefined as never, { key: KEY }),
      /signedStatic: "root" must be a folder path, got undefined/,
    ],
    ['signedStatic without a key', () => signedStatic(SITE, {} as never), /signedStatic: a secret is required/],
    [
      'signedStatic with signer and key',
      () => signedStatic(SITE, { signer: createSigner({ key: KEY }), key: KEY } as never),
      /either "signer" or signer options, not both: set "key" in createSigner\(\)/,
    ],
    [
      'signedStatic with signer and signer options',
      () => signedStatic(SITE, { signer: createSigner({ key: KEY }), clockTolerance: 300, maxTtl: 'bogus' } as never),
      /set "maxTtl", "clockTolerance" in createSigner\(\)/,
    ],
    [
      'requireSignature with signer and now',
      () => requireSignature({ signer: createSigner({ key: KEY }), now: Date.now } as never),
      /set "now" in createSigner\(\)/,
    ],
    [
      'signedStatic with a string signer',
      () => signedStatic(SITE, { signer: 's3cr3t-k3y' as never }),
      /"signer" must come from createSigner\(\), got a string of 10 characters/,
    ],
    [
      'signedStatic with extensions',
      () => signedStatic(SITE, { key: KEY, extensions: ['pdf'] } as never),
      /"extensions" is not supported: a link must name the exact file/,
    ],
    [
      'signedStatic with a non-signer',
      () => signedStatic(SITE, { signer: {} as never }),
      /"signer" must come from createSigner\(\)/,
    ],
    [
      'signedStatic with status 401',
      () => signedStatic(SITE, { key: KEY, status: 401 as never }),
      /"status" must be one of 403, 404, got 401/,
    ],
    [
      'signedStatic with expiredStatus 500',
      () => signedStatic(SITE, { key: KEY, expiredStatus: 500 as never }),
      /"expiredStatus" must be one of 403, 404, 410, got 500/,
    ],
    [
      'signedStatic with a non-function onReject',
      () => signedStatic(SITE, { key: KEY, onReject: 'deny' as never }),
      /"onReject" must be a function, got "deny"/,
    ],
    [
      'signedStatic with a non-function setHeaders',
      () => signedStatic(SITE, { key: KEY, setHeaders: true as never }),
      /"setHeaders" must be a function, got true/,
    ],
    [
      'signedStatic with a misspelt option',
      () => signedStatic(SITE, { key: KEY, dotFiles: 'allow' } as never),
      /unknown option "dotFiles". Did you mean "dotfiles"\?/,
    ],
    [
      'signedStatic with bad serve-static dotfiles',
      () => signedStatic(SITE, { key: KEY, dotfiles: 'show' as never }),
      /"dotfiles" must be 'allow', 'deny' or 'ignore', got "show"/,
    ],
    [
      'signedStatic with a bad index',
      () => signedStatic(SITE, { key: KEY, index: 3 as never }),
      /"index" must be false, a string or an array of strings, got 3/,
    ],
    [
      'signedStatic with a string etag',
      () => signedStatic(SITE, { key: KEY, etag: 'yes' as never }),
      /"etag" must be a boolean, got "yes"/,
    ],
    ['requireSignature without a key', () => requireSignature({} as never), /requireSignature: a secret is required/],
    [
      'requireSignature with a static option',
      () => requireSignature({ key: KEY, maxAge: 60 } as never),
      /requireSignature: unknown option "maxAge"/,
    ],
  ]

  it.each(cases)('throws a TypeError for %s', (_what, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  it.each(['hunter2-but-a-bit-longer', 'hunter2', 'k'])(
    'never puts a secret (%j) in a message, wherever it is passed',
    (secret) => {
      const messages: string[] = []
      for (const make of [
        () => createSigner({ key: secret }),
        () => createSigner({ keys: [KEY, secret] }),
        () => createSigner({ keys: secret as never }),
        () => createSigner(secret as never),
        () => createSigner({ key: KEY, baseUrl: secret }),
        () => signedStatic(SITE, { key: secret }),
        () => signedStatic(SITE, { signer: secret as never }),
        () => signUrls({ keys: [secret] }),
        () => signUrls(secret as never),
      ]) {
        try {
          make()
        } catch (err) {
          messages.push((err as Error).message)
        }
      }
      expect(messages).toHaveLength(9)
      for (const message of messages) expect(message).not.toContain(`"${secret}"`)
      if (secret.length > 1) expect(messages.join('\n')).not.toContain(secret)
    },
  )

  it.each([
    ['a null option', () => createSigner({ key: KEY, stableFor: null as never }), /"stableFor" must not be null/],
    ['a null maxTtl', () => createSigner({ key: KEY, maxTtl: null as never }), /"maxTtl" must not be null/],
    ['a null onReject', () => signedStatic('x', { key: KEY, onReject: null as never }), /"onReject" must not be null/],
    [
      'a signer with options beside it',
      () => signUrls({ ...createSigner({ key: KEY }), ttl: '5m' } as never),
      /give either a signer or signer options, not both: set "ttl"/,
    ],
    [
      'a key entry with kid for id',
      () => createSigner({ key: { kid: 'k1', secret: KEY } as never }),
      /takes \{ id, secret \}, not "kid" \(did you mean "id"\?\)/,
    ],
    ['a key of U+FFFD (bytes that were not UTF-8)', () => createSigner({ key: '\ufffd'.repeat(11) }), /holds U\+FFFD/],
    ['a key with a lone surrogate', () => createSigner({ key: `${KEY}\ud800` }), /lone surrogate/],
  ])('throws a TypeError for %s', (_name, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  it("does not write into the caller's options", () => {
    const options = Object.freeze({ key: KEY, ttl: 60 })
    expect(() => signedStatic(SITE, options)).not.toThrow()
    expect(() => signUrls(options)).not.toThrow()
    expect(options).toEqual({ key: KEY, ttl: 60 })
  })
})
