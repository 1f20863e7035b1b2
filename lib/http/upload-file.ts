// Writing one upload to disk without ever showing a partial file: the body streams into a temporary file beside the
// target (a dotfile, which serve-static does not serve), is counted and hashed as it arrives, synced, and only then
// put in place in one step (a rename, or a hard link that fails if the target exists). Temporaries left by a
// killed process are swept at the next start.
import { createHash, randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import type { SignedUrlErrorCode } from '../util/errors.js'

/** What ended an upload that did not land: the refusal's code, or an abort (nobody left to answer). */
export type UploadFailure = SignedUrlErrorCode | 'aborted'

/** A landed upload: its size and the base64url SHA-256 of its bytes. */
export interface Landed {
  size: number
  sha256: string
}

// A temporary's name: `.<name>.<pid>.<random>.upload`. The pid only says who wrote it; the sweep goes by age.
const TEMPORARY = /^\..*\.\d+\.[0-9a-f]{16}\.upload$/

/** A fresh temporary beside `file`: `.<name>.<pid>.<random>.upload`. */
export function temporaryFor(file: string): string {
  // At most 40 characters of the name (160 bytes), so the whole stays within a file system's 255.
  const kept = Array.from(path.basename(file)).slice(0, 40).join('')
  const name = `.${kept}.${process.pid}.${randomBytes(8).toString('hex')}.upload`
  return path.join(path.dirname(file), name)
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
    // The writes, one batch at a time and in order (writev of what arrived meanwhile); the body is paused only while
    // more than HIGH_WATER bytes wait, so reading from the network and writing to disk overlap.
    let writing: Promise<void> = Promise.resolve()
    let queued: Buffer[] = []
    let queuedBytes = 0
    let flushing = false
    // Syncs started every WRITEBACK bytes while the body still arrives, so the disk writes as the network reads
    // and the last sync has little left to do. Each is waited for before the file is synced or closed.
    const writeback: Promise<void>[] = []
    let unsynced = 0
    let timer: NodeJS.Timeout | undefined
    const settle = (failure?: UploadFailure) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort)
      const written = writing.then(() => Promise.all(writeback))
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
          .then(async (): Promise<Landed | UploadFailure> => {
            const sha256 = hash.digest('base64url')
            if (limits.sha256 !== undefined && sha256 !== limits.sha256) return 'ERR_UPLOAD_DIGEST'
            await handle.sync()
            return { size, sha256 }
          })
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
      queued.push(chunk)
      queuedBytes += chunk.length
      if (queuedBytes > HIGH_WATER) req.pause()
      if (flushing) return
      flushing = true
      writing = writing.then(drain)
      writing.catch(() => settle('ERR_UPLOAD_STORAGE'))
    }
    // Writes what is queued, batch after batch, until nothing is; the body goes on as soon as a batch is taken.
    const drain = async () => {
      try {
        while (queued.length > 0) {
          const batch = queued
          queued = []
          queuedBytes = 0
          if (!done) req.resume()
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

// At most this many bytes of one upload wait in memory for the disk before its body is paused.
const HIGH_WATER = 1 << 20
// Every this many bytes written, the disk is asked to start writing them out (measured best of 4, 8 and 16 MiB).
const WRITEBACK = 8 << 20

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

/**
 * Puts a synced temporary in place: with `overwrite`, a rename (the target is always one whole upload); without, a
 * hard link, which fails if the target exists, so of two uploads to one path exactly one lands. The folder is
 * synced after, so the new name survives a crash. The temporary is gone either way.
 */
export async function commit(temporary: string, file: string, overwrite: boolean): Promise<true | UploadFailure> {
  try {
    if (overwrite) await fs.rename(temporary, file)
    else await fs.link(temporary, file)
  } catch (err) {
    await fs.rm(temporary, { force: true }).catch(() => undefined)
    const code = (err as NodeJS.ErrnoException).code
    return code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY' ? 'ERR_UPLOAD_EXISTS' : 'ERR_UPLOAD_STORAGE'
  }
  // The hard link's temporary name goes while the folder syncs: both at once, both done before the answer.
  const tidy = overwrite ? undefined : fs.rm(temporary, { force: true }).catch(() => undefined)
  const folder = await fs.open(path.dirname(file), 'r').catch(() => undefined)
  await folder?.sync().catch(() => undefined)
  await folder?.close().catch(() => undefined)
  await tidy
  return true
}

/**
 * Removes, below `root`, temporaries not written for `olderThanMs`: no upload under way is, as a live one writes
 * within its timeout or gives up and removes its own. Age, not the pid in the name, decides: replicas that share
 * a folder may each be pid 1 in their own container, or on other hosts. Returns how many it removed.
 */
export async function sweep(root: string, olderThanMs: number): Promise<number> {
  let removed = 0
  const before = Date.now() - olderThanMs
  const walk = async (folder: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const full = path.join(folder, entry.name)
      if (entry.isDirectory() && depth < 32) await walk(full, depth + 1)
      if (!entry.isFile() || !TEMPORARY.test(entry.name)) continue
      const stats = await fs.stat(full).catch(() => undefined)
      if (stats === undefined || stats.mtimeMs > before) continue
      await fs.rm(full, { force: true }).then(
        () => removed++,
        () => undefined,
      )
    }
  }
  await walk(root, 0)
  return removed
}
