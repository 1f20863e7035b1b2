import { inRanges, ipField, MAX_RANGES, parseClientAddress, readIpField } from '../../lib/link/ip-range'

const v4 = (text: string) => Array.from(parseClientAddress(text) ?? [])

describe('ip-range', () => {
  describe('parseClientAddress()', () => {
    it.each([
      ['192.0.2.1', [192, 0, 2, 1]],
      ['0.0.0.0', [0, 0, 0, 0]],
      ['255.255.255.255', [255, 255, 255, 255]],
      ['::ffff:192.0.2.1', [192, 0, 2, 1]],
      ['::FFFF:c000:0201', [192, 0, 2, 1]],
      ['0:0:0:0:0:ffff:192.0.2.1', [192, 0, 2, 1]],
    ])('reads %s as IPv4', (text, bytes) => {
      expect(v4(text)).toEqual(bytes)
    })

    it.each([
      ['::1', '00000000000000000000000000000001'],
      ['2001:DB8::8:800:200C:417A', '20010db80000000000080800200c417a'],
      ['fe80::1%eth0', 'fe800000000000000000000000000001'],
      ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
      ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
      ['::', '00000000000000000000000000000000'],
      ['::ffff:0:192.0.2.1', '0000000000000000ffff0000c0000201'],
    ])('reads %s as IPv6', (text, hex) => {
      expect(Buffer.from(parseClientAddress(text) ?? []).toString('hex')).toBe(hex)
    })

    it.each([
      '',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '256.0.0.1',
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1.2.3.4/32',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      '1.2.3.4::',
      '::1.2.3.4:5',
      'g::1',
      ':1::',
      'unknown',
      'x'.repeat(65),
      '1.2.3.4.',
      '.1.2.3.4',
      '1..2.3',
      '00.1.2.3',
      '1.2.3.00',
      '255.255.255.256',
      '1.2.3.-4',
      '１.2.3.4',
      '1.2.3.4\n',
      '10.0.0.1%eth0',
      '10.0.0.1%',
      '::ffff:10.0.0.1%x',
      '0:0:0:0:0:ffff:a00:1%eth0',
      'fe80::1%',
    ])('refuses %j', (text) => {
      expect(parseClientAddress(text)).toBeUndefined()
    })

    it('refuses what is not a string', () => {
      for (const value of [undefined, null, 3232235777, ['1.2.3.4'], {}])
        expect(parseClientAddress(value)).toBeUndefined()
    })
  })

  describe('ipField()', () => {
    it.each([
      ['203.0.113.7', '203.0.113.7'],
      ['203.0.113.7/32', '203.0.113.7'],
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:0DB8::/32', '2001:db8::/32'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['0:0:0:0:0:0:0:1/128', '::1'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['::ffff:192.0.2.0/120', '192.0.2.0/24'],
      ['::/0', '::/0'],
    ])('writes %s as %s', (input, canonical) => {
      expect(ipField(input)).toBe(canonical)
      expect(readIpField(canonical)).toBeDefined()
    })

    it('joins a list with commas, in its order', () => {
      expect(ipField(['10.0.0.0/8', '::1', '192.168.0.0/16'])).toBe('10.0.0.0/8,::1,192.168.0.0/16')
    })

    it.each([
      [[], /a list of 1 to 16/],
      [5, /an address or CIDR range/],
      [[5], /entries must be strings/],
      ['x', /"x" is not an IPv4 or IPv6 address/],
      ['10.0.0.1/8', /bits set after its \/8 prefix \(did you mean 10\.0\.0\.0\/8\?\)/],
      ['2001:db8::1/32', /did you mean 2001:db8::\/32\?/],
      ['10.0.0.0/33', /prefix length outside 0-32/],
      ['10.0.0.0/08', /prefix length/],
      ['10.0.0.0/', /prefix length/],
      ['::ffff:0:0/95', /IPv4-mapped range wider than IPv4/],
      ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
      [['1.2.3.4', '1.2.3.4/32'], /lists 1\.2\.3\.4 twice/],
      [new Array(MAX_RANGES + 1).fill('1.2.3.4'), /a list of 1 to 16/],
    ])('refuses %j with a TypeError naming "ip"', (value, message) => {
      expect(() => ipField(value)).toThrow(TypeError)
      expect(() => ipField(value)).toThrow(message)
    })
  })

  describe('readIpField()', () => {
    it.each([
      '10.0.0.1/32',
      '010.0.0.1',
      '2001:DB8::',
      '2001:db8:0::1',
      '::ffff:1.2.3.4',
      '10.1.0.0/8',
      '1.2.3.4,',
      ',1.2.3.4',
      '1.2.3.4, 5.6.7.8',
      '::0:1',
      '0::1',
    ])('refuses %j, which is not canonical', (text) => {
      expect(readIpField(text)).toBeUndefined()
    })

    it('answers the same for a text read again (it keeps the last ones read), good or bad', () => {
      for (let round = 0; round < 3; round++) {
        expect(readIpField('10.0.0.0/8')).toEqual([{ bytes: Uint8Array.from([10, 0, 0, 0]), prefix: 8 }])
        expect(readIpField('10.0.0.1/8')).toBeUndefined()
        // More texts than it keeps: every answer is still computed right.
        for (let i = 0; i < 300; i++) expect(readIpField(`10.0.${i % 256}.0/24`)).toBeDefined()
      }
    })

    it('refuses more than 16 entries', () => {
      expect(readIpField(Array.from({ length: 16 }, (_, i) => `10.0.0.${i}`).join(','))).toBeDefined()
      expect(readIpField(Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(','))).toBeUndefined()
    })
  })

  describe('inRanges()', () => {
    const within = (ranges: string, client: string) =>
      inRanges(parseClientAddress(client) as Uint8Array, readIpField(ranges) ?? [])

    it('matches prefixes of every length, bit by bit', () => {
      for (let prefix = 0; prefix <= 32; prefix++) {
        const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
        const base = (0xc0a80101 & mask) >>> 0
        const text = `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join('.')}${prefix === 32 ? '' : `/${prefix}`}`
        expect(within(text, '192.168.1.1')).toBe(true)
        if (prefix > 0) {
          const flipped = (0xc0a80101 ^ (1 << (32 - prefix))) >>> 0
          expect(within(text, [24, 16, 8, 0].map((s) => (flipped >>> s) & 255).join('.'))).toBe(false)
        }
      }
    })

    it('never matches an IPv4 client against an IPv6 range or the reverse', () => {
      expect(within('::/0', '192.0.2.1')).toBe(false)
      expect(within('0.0.0.0/0', '2001:db8::1')).toBe(false)
      expect(within('0.0.0.0/0', '::ffff:192.0.2.1')).toBe(true)
    })
  })
})
