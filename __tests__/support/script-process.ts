// A script (an example app, a support server) started as a process of its own, for the suites that need one (a
// process, because @tus/server is an ES module jest's module runtime cannot load): started, and ready once it
// prints the line that says where it listens.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'

/** The examples folder. */
export const EXAMPLES = path.join(__dirname, '..', '..', 'examples')

/** The environment the example app runs in as `npm start` runs it: a fresh key, no key ring, no Redis. */
export function exampleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', SIGNING_KEY: randomBytes(32).toString('base64url') }
  delete env.SIGNING_KEYS
  delete env.REDIS_URL
  return { ...env, ...extra }
}

/**
 * Starts `script` with `env`; resolves with the process and what `ready` matched in its output once it printed it,
 * and rejects if the process exits before. The caller kills it.
 */
export function startScript(
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const match = ready.exec(out)
      if (match) resolve({ child, match })
    })
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited with ${code}`)))
  })
}
