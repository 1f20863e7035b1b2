// Flat byte ranges [start, end, ...]: how much of them a request asks for, and what is left once it has.
import { overlapOf, subtract } from '../../lib/store/claim-ranges'

describe('overlapOf()', () => {
  it.each([
    [[0, 100], 50, 150, 50],
    [[0, 100, 200, 300], 50, 250, 100],
    [[0, 100], 100, 200, 0],
    [[10, 20], 0, 1000, 10],
    [[], 0, 1000, 0],
  ])('of %j within [%d, %d) is %d bytes', (ranges, start, end, bytes) => {
    expect(overlapOf(ranges, start, end)).toBe(bytes)
  })
})

describe('subtract()', () => {
  it.each([
    [[0, 100], 25, 75, [0, 25, 75, 100]],
    [[0, 100], 0, 100, []],
    [[0, 100], 50, 500, [0, 50]],
    [[0, 100, 200, 300], 50, 250, [0, 50, 250, 300]],
    [[0, 100], 100, 200, [0, 100]],
  ])('%j less [%d, %d) is %j', (ranges, start, end, left) => {
    expect(subtract(ranges, start, end)).toEqual(left)
  })

  it('leaves the ranges it was given as they were', () => {
    const ranges = [0, 100]
    subtract(ranges, 0, 50)
    expect(ranges).toEqual([0, 100])
  })
})
