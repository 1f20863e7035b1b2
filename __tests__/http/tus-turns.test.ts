// Turns on one resumable upload, and the answers for one that has landed (tus-turns.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { answerLanded, createTurns } from '../../lib/http/tus-turns'
import { recordingResponse } from '../support/helpers'
import { EventEmitter } from 'node:events'
import http from 'node:http'

/** A request as far as a turn looks at it: complete or still receiving, and whether it was ended. */
const request = (complete: boolean) => {
  const req = { complete, destroyed: false, destroy: () => ((req.destroyed = true), req) }
  return req
}
/** A response as far as a turn looks at it: sent or not, and its connection, which a test can close. */
const response = (headersSent = false) => {
  const res = Object.assign(new EventEmitter(), { headersSent, destroyed: false })
  return res as unknown as ServerResponse
}

describe('createTurns()', () => {
  it('lets one request at a time change an upload; the next waits for the release', async () => {
    const turns = createTurns()
    const order: string[] = []
    const first = await turns.take('A', request(true) as unknown as IncomingMessage, response())
    const second = turns.take('A', request(true) as unknown as IncomingMessage, response()).then((release) => {
      order.push('second')
      return release
    })
    const other = await turns.take('B', request(true) as unknown as IncomingMessage, response())
    order.push('other upload, at once')
    await Promise.resolve()
    order.push('first releases')
    first()
    ;(await second)()
    other()
    expect(order).toEqual(['other upload, at once', 'first releases', 'second'])
  })

  it('ends an older request still receiving its body; waits for one already finishing', async () => {
    const turns = createTurns()
    const receiving = request(false)
    const release = await turns.take('A', receiving as unknown as IncomingMessage, response())
    const next = turns.take('A', request(true) as unknown as IncomingMessage, response())
    expect(receiving.destroyed).toBe(true)
    release()
    ;(await next)()
    const finishing = request(true)
    const held = await turns.take('A', finishing as unknown as IncomingMessage, response())
    const after = turns.take('A', request(true) as unknown as IncomingMessage, response())
    expect(finishing.destroyed).toBe(false)
    held()
    ;(await after)()
  })
})

describe('a turn whose connection closes', () => {
  it('ends with it: the next request does not wait for a response that will never finish', async () => {
    const turns = createTurns()
    const res = response()
    await turns.take('A', request(true) as unknown as IncomingMessage, res)
    const next = turns.take('A', request(true) as unknown as IncomingMessage, response())
    ;(res as unknown as EventEmitter).emit('close')
    const release = await next
    release()
  })

  it('is given back at once when the connection closed while it waited', async () => {
    const turns = createTurns()
    const gone = Object.assign(response(), { destroyed: true })
    const release = await turns.take('A', request(true) as unknown as IncomingMessage, gone)
    ;(await turns.take('A', request(true) as unknown as IncomingMessage, response()))()
    release()
  })
})

describe('answerLanded()', () => {
  const tusRequest = (method: string, headers: Record<string, string> = {}) =>
    Object.assign(new http.IncomingMessage(null as never), {
      method,
      url: '/a',
      headers: { 'tus-resumable': '1.0.0', ...headers },
    })

  it('answers HEAD that it is whole', () => {
    const req = tusRequest('HEAD')
    const res = recordingResponse(req)
    answerLanded(req, res, jest.fn(), 11, jest.fn())
    expect(res.statusCode).toBe(200)
    expect(res.getHeaders()).toMatchObject({ 'upload-offset': '11', 'upload-length': '11', 'tus-resumable': '1.0.0' })
  })

  it('answers the last PATCH again (empty, at its end) with 204, and refuses any other change with 409', () => {
    const again = tusRequest('PATCH', { 'upload-offset': '11', 'content-length': '0' })
    const res = recordingResponse(again)
    const refuse = jest.fn()
    answerLanded(again, res, jest.fn(), 11, refuse)
    expect([res.statusCode, refuse.mock.calls.length]).toEqual([204, 0])
    for (const req of [
      tusRequest('PATCH', { 'upload-offset': '0', 'content-length': '3' }),
      tusRequest('PATCH', { 'upload-offset': '11', 'content-length': '3' }),
      tusRequest('PATCH', { 'upload-offset': '11', 'transfer-encoding': 'chunked' }),
      tusRequest('DELETE'),
    ]) {
      answerLanded(req, recordingResponse(req), jest.fn(), 11, refuse)
    }
    expect(refuse.mock.calls.map((call) => call[0])).toEqual(Array(4).fill('ERR_UPLOAD_EXISTS'))
  })
})
