// The revocation scripts' text, checked in Node (they run on a real Redis in engines/redis*.engine.ts): the set and
// the channel are the only keys, both given in KEYS, and every message is numbered.
import { BEAT, REVOKE } from '../../lib/store/redis-revocation-scripts'

const keysTouched = (script: string) => [...script.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].map((m) => m[2])
const argvRead = (script: string) => [...new Set([...script.matchAll(/ARGV\[(\d+)\]/g)].map((m) => Number(m[1])))]

describe.each([
  ['REVOKE', REVOKE, [1, 2, 3]],
  ['BEAT', BEAT, [1]],
])('%s', (_name, script, argv) => {
  it('touches only the set (KEYS[1]) and publishes only on the channel (KEYS[2])', () => {
    expect(new Set(keysTouched(script))).toEqual(new Set(['KEYS[1]', 'KEYS[2]']))
    expect(script).toContain("redis.call('PUBLISH', KEYS[2],")
  })

  it('reads the arguments the store sends it, and no other', () => {
    expect(argvRead(script).sort((a, b) => a - b)).toEqual(argv)
  })

  it('publishes its message numbered: the next of the count kept in the set', () => {
    expect(script).toContain("redis.call('ZINCRBY', KEYS[1], -1, '#seq')")
    expect(script).toMatch(/\npublish\(ARGV\[1\]\)\nreturn 1$/)
  })
})

describe('REVOKE', () => {
  it('adds the revocation lapsing at ARGV[2] and drops those lapsed before ARGV[3]', () => {
    expect(REVOKE).toContain("redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])")
    expect(REVOKE).toContain("redis.call('ZREMRANGEBYSCORE', KEYS[1], '0', ARGV[3])")
  })
})
