// The tus checksum extension, which @tus/server does not have: a PATCH may carry `Upload-Checksum: <algorithm>
// <base64 digest>` of its chunk. The chunk is checked once tus has written it and before the answer (and before a
// finished upload lands): a mismatch cuts it off again, so the offset does not move, and is answered 460. The
// digest is of the bytes as they lie in the partial file, read back, rather than of the request as tus reads it:
// tus takes the body through its own stream, which nothing here may tap without taking bytes from it.
import { createHash } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { headerPairs, headersAt } from './header-pairs.js'

// The algorithms taken: tus requires sha1; the others are Node's own.
const ALGORITHMS = new Set(['sha1', 'sha256', 'sha512', 'md5'])

/** What a PATCH's Upload-Checksum asks: the algorithm, the digest's bytes, and where the chunk starts. */
export interface Checksum {
  algorithm: string
  expected: Buffer
  offset: number
  /** Set once checked: the answer, so the chunk is read back once. */
  matched?: boolean
}

/**
 * Reads Upload-Checksum with the PATCH's Upload-Offset: undefined when absent, 'bad' when malformed or of an
 * algorithm not taken (the client is told with 400), else the checksum.
 */
export function readChecksum(value: string | undefined, offset: string | undefined): Checksum | 'bad' | undefined {
  if (value === undefined) return undefined
  const match = /^([a-z0-9]+) ([A-Za-z0-9+/]+={0,2})$/.exec(value)
  if (match === null || !ALGORITHMS.has(match[1]) || offset === undefined || !/^[0-9]{1,16}$/.test(offset)) return 'bad'
  return { algorithm: match[1], expected: Buffer.from(match[2], 'base64'), offset: Number(offset) }
}

/**
 * Whether the chunk, the bytes of `file` from the checksum's offset up to `end` (the offset tus answers with), match
 * it; if not, cuts them off again.
 */
export async function chunkMatches(file: string, checksum: Checksum, end: number): Promise<boolean> {
  if (checksum.matched !== undefined) return checksum.matched
  const hash = createHash(checksum.algorithm)
  if (end > checksum.offset)
    for await (const chunk of createReadStream(file, { start: checksum.offset, end: end - 1 }))
      hash.update(chunk as Buffer)
  checksum.matched = hash.digest().equals(checksum.expected)
  if (!checksum.matched) await fs.truncate(file, checksum.offset)
  return checksum.matched
}

/**
 * Holds a PATCH's answer until its chunk is checked: tus's 204 stands when it matches; otherwise the answer is 460
 * Checksum Mismatch with the offset from before the chunk. Answers of other statuses pass as they are.
 */
export function holdForChecksum(res: ServerResponse, file: string, checksum: Checksum): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  // Only tus's 204 (no body) waits: an answer with a body is written as it comes.
  let held: unknown[] | undefined
  ;(res as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
    if (args[0] !== 204) return writeHead(...args)
    held = args
    return res
  }
  ;(res as { end: unknown }).end = (...args: unknown[]) => {
    if (held === undefined) return end(...args)
    const head = held
    const headers = head[headersAt(head)]
    const offset = Number(headerPairs(headers).find(([name]) => name.toLowerCase() === 'upload-offset')?.[1])
    void (Number.isSafeInteger(offset) ? chunkMatches(file, checksum, offset) : Promise.resolve(false))
      .catch(() => false)
      .then((matched) => {
        writeHead(...(matched ? head : [460, 'Checksum Mismatch', withOffset(headers, checksum.offset)]))
        end(...args)
      })
    return res
  }
}

/** A writeHead call's headers with Upload-Offset set to `offset`, as a raw flat array. */
function withOffset(headers: unknown, offset: number): unknown[] {
  const kept = headerPairs(headers).filter(([name]) => name.toLowerCase() !== 'upload-offset')
  return [...kept, ['Upload-Offset', String(offset)]].flat()
}
