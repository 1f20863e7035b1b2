import http from 'node:http'
import { localsOf } from '../../lib/http/locals'

const response = () => new http.ServerResponse(new http.IncomingMessage(null as never))

describe('localsOf()', () => {
  describe('when the response has res.locals (Express)', () => {
    it('returns that very object, keeping what is on it', () => {
      const res = Object.assign(response(), { locals: { user: 'ann' } })
      const locals = localsOf(res)
      expect(locals).toBe(res.locals)
      expect(locals).toEqual({ user: 'ann' })
    })
  })

  describe('when the response has none (Connect)', () => {
    it('makes one on the response, without a prototype, and returns the same one after', () => {
      const res = response() as http.ServerResponse & { locals?: Record<string, unknown> }
      const locals = localsOf(res)
      expect(res.locals).toBe(locals)
      expect(Object.getPrototypeOf(locals)).toBeNull()
      // No inherited names: a key such as "toString" or "__proto__" reads as absent.
      expect('toString' in locals).toBe(false)
      locals.signedLink = 1
      expect(localsOf(res)).toBe(locals)
      expect(localsOf(res).signedLink).toBe(1)
    })
  })
})
