import type { ServerResponse } from 'node:http'

/**
 * Counts the body bytes handed to the connection (as they are written, which is at least what reached the kernel),
 * and cuts the response off (destroys it) rather than write past `cap` bytes.
 */
export function countBody(res: ServerResponse, cap: number, add: (length: number) => void): void {
  let sent = 0
  // The length of a chunk, or -1 when it would pass the cap (the response is then destroyed, the chunk unsent).
  const measure = (chunk: unknown, encoding: unknown): number => {
    let length = 0
    if (typeof chunk === 'string')
      length = Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    else if (chunk instanceof Uint8Array) length = chunk.byteLength
    // Only a 2xx body is the file's (an error page keeps nothing).
    if (res.statusCode < 200 || res.statusCode >= 300) return length
    if (sent + length > cap) {
      res.destroy()
      return -1
    }
    sent += length
    add(length)
    return length
  }
  // Called on the response as Node's own are: `this` is the response.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { write, end } = res
  res.write = function countedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (measure(chunk, rest[0]) < 0) return false
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof res.write
  res.end = function countedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function' && measure(chunk, rest[0]) < 0) return this
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest)
  } as typeof res.end
}
