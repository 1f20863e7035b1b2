// The suites' environment (support/environment.ts) drops one warning only: Node's DEP0170 raised under parseurl.
import path from 'node:path'
import { isParseurlUrlWarning } from '../support/environment'

const PARSEURL = path.join(__dirname, '..', '..', 'node_modules', 'parseurl', 'index.js')
const UNDER_PARSEURL = `Error\n    at getHostname (node:url:517:17)\n    at fastparse (${PARSEURL}:97:12)`
const ELSEWHERE = `Error\n    at getHostname (node:url:517:17)\n    at refuse (${path.join(__dirname, 'x.ts')}:1:1)`
const DEP0170 = ['The URL http://[::1/a is invalid.', 'DeprecationWarning', 'DEP0170']

describe('the test environment', () => {
  it("drops DEP0170 when parseurl's call raised it, in either of emitWarning's forms", () => {
    expect(isParseurlUrlWarning(DEP0170, UNDER_PARSEURL)).toBe(true)
    expect(isParseurlUrlWarning([DEP0170[0], { type: 'DeprecationWarning', code: 'DEP0170' }], UNDER_PARSEURL)).toBe(
      true,
    )
  })

  it('keeps DEP0170 from anywhere else, and every other warning', () => {
    expect(isParseurlUrlWarning(DEP0170, ELSEWHERE)).toBe(false)
    expect(isParseurlUrlWarning(['url.parse() is deprecated', 'DeprecationWarning', 'DEP0169'], UNDER_PARSEURL)).toBe(
      false,
    )
    expect(isParseurlUrlWarning(['a warning'], UNDER_PARSEURL)).toBe(false)
  })
})
