import http, { type ServerResponse } from 'node:http'
import { countBody } from '../../lib/http/count-body'

// A response whose own write and end record what reaches them, so what countBody lets through can be seen.
const response = (status = 200) => {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never))
  res.statusCode = status
  const written: unknown[] = []
  res.write = ((chunk: unknown) => {
    written.push(chunk)
    return true
  }) as ServerResponse['write']
  res.end = ((chunk?: unknown) => {
    written.push(chunk)
    return res
  }) as ServerResponse['end']
  const destroy = jest.spyOn(res, 'destroy')
  return { res, written, destroy }
}

describe('countBody()', () => {
  describe('when a 2xx body stays within the cap', () => {
    it('counts the bytes of buffers, and of strings in their encoding, and passes every chunk on', () => {
      const { res, written, destroy } = response()
      const add = jest.fn()
      countBody(res, 100, add)
      expect(res.write(Buffer.from('abc'))).toBe(true)
      res.write('é')
      res.write('ff00', 'hex')
      res.end('ab')
      expect(add.mock.calls).toEqual([[3], [2], [2], [2]])
      expect(written).toEqual([Buffer.from('abc'), 'é', 'ff00', 'ab'])
      expect(destroy).not.toHaveBeenCalled()
    })

    it('passes an end with only a callback on, uncounted', () => {
      const { res, written } = response()
      const add = jest.fn()
      const callback = () => undefined
      countBody(res, 0, add)
      res.end(callback)
      expect(written).toEqual([callback])
      expect(add).not.toHaveBeenCalled()
    })
  })

  describe('when a chunk would pass the cap', () => {
    it('destroys the response and never writes the chunk', () => {
      const { res, written, destroy } = response(206)
      const add = jest.fn()
      countBody(res, 5, add)
      res.write(Buffer.alloc(3))
      expect(res.write(Buffer.alloc(3))).toBe(false)
      expect(destroy).toHaveBeenCalledTimes(1)
      expect(written).toEqual([Buffer.alloc(3)])
      expect(add.mock.calls).toEqual([[3]])
    })

    it('destroys the response at an end that would pass it, and returns the response', () => {
      const { res, written, destroy } = response()
      countBody(res, 2, () => undefined)
      expect(res.end('abc')).toBe(res)
      expect(destroy).toHaveBeenCalledTimes(1)
      expect(written).toEqual([])
    })
  })

  describe('when the response is not a 2xx', () => {
    it.each([304, 404, 500])('counts nothing of a %i body and lets it through whatever the cap', (status) => {
      const { res, written, destroy } = response(status)
      const add = jest.fn()
      countBody(res, 0, add)
      res.write('Not Found')
      res.end('\n')
      expect(written).toEqual(['Not Found', '\n'])
      expect(add).not.toHaveBeenCalled()
      expect(destroy).not.toHaveBeenCalled()
    })
  })
})
