// A load of the revocations' set: page after page of ZSCAN until the cursor comes back to 0, members that are not
// revocations left out, and the copy replaced only once the last page is in.
import { encodeRevocation, type Revocation } from '../../lib/store/revocation'
import { RevocationSet } from '../../lib/store/revocation-set'
import { loadRevocations } from '../../lib/store/redis-revocation-load'

const NOW = 1_800_000_000
const sig = (n: number) => `${String(n).padStart(8, '0')}${'A'.repeat(35)}`
const link = (n: number) => ({ path: 'a.png', expiresAt: NOW + 60, signature: sig(n) })
const revoked = (n: number): Revocation => ({ signature: sig(n), until: NOW + 100 })

describe('loadRevocations()', () => {
  it('asks for pages from the cursor Redis gives, until it gives 0, and loads every revocation among them', async () => {
    const pages: Record<string, [unknown, unknown[]]> = {
      '0': ['17', [encodeRevocation(revoked(1)), String(NOW + 100), '#seq', '-4']],
      // A client that maps replies to Buffers (typeMapping) gives the cursor and members as bytes.
      '17': [Buffer.from('0'), [Buffer.from(encodeRevocation(revoked(2))), Buffer.from(String(NOW + 100))]],
    }
    const asked: string[][] = []
    const set = new RevocationSet(() => NOW)
    await loadRevocations(
      (_key, args) => {
        asked.push(args)
        return Promise.resolve(pages[args[2]])
      },
      'p:revocations',
      set,
    )
    expect(asked).toEqual([
      ['ZSCAN', 'p:revocations', '0', 'COUNT', '1000'],
      ['ZSCAN', 'p:revocations', '17', 'COUNT', '1000'],
    ])
    expect([set.has(link(1)), set.has(link(2)), set.size]).toEqual([true, true, 2])
  })

  it('leaves out members that are not revocations: the count, text that is not JSON, JSON of something else', async () => {
    const set = new RevocationSet(() => NOW)
    const members = ['#seq', '-1', '{not json', '1', '{"signature":"short","until":1}', '1', '[1]', '1']
    await loadRevocations(() => Promise.resolve(['0', members]), 'k', set)
    expect(set.size).toBe(0)
  })

  it('replaces the copy: what the set no longer holds is gone, once the load is done', async () => {
    const set = new RevocationSet(() => NOW)
    set.add(revoked(1))
    await loadRevocations(() => Promise.resolve(['0', [encodeRevocation(revoked(2)), '1']]), 'k', set)
    expect([set.has(link(1)), set.has(link(2))]).toEqual([false, true])
  })

  it('rejects as the command does, and leaves the copy as it was', async () => {
    const set = new RevocationSet(() => NOW)
    set.add(revoked(1))
    let page = 0
    const failing = () =>
      page++ === 0
        ? Promise.resolve(['5', [encodeRevocation(revoked(2)), '1']])
        : Promise.reject(new Error('connection lost'))
    await expect(loadRevocations(failing, 'k', set)).rejects.toThrow('connection lost')
    expect([set.has(link(1)), set.has(link(2))]).toEqual([true, false])
  })
})
