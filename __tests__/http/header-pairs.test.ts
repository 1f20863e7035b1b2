import { headerPairs, headersAt } from '../../lib/http/header-pairs'

describe('headerPairs()', () => {
  it('reads each shape writeHead takes into the same pairs', () => {
    const pairs = [
      ['Upload-Offset', '6'],
      ['Tus-Resumable', '1.0.0'],
    ]
    expect(headerPairs(pairs)).toEqual(pairs)
    expect(headerPairs(['Upload-Offset', '6', 'Tus-Resumable', '1.0.0'])).toEqual(pairs)
    expect(headerPairs({ 'Upload-Offset': '6', 'Tus-Resumable': '1.0.0' })).toEqual(pairs)
  })

  it('reads nothing from what is not headers', () => {
    for (const none of [undefined, null, 'No Content', 204]) expect(headerPairs(none)).toEqual([])
  })
})

describe('headersAt()', () => {
  it('finds the headers after the status, with or without a status text, or says there are none', () => {
    expect(headersAt([204, 'No Content', ['a', 'b']])).toBe(2)
    expect(headersAt([204, { a: 'b' }])).toBe(1)
    expect(headersAt([204, 'No Content'])).toBe(-1)
    expect(headersAt([204, null])).toBe(-1)
  })
})
