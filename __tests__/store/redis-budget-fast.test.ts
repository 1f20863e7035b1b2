// The short ways of the budget scripts, checked as text in Node (they run on a real Redis, against the rules, in
// engines/use-budget-whole.engine.ts): they touch only the link's hash, read only arguments the full scripts are
// sent, close their blocks, and come first in the full scripts (after SETTLE's "nothing for a lapsed budget").
import { SETTLE_WHOLE, TAKE_WHOLE } from '../../lib/store/redis-budget-fast'
import { SETTLE, TAKE } from '../../lib/store/redis-budget-scripts'
import { LEASE_SECONDS } from '../../lib/store/use-budget'

// The key of every redis.call and redis.pcall but TIME.
const keysTouched = (script: string) =>
  [...script.matchAll(/redis\.p?call\('(\w+)'(?:, ([^,)]+))?/g)].filter((m) => m[1] !== 'TIME').map((m) => m[2])
const argvRead = (script: string) => [...new Set([...script.matchAll(/ARGV\[(\d+)\]/g)].map((m) => Number(m[1])))]
const count = (script: string, pattern: RegExp) => (script.match(pattern) ?? []).length

describe.each([
  ['TAKE_WHOLE', TAKE_WHOLE, TAKE, 8],
  ['SETTLE_WHOLE', SETTLE_WHOLE, SETTLE, 9],
])('%s', (_name, fast, full, arguments_) => {
  it('touches only KEYS[1], the link’s hash, and reads it with pcall (a plain number goes to the full script)', () => {
    expect(new Set(keysTouched(fast))).toEqual(new Set(['KEYS[1]']))
    expect(fast).toMatch(/redis\.pcall\('HMGET', KEYS\[1\]/)
    expect(fast).toContain('if f.err == nil and ')
  })

  it('reads only arguments the full script is sent', () => {
    for (const n of argvRead(fast)) expect(n).toBeLessThanOrEqual(arguments_)
  })

  it('has its constants written in and its blocks closed, and answers only from inside them', () => {
    expect(fast).not.toContain('${')
    expect(count(fast, /\bend\b/g)).toBe(count(fast, /\b(?:function|if|for|while)\b/g))
    // Falls through to the full script when it does not apply: its last line closes the outer block.
    expect(fast.trimEnd().endsWith('end')).toBe(true)
  })

  it('comes first in the full script', () => {
    const lapsed = "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    expect(full.startsWith(full === SETTLE ? lapsed + fast : fast)).toBe(true)
  })
})

it('TAKE_WHOLE applies to whole uses only, holds for a lease, and writes a new budget whole with its lifetime', () => {
  expect(TAKE_WHOLE.startsWith('if tonumber(ARGV[6]) == 0 then')).toBe(true)
  expect(TAKE_WHOLE).toContain(`now + ${LEASE_SECONDS})`)
  expect(TAKE_WHOLE).toContain("'r', '0', 'c', '', 'n', n, 'a', '', 'z', '0', 'p', ''")
  expect(count(TAKE_WHOLE, /redis\.call\('EXPIREAT', KEYS\[1\], ARGV\[7\]\)/g)).toBe(2)
})

it('SETTLE_WHOLE applies to whole uses with no claim, on a budget with nothing pending', () => {
  expect(SETTLE_WHOLE.startsWith("if tonumber(ARGV[5]) == 0 and ARGV[8] == '' then")).toBe(true)
  expect(SETTLE_WHOLE).toContain("(not f[3] or f[3] == '')")
})
