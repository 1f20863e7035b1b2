import http from 'node:http'
import { format } from 'node:util'
import createDebug from 'debug'
import { stackless } from '../../lib/util/errors'
import { logRefusal } from '../../lib/http/refusal-log'

describe('refusal-log', () => {
  const lines: string[] = []
  const original = createDebug.log
  beforeAll(() => {
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args))
    createDebug.enable('express-signed-url')
  })
  afterAll(() => {
    createDebug.disable()
    createDebug.log = original
  })

  const request = (url: string, method: unknown = 'GET') =>
    Object.assign(new http.IncomingMessage(null as never), { url, method })

  it('logs the code, status, method and path, never the query', () => {
    lines.length = 0
    logRefusal(stackless('ERR_IP_NOT_ALLOWED'), request('/a.png?expiry=1&method=get&ip=10.0.0.0/8&signature=SECRET'))
    expect(lines.join('\n')).toMatch(/refused ERR_IP_NOT_ALLOWED 403: "GET" "\/a\.png" \(query not logged\)/)
    expect(lines.join('\n')).not.toMatch(/SECRET|ip=/)
  })

  it('says a method is not one rather than printing it', () => {
    lines.length = 0
    logRefusal(stackless('ERR_METHOD_NOT_ALLOWED'), request('/a.png', 'G\u001bET'))
    expect(lines.join('\n')).toContain('(not a method)')
  })
})
