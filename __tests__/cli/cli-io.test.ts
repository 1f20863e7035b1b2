// The command line's I/O contract (cli-io.ts): where main() writes, and the clock it reads.
import type { Io, Out } from '../../lib/cli/cli-io'
import { main } from '../../lib/cli'
import { NOW_MS } from '../support/helpers'

const KEY = 'cli-io-test-key-0123456789-0123456789-0123456789'

function recorder(now?: () => number): Io & { lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] }
  return { lines, out: (l) => lines.out.push(l), err: (l) => lines.err.push(l), ...(now ? { now } : {}) }
}

describe('Io', () => {
  it('takes results on out and refusals on err, nothing crossing over', () => {
    const io = recorder(() => NOW_MS)
    expect(main(['sign', 'a.png'], { SIGNING_KEY: KEY }, io)).toBe(0)
    expect(io.lines.out).toHaveLength(1)
    expect(io.lines.err).toEqual([])
    const refused = recorder(() => NOW_MS)
    expect(main(['verify', '/a.png?expiry=1&method=get&signature=x'], { SIGNING_KEY: KEY }, refused)).not.toBe(0)
    expect(refused.lines.out).toEqual([])
    expect(refused.lines.err.join('\n')).toMatch(/refused|malformed|expired/i)
  })

  it('gives main its clock: the expiry follows `now`, in seconds', () => {
    for (const at of [NOW_MS, NOW_MS + 3_600_000]) {
      const io = recorder(() => at)
      main(['sign', 'a.png', '--ttl', '60'], { SIGNING_KEY: KEY }, io)
      expect(io.lines.err).toEqual([])
      expect(io.lines.out[0]).toContain(`expiry=${at / 1000 + 60}&`)
    }
  })

  it('types: an Out is two line writers; `now` is optional on an Io and returns milliseconds', () => {
    const out: Out = { out: () => undefined, err: () => undefined }
    const io: Io = out
    // @ts-expect-error a clock returns a number of milliseconds, not a Date
    const wrong: Io = { ...out, now: () => new Date() }
    // @ts-expect-error an Out needs both writers
    const half: Out = { out: () => undefined }
    expect([io, wrong, half]).toHaveLength(3)
  })
})
