// The tus checksum extension (tus-checksum.ts): Upload-Checksum read, a chunk checked against the bytes as they
// lie in the partial file (cut off again when they do not match), and a 204 held until then.
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { chunkMatches, holdForChecksum, readChecksum, type Checksum } from '../../lib/http/tus-checksum'

const b64 = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('base64')

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tus-checksum-'))
  file = path.join(dir, 'AAAAAAAAAAAAAAAAAAAAAA')
  writeFileSync(file, 'hello world')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('readChecksum()', () => {
  it('is undefined without the header, and reads each algorithm taken', () => {
    expect(readChecksum(undefined, '0')).toBeUndefined()
    for (const algorithm of ['sha1', 'sha256', 'sha512', 'md5']) {
      const read = readChecksum(`${algorithm} ${b64(algorithm, 'x')}`, '6') as Checksum
      expect([read.algorithm, read.offset, read.expected.equals(createHash(algorithm).update('x').digest())]).toEqual([
        algorithm,
        6,
        true,
      ])
    }
  })

  it.each([
    ['crc32 AAAAAA==', '0'],
    ['SHA1 AAAA', '0'],
    ['sha1', '0'],
    ['sha1  AAAA', '0'],
    ['sha1 A!AA', '0'],
    ['sha1 AAAA', undefined],
    ['sha1 AAAA', '-1'],
    ['sha1 AAAA', '1e3'],
  ])('is bad for %p at offset %p', (value, offset) => {
    expect(readChecksum(value, offset)).toBe('bad')
  })
})

describe('chunkMatches()', () => {
  it('matches the bytes from the offset on, and reads them once', async () => {
    const checksum = readChecksum(`sha1 ${b64('sha1', 'world')}`, '6') as Checksum
    expect(await chunkMatches(file, checksum, 11)).toBe(true)
    writeFileSync(file, 'changed after')
    expect(await chunkMatches(file, checksum, 11)).toBe(true)
  })

  it('hashes the chunk only, not bytes a later request put after it', async () => {
    writeFileSync(file, 'hello worldAND MORE')
    const checksum = readChecksum(`sha1 ${b64('sha1', 'world')}`, '6') as Checksum
    expect(await chunkMatches(file, checksum, 11)).toBe(true)
  })

  it('cuts a chunk that does not match off again, back to its offset', async () => {
    const checksum = readChecksum(`sha256 ${b64('sha256', 'other')}`, '6') as Checksum
    expect(await chunkMatches(file, checksum, 11)).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe('hello ')
  })
})

describe('holdForChecksum()', () => {
  /** A response that records what reaches it. */
  const recording = () => {
    const seen: unknown[][] = []
    let done = (): void => undefined
    const ended = new Promise<void>((resolve) => (done = resolve))
    const res = {
      writeHead: (...args: unknown[]) => (seen.push(['head', ...args]), res),
      end: (...args: unknown[]) => (seen.push(['end', ...args]), done(), res),
    }
    return { res: res as unknown as ServerResponse, seen, ended }
  }

  it("lets tus's 204 through once the chunk matches", async () => {
    const { res, seen, ended } = recording()
    holdForChecksum(res, file, readChecksum(`md5 ${b64('md5', 'world')}`, '6') as Checksum)
    res.writeHead(204, 'No Content', ['Upload-Offset', '11', 'Tus-Resumable', '1.0.0'])
    expect(seen).toEqual([])
    res.end()
    await ended
    expect(seen).toEqual([['head', 204, 'No Content', ['Upload-Offset', '11', 'Tus-Resumable', '1.0.0']], ['end']])
  })

  it('turns it into 460 with the offset from before the chunk when it does not match', async () => {
    const { res, seen, ended } = recording()
    holdForChecksum(res, file, readChecksum(`md5 ${b64('md5', 'other')}`, '6') as Checksum)
    res.writeHead(204, 'No Content', [
      ['Upload-Offset', '11'],
      ['Tus-Resumable', '1.0.0'],
    ])
    res.end()
    await ended
    expect(seen).toEqual([
      ['head', 460, 'Checksum Mismatch', ['Tus-Resumable', '1.0.0', 'Upload-Offset', '6']],
      ['end'],
    ])
    expect(readFileSync(file, 'utf8')).toBe('hello ')
  })

  it('writes an answer with a body at once, unchecked', () => {
    const { res, seen } = recording()
    holdForChecksum(res, file, readChecksum(`md5 ${b64('md5', 'other')}`, '6') as Checksum)
    res.writeHead(409, 'Conflict', { 'Content-Type': 'text/plain' })
    res.end('Conflict\n')
    expect(seen).toEqual([
      ['head', 409, 'Conflict', { 'Content-Type': 'text/plain' }],
      ['end', 'Conflict\n'],
    ])
    expect(readFileSync(file, 'utf8')).toBe('hello world')
  })
})
