// A load of the revocations' set into a process's copy: in pages (ZSCAN: each a short step for Redis, and a pause
// for this process's event loop between them), keeping what arrives meanwhile (RevocationSet.load).
import { revocationOf, type Revocation } from './revocation.js'
import type { RevocationSet } from './revocation-set.js'
import type { Send } from './redis-connection.js'

// How many members of the set one ZSCAN asks for: a page of about 100 kB, each decoded in well under the 50 ms an
// event loop may block.
const PAGE = 1000

/** Loads the set `setKey` through `command` in place of the copy `revocations`; rejects as the command does. */
export async function loadRevocations(command: Send, setKey: string, revocations: RevocationSet): Promise<void> {
  const into = revocations.load()
  let cursor = '0'
  do {
    const [next, flat] = (await command(setKey, ['ZSCAN', setKey, cursor, 'COUNT', String(PAGE)])) as [
      unknown,
      unknown[],
    ]
    into.put(membersOf(flat))
    cursor = textOf(next)
  } while (cursor !== '0')
  into.finish()
}

// A reply as text: node-redis gives strings, or Buffers when the app's client maps them so (typeMapping).
function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return String(value)
}

// The revocations among a ZSCAN page (member, score, member, score...): the members that decode as one.
function* membersOf(flat: readonly unknown[]): Generator<Revocation> {
  for (let i = 0; i < flat.length; i += 2) {
    const member = textOf(flat[i])
    if (member.charCodeAt(0) !== 0x7b /* { */) continue
    try {
      const revocation = revocationOf(JSON.parse(member))
      if (revocation !== undefined) yield revocation
    } catch {
      // Not one of ours.
    }
  }
}
