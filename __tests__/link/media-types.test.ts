import {
  contentTypeField,
  encodeMediaTypes,
  MAX_MEDIA_TYPES,
  readMediaTypes,
  requestMediaType,
} from '../../lib/link/media-types'

describe('media-types', () => {
  it('writes a type or a list in lower case, and spells + as %2B in the link', () => {
    expect(contentTypeField('IMAGE/PNG')).toBe('image/png')
    expect(contentTypeField(['image/png', 'image/svg+xml', "application/vnd.x-y_z.a!b#c$d&e'f*g^h`i|j~k"])).toBe(
      "image/png,image/svg+xml,application/vnd.x-y_z.a!b#c$d&e'f*g^h`i|j~k",
    )
    expect(encodeMediaTypes('image/png,image/svg+xml')).toBe('image/png,image/svg%2Bxml')
    expect(readMediaTypes('image/png,image/svg%2Bxml')).toBe('image/png,image/svg+xml')
  })

  it.each([
    [[], /a list of 1 to 16/],
    ['', /media types without parameters/],
    ['image', /media types/],
    ['image/png; charset=x', /media types/],
    ['image/ png', /media types/],
    ['image/png/x', /media types/],
    [[5], /media types/],
    [['image/png', 'IMAGE/PNG'], /lists image\/png twice/],
    [new Array(MAX_MEDIA_TYPES + 1).fill('a/b'), /a list of 1 to 16/],
  ])('refuses %j with a TypeError naming "contentType"', (value, message) => {
    expect(() => contentTypeField(value)).toThrow(TypeError)
    expect(() => contentTypeField(value)).toThrow(message)
  })

  it.each([
    'image/PNG',
    'image/svg+xml',
    'image/svg%2bxml',
    'image%2Fpng',
    'image/png,',
    ',image/png',
    'image/png,image/png',
    'image/png;q=1',
    '%',
    'a/b%20',
  ])('reads no types from %j (another spelling, or not types)', (text) => {
    expect(readMediaTypes(text)).toBeUndefined()
  })

  it('reads the type a request declares, without parameters or case', () => {
    expect(requestMediaType('Image/PNG')).toBe('image/png')
    expect(requestMediaType('text/plain; charset=utf-8')).toBe('text/plain')
    expect(requestMediaType(' text/plain ;x')).toBe('text/plain')
    for (const header of [undefined, '', 'text', 'text/', '/plain', 'te xt/plain', ['text/plain']])
      expect(requestMediaType(header)).toBeUndefined()
  })
})
