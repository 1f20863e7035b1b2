// A process's copy of the revocations (RevocationSet): loads that keep what arrives while they run, writes whose
// cost does not grow with the copy, and folders whose lists stay short however often they are revoked.
import type { Revocation } from '../../lib/store/revocation'
import { RevocationSet } from '../../lib/store/revocation-set'

const NOW = 1_800_000_000
const sig = (n: number) => `${String(n).padStart(8, '0')}${'A'.repeat(35)}`
const link = (n: number, path = 'private/a.png', issued?: number) => ({
  path,
  expiresAt: NOW + 60,
  issued,
  signature: sig(n),
})

// Steps of every Map iterator while `work` runs: what a write costs in walks over the copy.
function iteratorSteps(work: () => void): number {
  const proto = Object.getPrototypeOf(new Map().entries()) as { next: () => unknown }
  const next = proto.next
  let steps = 0
  proto.next = function (this: unknown) {
    steps++
    return next.call(this)
  }
  try {
    work()
  } finally {
    proto.next = next
  }
  return steps
}

describe('RevocationSet', () => {
  let clock = NOW
  beforeEach(() => (clock = NOW))
  const set = () => new RevocationSet(() => clock)

  it('keeps, through a load, every revocation added while it ran (they are in neither the list nor lost)', () => {
    const copy = set()
    copy.add({ signature: sig(1), until: NOW + 100 })
    const load = copy.load()
    // Redis read the list (without 2) before 2 was published; the message arrives before the load ends.
    load.put([
      { signature: sig(1), until: NOW + 100 },
      { signature: sig(3), until: NOW + 100 },
    ])
    copy.add({ signature: sig(2), until: NOW + 100 })
    expect(copy.has(link(2))).toBe(true)
    load.put([{ folder: 'private/', issuedBefore: NOW - 10, until: NOW + 100 }])
    load.finish()
    expect([1, 2, 3].map((n) => copy.has(link(n, 'public/a.png')))).toEqual([true, true, true])
    expect(copy.has(link(9, 'private/a.png', NOW - 20))).toBe(true)
  })

  it('drops, at a load, what the loaded list no longer holds, and what lapsed', () => {
    const copy = set()
    copy.add({ signature: sig(1), until: NOW + 100 })
    copy.replace([
      { signature: sig(2), until: NOW + 100 },
      { signature: sig(3), until: NOW },
    ])
    expect([1, 2, 3].map((n) => copy.has(link(n)))).toEqual([false, true, false])
    expect(copy.size).toBe(1)
  })

  it('refuses to finish a load that another took the place of', () => {
    const copy = set()
    const first = copy.load()
    const second = copy.load()
    expect(() => first.finish()).toThrow(/another load/)
    second.finish()
  })

  it('costs each add the same whatever the size of the copy (a load of n is linear, not n^2)', () => {
    const copy = set()
    const n = 5000
    const steps = iteratorSteps(() => {
      for (let i = 0; i < n; i++) copy.add({ signature: sig(i), until: NOW + 100 })
    })
    // Two sweep steps per add at most (the whole-map walk per add took n^2 / 2 = 12.5 million).
    expect(steps).toBeLessThanOrEqual(2 * n + 2)
    expect(copy.size).toBe(n)
    const loadSteps = iteratorSteps(() =>
      copy.replace(Array.from({ length: n }, (_, i): Revocation => ({ signature: sig(i), until: NOW + 100 }))),
    )
    expect(loadSteps).toBeLessThanOrEqual(2 * n)
  })

  it('sweeps lapsed links as others are added: memory stays bounded by the live ones', () => {
    const copy = set()
    for (let i = 0; i < 1000; i++) copy.add({ signature: sig(i), until: NOW + 10 })
    clock = NOW + 11
    for (let i = 1000; i < 2000; i++) copy.add({ signature: sig(i), until: NOW + 100 })
    // Each add looks at two: the first thousand have been looked at, and gone.
    expect(copy.size).toBeLessThanOrEqual(1000 + 2)
    expect(copy.has(link(1500))).toBe(true)
    expect(copy.has(link(5))).toBe(false)
  })

  it('keeps one revocation per folder when each later one covers the earlier (revoked 10,000 times)', () => {
    const copy = set()
    for (let i = 0; i < 10_000; i++)
      copy.add({ folder: 'private/', issuedBefore: NOW - 10_000 + i, until: NOW + 3600 + i })
    expect(copy.size).toBe(1)
    expect(copy.has(link(1, 'private/a.png', NOW - 2))).toBe(true)
    expect(copy.has(link(1, 'private/a.png', NOW))).toBe(false)
  })

  it('keeps the revocations of a folder that no other covers, and each still takes back what it did', () => {
    const copy = set()
    const revocations: Revocation[] = [
      // A later issuedBefore that lapses sooner does not cover the earlier one, nor the other way.
      { folder: 'private/', issuedBefore: NOW - 100, until: NOW + 7200 },
      { folder: 'private/', issuedBefore: NOW - 10, until: NOW + 60 },
      { folder: 'private/', expiringBefore: NOW + 30, until: NOW + 600 },
      // Covered by the first: dropped.
      { folder: 'private/', issuedBefore: NOW - 200, until: NOW + 3600 },
    ]
    for (const r of revocations) copy.add(r)
    expect(copy.size).toBe(3)
    expect(copy.has(link(1, 'private/a.png', NOW - 50))).toBe(true)
    clock = NOW + 61
    expect(copy.has(link(1, 'private/a.png', NOW - 150))).toBe(true)
    expect(copy.has(link(1, 'private/a.png', NOW - 50))).toBe(false)
    expect(copy.has({ ...link(1, 'private/a.png', NOW - 5), expiresAt: NOW + 20 })).toBe(true)
  })

  it('drops folders whose revocations all lapsed as others are added (200 per-user folders, an hour each)', () => {
    const copy = set()
    for (let i = 0; i < 200; i++) copy.add({ folder: `users/${i}/`, issuedBefore: NOW, until: NOW + 3600 })
    clock = NOW + 3601
    for (let i = 0; i < 120; i++) copy.add({ signature: sig(i), until: NOW + 7200 })
    // Two folders looked at per add: all 200 gone.
    expect(copy.size).toBe(120)
  })

  it("keeps a folder's list short however it is revoked, taking back at least what each did, as long", () => {
    const copy = set()
    // Later and later issuedBefore with ever shorter lapses: none covers another.
    const revocations = Array.from({ length: 2000 }, (_, i): Revocation => ({
      folder: 'private/',
      issuedBefore: NOW - 4000 + i,
      until: NOW + 4000 - i,
    }))
    const steps = iteratorSteps(() => revocations.forEach((r) => copy.add(r)))
    expect(copy.size).toBeLessThanOrEqual(9)
    expect(steps).toBeLessThan(100 * revocations.length)
    // Each link any of them took back is still taken back, for at least as long.
    for (const r of revocations.filter((_, i) => i % 97 === 0)) {
      const issued = (r as { issuedBefore: number }).issuedBefore
      clock = r.until - 1
      expect(copy.has(link(1, 'private/a.png', issued))).toBe(true)
      clock = NOW
    }
  })
})
