// Byte ranges kept flat, [start, end, start, end, ...]: a budget's claims, and what a request asks for of them.

/** How many bytes of the ranges lie within [start, end). */
export function overlapOf(claims: readonly number[], start: number, end: number): number {
  let total = 0
  for (let i = 0; i < claims.length; i += 2) {
    const from = Math.max(claims[i], start)
    const to = Math.min(claims[i + 1], end)
    if (to > from) total += to - from
  }
  return total
}

/** The ranges less [start, end): a claim asked for again is used up, whatever of it was credited. */
export function subtract(claims: readonly number[], start: number, end: number): number[] {
  const left: number[] = []
  for (let i = 0; i < claims.length; i += 2) {
    const [from, to] = [claims[i], claims[i + 1]]
    if (to <= start || from >= end) left.push(from, to)
    else {
      if (from < start) left.push(from, start)
      if (to > end) left.push(end, to)
    }
  }
  return left
}
