// The sweep of lapsed entries spread over writes: two entries looked at per call, from where the last call stopped.
import { lapsedSweeper } from '../../lib/store/lapsed-sweeper'

const mapOf = (untils: number[]) => new Map(untils.map((until, i) => [`k${i}`, until]))

describe('lapsedSweeper()', () => {
  const sweeper = () => lapsedSweeper<number>((until, now) => until <= now)

  it('looks at two entries a call, deleting those lapsed, and goes on from where it stopped', () => {
    const sweep = sweeper()
    const map = mapOf([1, 1, 9, 1, 1])
    sweep(map, 5)
    expect([...map.keys()]).toEqual(['k2', 'k3', 'k4'])
    sweep(map, 5)
    expect([...map.keys()]).toEqual(['k2', 'k4'])
    sweep(map, 5)
    expect([...map.keys()]).toEqual(['k2'])
  })

  it('keeps entries that have not lapsed, however often it passes', () => {
    const sweep = sweeper()
    const map = mapOf([10, 20, 30])
    for (let i = 0; i < 10; i++) sweep(map, 10)
    expect([...map.keys()]).toEqual(['k1', 'k2'])
  })

  it('starts over once given another map', () => {
    const sweep = sweeper()
    const first = mapOf([9, 9, 1])
    sweep(first, 5)
    const second = mapOf([1, 9, 9])
    sweep(second, 5)
    expect([...second.keys()]).toEqual(['k1', 'k2'])
    expect(first.size).toBe(3)
  })

  it('does nothing to an empty map', () => {
    const map = new Map<string, number>()
    sweeper()(map, 5)
    expect(map.size).toBe(0)
  })
})
