import { spellsSignedField } from '../../lib/link/field-spelling'

const FIELDS = ['expiry', 'method', 'signature', 'kid', 'scope']
const spells = (name: string) => spellsSignedField(`x=1&${name}=2`, 4, 4 + name.length, FIELDS)

describe('field-spelling', () => {
  it.each(['%65xpiry', '[expiry]', 'expiry[]', 'expiry[%0A]', '.kid', 'kid.x', 'Method', 'SCOPE', '%5Bsignature%5D'])(
    'reads %j as a signed field',
    (name) => {
      expect(spells(name)).toBe(true)
    },
  )

  it.each(['expiry2', 'kids', 'scoped', 'method_', 'x-kid', 'sig', 'e%78piry2', ''])(
    'reads %j as another name',
    (name) => {
      expect(spells(name)).toBe(false)
    },
  )

  it('knows only the fields it is given', () => {
    expect(spellsSignedField('[nbf]', 0, 5, FIELDS)).toBe(false)
    expect(spellsSignedField('[nbf]', 0, 5, [...FIELDS, 'nbf'])).toBe(true)
  })
})
