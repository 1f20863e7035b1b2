// A response's res.locals, for the guards (what they verified) and signUrls (its helpers): here, so neither
// imports the other for it.
import type { ServerResponse } from 'node:http'

/** A response's `res.locals`: Express's, or one made for it where there is none (Connect). */
export function localsOf(res: ServerResponse): Record<string, unknown> {
  const withLocals = res as ServerResponse & { locals?: Record<string, unknown> }
  if (withLocals.locals === undefined) withLocals.locals = Object.create(null) as Record<string, unknown>
  return withLocals.locals
}
