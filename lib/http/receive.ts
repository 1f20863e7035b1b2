// Receiving one upload's body into its temporary: counted and hashed as it arrives, written to disk as it is read
// (the body paused only while too much waits for the disk), and synced before it may land.
import { createHash, type Hash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { UploadFailure } from './upload-file.js'

/** A landed upload: its size and the base64url SHA-256 of its bytes. */
export interface Landed {
  size: number
  sha256: string
}

/**
 * Streams a request body into `temporary` (created here, never there before), stopping past `maxBytes` or after
 * `timeoutMs` without a byte, then checks the digest (when given) and syncs the file. On any failure the
 * temporary is removed; on success it is complete and on disk.
 */
export async function receive(
  req: IncomingMessage,
  temporary: string,
  limits: { maxBytes: number; sha256?: string; timeoutMs: number },
): Promise<Landed | UploadFailure> {
  let handle: fs.FileHandle
  try {
    handle = await fs.open(temporary, 'wx')
  } catch {
    return 'ERR_UPLOAD_STORAGE'
  }
  const result = await new Promise<Landed | UploadFailure>((resolve) => {
    const hash = createHash('sha256')
    let size = 0
    let done = false
    const disk = diskWriter(
      handle,
      req,
      () => done,
      () => settle('ERR_UPLOAD_STORAGE'),
    )
    let timer: NodeJS.Timeout | undefined
    const settle = (failure?: UploadFailure) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort)
      const written = disk.written()
      if (failure !== undefined) {
        req.pause()
        resolve(
          written.then(
            () => failure,
            () => failure,
          ),
        )
        return
      }
      resolve(
        written
          .then(() => complete(handle, hash, size, limits.sha256))
          .catch((): UploadFailure => 'ERR_UPLOAD_STORAGE'),
      )
    }
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => settle('ERR_UPLOAD_TIMEOUT'), limits.timeoutMs)
    }
    const onData = (chunk: Buffer) => {
      arm()
      size += chunk.length
      if (size > limits.maxBytes) {
        settle('ERR_UPLOAD_TOO_LARGE')
        return
      }
      hash.update(chunk)
      disk.write(chunk)
    }
    // An upload lands only at 'end', when every byte was read and written. A 'close' before it is an abort even
    // when the parser had the whole body (`req.complete`): a destroyed stream drops what it had not emitted.
    const onEnd = () => settle()
    const onAbort = () => settle('aborted')
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort)
    arm()
    // The client may have gone while the target was checked, before these listeners: its 'close' is past, and
    // the body it sent will never be emitted.
    if (req.destroyed) settle('aborted')
  })
  await handle.close().catch(() => undefined)
  if (typeof result === 'string') await fs.rm(temporary, { force: true }).catch(() => undefined)
  return result
}

// A body read and written whole: its digest checked (when the link signs one), then the file synced.
async function complete(
  handle: fs.FileHandle,
  hash: Hash,
  size: number,
  expected: string | undefined,
): Promise<Landed | UploadFailure> {
  const sha256 = hash.digest('base64url')
  if (expected !== undefined && sha256 !== expected) return 'ERR_UPLOAD_DIGEST'
  await handle.sync()
  return { size, sha256 }
}

// At most this many bytes of one upload wait in memory for the disk before its body is paused.
const HIGH_WATER = 1 << 20
// Every this many bytes written, the disk is asked to start writing them out (measured best of 4, 8 and 16 MiB).
const WRITEBACK = 8 << 20

// The writes of one body, one batch at a time and in order (writev of what arrived meanwhile); the body is paused
// only while more than HIGH_WATER bytes wait, so reading from the network and writing to disk overlap. `fail` is
// called when a write fails; `written()` settles once every write and writeback sync started has.
function diskWriter(handle: fs.FileHandle, req: IncomingMessage, done: () => boolean, fail: () => void) {
  let writing: Promise<void> = Promise.resolve()
  let queued: Buffer[] = []
  let queuedBytes = 0
  let flushing = false
  // Syncs started every WRITEBACK bytes while the body still arrives, so the disk writes as the network reads
  // and the last sync has little left to do. Each is waited for before the file is synced or closed.
  const writeback: Promise<void>[] = []
  let unsynced = 0
  // Writes what is queued, batch after batch, until nothing is; the body goes on as soon as a batch is taken.
  const drain = async () => {
    try {
      while (queued.length > 0) {
        const batch = queued
        queued = []
        queuedBytes = 0
        if (!done()) req.resume()
        await writeAll(handle, batch)
        unsynced += batch.reduce((sum, chunk) => sum + chunk.length, 0)
        if (unsynced >= WRITEBACK) {
          unsynced = 0
          const started = handle.datasync()
          // Waited for at the end; a failure there is the upload's storage failure, never unhandled meanwhile.
          started.catch(() => undefined)
          writeback.push(started)
        }
      }
    } finally {
      flushing = false
    }
  }
  return {
    write(chunk: Buffer): void {
      queued.push(chunk)
      queuedBytes += chunk.length
      if (queuedBytes > HIGH_WATER) req.pause()
      if (flushing) return
      flushing = true
      writing = writing.then(drain)
      writing.catch(fail)
    },
    written: () => writing.then(() => Promise.all(writeback)),
  }
}

async function writeAll(handle: fs.FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest)
    // A short write: skip what was written, keep the rest of a chunk cut mid-way.
    while (rest.length > 0 && bytesWritten >= rest[0].length) {
      bytesWritten -= rest[0].length
      rest = rest.slice(1)
    }
    if (rest.length > 0 && bytesWritten > 0) rest = [rest[0].subarray(bytesWritten), ...rest.slice(1)]
  }
}
