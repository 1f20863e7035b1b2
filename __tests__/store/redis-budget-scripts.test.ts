// The budget scripts' text, checked in Node (they run on a real Redis in engines/redis*.engine.ts): every key they
// touch is one given in KEYS (what lets a Cluster route them), the arguments they read are the ones the store sends,
// and the rules' constants are written in.
import { RENEW, SETTLE, TAKE } from '../../lib/store/redis-budget-scripts'
import { LEASE_SECONDS, MAX_ASKS, MAX_CLAIMS, MAX_PENDING, USE } from '../../lib/store/use-budget'

// The first argument of every redis.call but TIME (which takes none): the key it touches.
const keysTouched = (script: string) =>
  [...script.matchAll(/redis\.call\('(\w+)'(?:, ([^,)]+))?/g)].filter((m) => m[1] !== 'TIME').map((m) => m[2])
const argvRead = (script: string) => [...new Set([...script.matchAll(/ARGV\[(\d+)\]/g)].map((m) => Number(m[1])))]
// Lua's blocks: each function, if, for and while ends with one `end`.
const blocks = (script: string) => [
  (script.match(/\b(?:function|if|for|while)\b/g) ?? []).length,
  (script.match(/\bend\b/g) ?? []).length,
]

describe.each([
  ['TAKE', TAKE, [1, 2, 3, 4, 5, 6, 7, 8]],
  ['SETTLE', SETTLE, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ['RENEW', RENEW, [1]],
])('%s', (_name, script, argv) => {
  it('touches only KEYS[1], the link’s hash', () => {
    expect(keysTouched(script).length).toBeGreaterThan(3)
    expect(new Set(keysTouched(script))).toEqual(new Set(['KEYS[1]']))
  })

  it('reads the arguments the store sends it, and no other', () => {
    expect(argvRead(script).sort((a, b) => a - b)).toEqual(argv)
  })

  it('has every constant written in, and its blocks closed', () => {
    expect(script).not.toContain('${')
    const [opened, ended] = blocks(script)
    expect(ended).toBe(opened)
  })
})

describe('the rules the scripts copy from use-budget.ts', () => {
  it('count in millionths of a use, with the same lease and the same limits on lists', () => {
    expect(TAKE).toContain(`* ${USE})`)
    expect(TAKE).toContain(`now + ${LEASE_SECONDS})`)
    expect(RENEW).toContain(`+ ${LEASE_SECONDS})`)
    expect(TAKE).toContain(`while #pending > ${4 * MAX_PENDING} do`)
    expect(TAKE).toContain(`while #asks > ${3 * MAX_ASKS} do`)
    expect(SETTLE).toContain(`while #claims > ${2 * MAX_CLAIMS} do`)
  })

  it('write nothing for a budget that lapsed (settling, renewing) before reading it', () => {
    for (const script of [SETTLE, RENEW])
      expect(script.startsWith("if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n")).toBe(true)
  })
})
