import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { receive } from '../../lib/http/receive'

// A request body as receive reads it: a stream with pause, resume and destroy, fed by the test.
const body = () => new PassThrough()
const asRequest = (stream: PassThrough) => stream as unknown as IncomingMessage
const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64url')
const limits = { maxBytes: 10 << 20, timeoutMs: 30_000 }

describe('receive()', () => {
  let dir: string
  let temporary: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'receive-'))
    temporary = path.join(dir, '.a.bin.1.0123456789abcdef.upload')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  describe('when the whole body arrives', () => {
    it('writes every chunk in order, past the memory high-water mark, and gives its size and SHA-256', async () => {
      const chunks = [0x61, 0x62, 0x63].map((byte) => Buffer.alloc(700_000, byte))
      const stream = body()
      const landed = receive(asRequest(stream), temporary, limits)
      for (const chunk of chunks) stream.write(chunk)
      stream.end()
      const whole = Buffer.concat(chunks)
      expect(await landed).toEqual({ size: whole.length, sha256: digest(whole) })
      expect(readFileSync(temporary).equals(whole)).toBe(true)
    })

    it('lands a body whose signed digest matches, and refuses other bytes with ERR_UPLOAD_DIGEST', async () => {
      const good = body()
      const landed = receive(asRequest(good), temporary, { ...limits, sha256: digest(Buffer.from('right')) })
      good.end('right')
      expect(await landed).toEqual({ size: 5, sha256: digest(Buffer.from('right')) })
      rmSync(temporary)
      const bad = body()
      const refused = receive(asRequest(bad), temporary, { ...limits, sha256: digest(Buffer.from('right')) })
      bad.end('wrong')
      expect(await refused).toBe('ERR_UPLOAD_DIGEST')
      expect(existsSync(temporary)).toBe(false)
    })
  })

  describe('when the upload cannot land', () => {
    it('stops past maxBytes with ERR_UPLOAD_TOO_LARGE and removes the temporary', async () => {
      const stream = body()
      const result = receive(asRequest(stream), temporary, { ...limits, maxBytes: 4 })
      stream.write('abc')
      stream.write('de')
      expect(await result).toBe('ERR_UPLOAD_TOO_LARGE')
      expect(existsSync(temporary)).toBe(false)
    })

    it('answers aborted when the body closes before its end, and removes the temporary', async () => {
      const stream = body()
      const result = receive(asRequest(stream), temporary, limits)
      stream.write('part of it')
      stream.destroy()
      expect(await result).toBe('aborted')
      expect(existsSync(temporary)).toBe(false)
    })

    it('answers aborted for a body whose client had gone before it was read', async () => {
      const stream = body()
      stream.destroy()
      expect(await receive(asRequest(stream), temporary, limits)).toBe('aborted')
      expect(existsSync(temporary)).toBe(false)
    })

    it('refuses with ERR_UPLOAD_STORAGE where its temporary already exists, and leaves that file alone', async () => {
      writeFileSync(temporary, 'someone else')
      const stream = body()
      const result = receive(asRequest(stream), temporary, limits)
      stream.end('mine')
      expect(await result).toBe('ERR_UPLOAD_STORAGE')
      expect(readFileSync(temporary, 'utf8')).toBe('someone else')
    })
  })

  describe('when the body stalls', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }))
    afterEach(() => jest.useRealTimers())

    it('keeps going while a byte comes within timeoutMs, and answers ERR_UPLOAD_TIMEOUT once none does', async () => {
      const stream = body()
      const result = receive(asRequest(stream), temporary, { ...limits, timeoutMs: 30_000 })
      // receive listens (so the stream flows) once the temporary is open, and arms its timer then.
      await once(stream, 'resume')
      for (const byte of ['a', 'b']) {
        jest.advanceTimersByTime(20_000)
        const read = once(stream, 'data')
        stream.write(byte)
        await read
      }
      // 40 s since the first byte was waited for, yet no 30 s without one: still going.
      jest.advanceTimersByTime(30_000)
      expect(await result).toBe('ERR_UPLOAD_TIMEOUT')
      expect(existsSync(temporary)).toBe(false)
    })
  })
})
