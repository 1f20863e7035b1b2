// The revoked links' table (SignatureTable): every live entry found with its lapse, nothing found that was never
// added, lapsed entries dropped a few per sweep, and other strings (not 43 ASCII characters) kept as well.
import { SignatureTable } from '../../lib/store/signature-table'
import { random } from '../support/random'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const signature = (next: () => number) => Array.from({ length: 43 }, () => ALPHABET[Math.floor(next() * 64)]).join('')

describe('SignatureTable', () => {
  it('finds what was set, with its latest value, and nothing else', () => {
    const table = new SignatureTable()
    const sig = `${'A'.repeat(42)}B`
    expect(table.get(sig)).toBeUndefined()
    table.set(sig, 100)
    table.set(sig, 300)
    expect([table.get(sig), table.size]).toEqual([300, 1])
    // One character off, anywhere: another signature.
    for (const at of [0, 20, 42]) expect(table.get(`${sig.slice(0, at)}C${sig.slice(at + 1)}`)).toBeUndefined()
  })

  it('keeps strings that are not 43 ASCII characters too, apart', () => {
    const table = new SignatureTable()
    const odd = ['short', 'x'.repeat(44), `${'é'.repeat(43)}`, `${'A'.repeat(42)}\u0141`]
    odd.forEach((s, i) => table.set(s, i + 1))
    expect(odd.map((s) => table.get(s))).toEqual([1, 2, 3, 4])
    // \u0141 is not 'A' + 0x100: no byte of the table is taken for a wider character.
    expect(table.get(`${'A'.repeat(42)}A`)).toBeUndefined()
    expect(table.size).toBe(4)
  })

  it.each([1, 2, 3])('agrees with a Map over random adds, lapses and sweeps (seed %i)', (seed) => {
    const next = random(seed)
    const table = new SignatureTable()
    const model = new Map<string, number>()
    const never = Array.from({ length: 200 }, () => signature(next))
    let now = 1000
    for (let step = 0; step < 20_000; step++) {
      const roll = next()
      if (roll < 0.6) {
        const sig =
          model.size > 0 && next() < 0.1 ? [...model.keys()][Math.floor(next() * model.size)] : signature(next)
        const until = now + 1 + Math.floor(next() * 50)
        model.set(sig, until)
        table.set(sig, until)
        table.sweep(now)
      } else if (roll < 0.65) now += 5
      else {
        const keys = [...model.keys()]
        const sig = keys[Math.floor(next() * keys.length)]
        const until = model.get(sig) as number
        // A live one is there; a lapsed one may be, until a sweep passes it.
        if (until > now) expect(table.get(sig)).toBe(until)
        else expect([undefined, until]).toContain(table.get(sig))
      }
    }
    for (const sig of never) expect(table.get(sig)).toBeUndefined()
    for (const [sig, until] of model) if (until > now) expect(table.get(sig)).toBe(until)
    // Sweeps drop the lapsed: what is left is the live ones and a few not yet passed.
    const live = [...model.values()].filter((until) => until > now).length
    for (let i = 0; i < model.size; i++) table.sweep(now)
    expect(table.size).toBe(live)
  })

  it('drops lapsed entries a few per sweep, however many there are', () => {
    const next = random(9)
    const table = new SignatureTable()
    const gone = Array.from({ length: 1000 }, () => signature(next))
    for (const sig of gone) table.set(sig, 10)
    const kept = Array.from({ length: 1000 }, () => signature(next))
    for (const sig of kept) {
      table.set(sig, 100)
      table.sweep(20)
    }
    expect(table.size).toBe(1000)
    expect(gone.filter((sig) => table.get(sig) !== undefined)).toEqual([])
    expect(kept.every((sig) => table.get(sig) === 100)).toBe(true)
  })

  it('holds a hundred thousand, and finds each', () => {
    const next = random(4)
    const table = new SignatureTable()
    const sigs = Array.from({ length: 100_000 }, () => signature(next))
    sigs.forEach((sig, i) => table.set(sig, i))
    expect(table.size).toBe(100_000)
    expect(sigs.every((sig, i) => table.get(sig) === i)).toBe(true)
  })
})
