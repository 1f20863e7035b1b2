import { createKeyRing, isKeyId, parseKeyList, type KeyMaterial } from '../../lib/crypto/keys'
import { KEY, OTHER_KEY } from '../support/helpers'

// Keys as their text, so a test can see which secret went where.
const asText = (material: KeyMaterial) => Buffer.from(material.bytes!).toString()
const ring = (options: { key?: unknown; keys?: unknown }) => createKeyRing('test', options, asText)

describe('keys', () => {
  describe('isKeyId()', () => {
    it.each(['a', 'k1', '2026-11_a', 'A'.repeat(32), 'constructor', '__proto__'])('accepts %j', (id) => {
      expect(isKeyId(id)).toBe(true)
    })
    it.each(['', 'A'.repeat(33), 'a.b', 'a b', 'a:b', 'a%62', 'é', 'a/b', 'a=b', 'a&b'])('refuses %j', (id) => {
      expect(isKeyId(id)).toBe(false)
    })
  })

  describe('createKeyRing()', () => {
    it('signs with the first key and verifies with every key, by id or in turn', () => {
      const keys = ring({ keys: [{ id: 'new', secret: KEY }, OTHER_KEY, { id: 'old', secret: OTHER_KEY }] })
      expect(keys).toMatchObject({ signing: KEY, signingId: 'new', anonymous: [OTHER_KEY] })
      expect([...keys.byId]).toEqual([
        ['new', KEY],
        ['old', OTHER_KEY],
      ])
      expect(ring({ key: KEY })).toMatchObject({ signing: KEY, signingId: undefined, anonymous: [KEY] })
    })

    it('keeps ids named like Object.prototype properties apart from them', () => {
      const keys = ring({ keys: [{ id: 'constructor', secret: KEY }] })
      expect(keys.byId.get('constructor')).toBe(KEY)
      expect(keys.byId.get('toString')).toBeUndefined()
    })

    it.each([
      [{}, /a secret is required/],
      [{ key: KEY, keys: [KEY] }, /either "key" or "keys"/],
      [{ keys: [] }, /non-empty array/],
      [{ key: 'short' }, /"key" must be at least 32 bytes, got 5/],
      [{ keys: [KEY, { id: 'a.b', secret: KEY }] }, /id/],
      [
        {
          keys: [
            { id: 'a', secret: KEY },
            { id: 'a', secret: OTHER_KEY },
          ],
        },
        /repeats the key id "a"/,
      ],
      [{ key: 42 }, /"key"/],
    ])('throws a TypeError naming the option for %j, never quoting a secret', (options, message) => {
      expect(() => ring(options)).toThrow(message)
      try {
        ring(options)
      } catch (err) {
        expect(err).toBeInstanceOf(TypeError)
        expect((err as Error).message).not.toContain(KEY)
      }
    })
  })

  describe('parseKeyList()', () => {
    it('reads plain secrets and id:secret entries, newest first, spaces around entries dropped', () => {
      expect(parseKeyList(` ${KEY} , k1:${OTHER_KEY}`)).toEqual([KEY, { id: 'k1', secret: OTHER_KEY }])
    })

    it.each([
      ['', /non-empty list/],
      [`${KEY},`, /entry 2 is empty/],
      [`a.b:${KEY}`, /entry 1 has a ':' after something that is not a key id/],
    ])('refuses %j with the entry position and no key text', (text, message) => {
      expect(() => parseKeyList(text, 'SIGNING_KEYS')).toThrow(message)
      expect(() => parseKeyList(text, 'SIGNING_KEYS')).not.toThrow(KEY)
    })
  })
})
