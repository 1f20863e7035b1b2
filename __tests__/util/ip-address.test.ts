import { formatAddress, parseAddress, unmapped } from '../../lib/util/ip-address'

const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex')

describe('ip-address', () => {
  it('reads IPv4 and IPv6 text in any form, and refuses zones, ports and brackets', () => {
    expect(Array.from(parseAddress('192.0.2.1') ?? [])).toEqual([192, 0, 2, 1])
    expect(hex(parseAddress('2001:DB8::1'))).toBe('20010db8000000000000000000000001')
    for (const text of ['fe80::1%eth0', '192.0.2.1:80', '[::1]', '::1/128', ''])
      expect(parseAddress(text)).toBeUndefined()
  })

  it('writes RFC 5952 text: lower case, the longest (then first) run of zeros as ::, a lone zero as 0', () => {
    const write = (text: string) => formatAddress(parseAddress(text)!)
    expect(write('2001:0DB8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1')
    expect(write('2001:db8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::')
    expect(write('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1')
    expect(write('0:0:0:0:0:0:0:0')).toBe('::')
    expect(write('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3')
    expect(write('10.0.0.1')).toBe('10.0.0.1')
  })

  it('takes an IPv4-mapped address as IPv4, and leaves others alone', () => {
    expect(Array.from(unmapped(parseAddress('::ffff:10.0.0.1')!))).toEqual([10, 0, 0, 1])
    expect(unmapped(parseAddress('::10.0.0.1')!)).toHaveLength(16)
    expect(unmapped(parseAddress('1::ffff:10.0.0.1')!)).toHaveLength(16)
  })
})
