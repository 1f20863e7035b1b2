// Lapsed entries swept a few at a time as a map is written: how the revocations' copy and the memory store's use
// budgets stay bounded without a write that walks the whole map.

/**
 * A sweep of lapsed entries spread over the writes: each call looks at two entries of the map, from where the last
 * call stopped (a Map's iterator survives deletes, and starts over once done or once given another map). Memory
 * stays bounded by the live entries plus those that lapsed since the sweep last passed, and no write walks the
 * whole map (which made a load of n revocations cost n^2).
 */
export function lapsedSweeper<V>(
  lapsed: (value: V, now: number) => boolean,
): (map: Map<string, V>, now: number) => void {
  let swept: Map<string, V> | undefined
  let at: Iterator<[string, V]> | undefined
  return (map, now) => {
    if (swept !== map) {
      swept = map
      at = undefined
    }
    for (let i = 0; i < 2 && map.size > 0; i++) {
      at ??= map.entries()
      const next = at.next()
      if (next.done === true) at = undefined
      else if (lapsed(next.value[1], now)) map.delete(next.value[0])
    }
  }
}
