import { createSigner } from '../../lib/signer/signer'
import { createGuard } from '../../lib/http/guard'
import { GUARD_OPTIONS } from '../../lib/http/guard-options'
import { KEY, now } from '../support/helpers'

// The options as createGuard reads them (readGuardOptions), before any request.
const known = new Set(GUARD_OPTIONS)
const signer = createSigner({ key: KEY, now })

describe('guard options', () => {
  describe('readGuardOptions()', () => {
    it.each([
      [{ status: 401 }, /"status" must be one of 403, 404, got 401/],
      [{ expiredStatus: 500 }, /"expiredStatus" must be one of 403, 404, 410, got 500/],
      [{ onReject: 'log' }, /"onReject" must be a function, got "log"/],
      [{ grantCookie: 'a b' }, /"grantCookie" must be a cookie name/],
      [{ signer, ttl: 60 }, /give either "signer" or signer options, not both: set "ttl" in createSigner\(\)/],
      [{ signer: {}, key: undefined }, /"signer" must come from createSigner\(\), got an object/],
      [{ statuss: 404 }, /unknown option "statuss". Did you mean "status"\?/],
    ])('refuses the option %p at construction', (options, message) => {
      const given = 'signer' in options ? options : { key: KEY, ...options }
      expect(() => createGuard('test', given, known)).toThrow(TypeError)
      expect(() => createGuard('test', given, known)).toThrow(message)
    })
  })
})
