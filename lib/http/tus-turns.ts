// Taking turns on one resumable upload, and answering for one that has landed. @tus/server locks an upload only
// while it writes; its hooks (landing) and the answer (held for a checksum) come after, unlocked. So that no
// creation, chunk or checksum's cut meets another's half-done work, the requests that change an upload take turns
// here first, within this process (route one upload's requests to one process: they come from one client, in
// order). A newer request does not wait on a stalled one: as tus does, the older is ended, unless it is already
// finishing (landing, or its checksum being checked), which is short.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Next, RefuseUpload } from './middleware.js'

interface Turn {
  done: Promise<void>
  end: () => void
}

/** The turns of each upload (by id). */
export function createTurns() {
  const turns = new Map<string, Turn>()
  return {
    /** Waits for the upload's turn (ending an older request still receiving); resolves with its release. */
    async take(id: string, req: IncomingMessage, res: ServerResponse): Promise<() => void> {
      for (let held = turns.get(id); held !== undefined; held = turns.get(id)) {
        held.end()
        await held.done
      }
      let release = (): void => undefined
      const done = new Promise<void>((resolve) => (release = resolve))
      // Still receiving its body: ended (what arrived stays, for the client to resume). Finishing: waited for.
      const end = () => {
        if (!req.complete && !res.headersSent) req.destroy()
      }
      turns.set(id, { done, end })
      const give = () => {
        if (turns.get(id)?.done === done) turns.delete(id)
        release()
      }
      // A response whose connection is gone never finishes (Node calls no end callback on it, and @tus/server waits
      // for one): its turn ends with the connection. What it was doing cannot harm a landed file (land-upload.ts).
      res.once('close', give)
      if (res.destroyed) give()
      return give
    },
  }
}

/**
 * Answers a tus request for an upload that has landed (its bytes are in the served folder, not among the partials):
 * HEAD says it is whole; the last PATCH again (at its end, empty) is told so again; anything else would change a
 * landed file, and is refused (409).
 */
export function answerLanded(
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  size: number,
  refuse: RefuseUpload,
) {
  const offset = req.headers['upload-offset']
  // An empty body: a Content-Length of 0, or none at all (a chunked body may hold bytes).
  const empty =
    req.headers['content-length'] === '0' ||
    (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
  const again = req.method === 'PATCH' && offset === String(size) && empty
  if (req.method !== 'HEAD' && !again) {
    refuse('ERR_UPLOAD_EXISTS', req, res, next)
    return
  }
  res.statusCode = again ? 204 : 200
  res.setHeader('Tus-Resumable', '1.0.0')
  res.setHeader('Upload-Offset', String(size))
  res.setHeader('Upload-Length', String(size))
  res.setHeader('Cache-Control', 'no-store')
  res.end()
}
