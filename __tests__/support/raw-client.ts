// A client on a raw socket, for what HTTP clients will not do on purpose: read part of a response and reset the
// connection, leave it unread, or pipeline requests.
import net from 'node:net'

export interface RawReply {
  status: number
  head: string
  body: Buffer
}

export interface RawOptions {
  method?: string
  headers?: Record<string, string>
  /** Reset (RST) the connection once this many body bytes arrived, instead of reading to the end. */
  keep?: number
  /** Read nothing: reset the connection once `until` resolves. */
  unread?: Promise<unknown>
}

/** Sends one request (or several pipelined, `targets`), reads replies as told; resolves once the socket closed. */
export function rawGet(port: number, targets: string | string[], options: RawOptions = {}): Promise<RawReply[]> {
  const list = typeof targets === 'string' ? [targets] : targets
  const headers = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  const request = list
    .map((target) => `${options.method ?? 'GET'} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`)
    .join('')
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request))
    let buffered = Buffer.alloc(0)
    const replies: RawReply[] = []
    let current: { status: number; head: string; length: number; chunks: Buffer[]; got: number } | undefined
    if (options.unread !== undefined) {
      socket.pause()
      void options.unread.then(() => socket.resetAndDestroy())
    }
    const finish = () => {
      if (current !== undefined)
        replies.push({ status: current.status, head: current.head, body: Buffer.concat(current.chunks) })
      current = undefined
    }
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data])
      for (;;) {
        if (current === undefined) {
          const end = buffered.indexOf('\r\n\r\n')
          if (end < 0) return
          const head = buffered.subarray(0, end).toString('latin1')
          buffered = buffered.subarray(end + 4)
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
          const bodyless = options.method === 'HEAD' || /^HTTP\/1\.1 (304|204)/.test(head)
          current = { status: Number(head.slice(9, 12)), head, length: bodyless ? 0 : length, chunks: [], got: 0 }
        }
        const take = buffered.subarray(0, current.length - current.got)
        current.chunks.push(take)
        current.got += take.length
        buffered = buffered.subarray(take.length)
        if (options.keep !== undefined && current.got >= options.keep && current.got < current.length) {
          finish()
          socket.resetAndDestroy()
          return
        }
        if (current.got < current.length) return
        finish()
        if (replies.length === list.length) {
          socket.end()
          return
        }
      }
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err)
    })
    socket.on('close', () => {
      finish()
      resolve(replies)
    })
  })
}
