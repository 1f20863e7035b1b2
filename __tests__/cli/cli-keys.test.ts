import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { keyOptions, readKeys } from '../../lib/cli/cli-keys'

const KEY = 'cli-test-key-0123456789-0123456789-0123456789'
const OTHER = 'cli-other-key-0123456789-0123456789-012345678'

describe('cli-keys', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-keys-'))
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const file = (name: string, bytes: Uint8Array | string) => {
    const at = path.join(dir, name)
    fs.writeFileSync(at, bytes)
    return at
  }

  describe('readKeys()', () => {
    it('reads SIGNING_KEY as the one key, with --key-id as its id', () => {
      expect(readKeys(undefined, undefined, { SIGNING_KEY: KEY })).toEqual([KEY])
      expect(readKeys(undefined, 'k1', { SIGNING_KEY: KEY })).toEqual([{ id: 'k1', secret: KEY }])
    })

    it.each([
      ['a newline', '\n'],
      ['a CRLF', '\r\n'],
    ])('reads --key-file as its bytes without one trailing %s', (_what, ending) => {
      const [secret] = readKeys(file('ending.key', `${KEY}${ending}`), undefined, {})
      expect(Buffer.from(secret as Uint8Array).toString('utf8')).toBe(KEY)
    })

    it('keeps every other byte of --key-file, those that are not UTF-8 too', () => {
      const bytes = Buffer.concat([Buffer.from(KEY), Buffer.from([0xff, 0xfe, 0x0a, 0x0a])])
      const [secret] = readKeys(file('binary.key', bytes), undefined, {})
      expect(Buffer.from(secret as Uint8Array)).toEqual(bytes.subarray(0, -1))
    })

    it('reads SIGNING_KEYS as the guards do: newest first, each secret or id:secret', () => {
      expect(readKeys(undefined, undefined, { SIGNING_KEYS: `new:${KEY},${OTHER}` })).toEqual([
        { id: 'new', secret: KEY },
        OTHER,
      ])
    })

    describe('when the key is given twice, or not at all', () => {
      it.each([
        [
          { SIGNING_KEYS: KEY, SIGNING_KEY: KEY },
          undefined,
          'give the key once: SIGNING_KEYS, SIGNING_KEY or --key-file',
        ],
        [{ SIGNING_KEY: KEY }, 'file', 'give the key once: SIGNING_KEY or --key-file, not both'],
        [{}, undefined, 'no key: set SIGNING_KEY or SIGNING_KEYS, or pass --key-file <file>'],
      ])('refuses %j (key file: %s)', (env, keyFile, message) => {
        const at = keyFile === undefined ? undefined : file('twice.key', KEY)
        expect(() => readKeys(at, undefined, env)).toThrow(message)
      })

      it('refuses --key-file beside SIGNING_KEYS, and --key-id with a ring', () => {
        expect(() => readKeys(file('ring.key', KEY), undefined, { SIGNING_KEYS: KEY })).toThrow(/give the key once/)
        expect(() => readKeys(undefined, 'k1', { SIGNING_KEYS: KEY })).toThrow(
          '--key-id is for one key: SIGNING_KEYS names its ids as id:secret',
        )
      })
    })

    it('passes on the error of a key file that cannot be read', () => {
      expect(() => readKeys(path.join(dir, 'missing.key'), undefined, {})).toThrow(/ENOENT/)
    })
  })

  describe('keyOptions()', () => {
    it('gives one key as key, and a ring as keys', () => {
      expect(keyOptions([KEY])).toEqual({ key: KEY })
      expect(keyOptions([{ id: 'a', secret: KEY }, OTHER])).toEqual({ keys: [{ id: 'a', secret: KEY }, OTHER] })
    })
  })
})
