// The suites' environment: jest's Node environment, less one warning that comes from a dependency.
//
// parseurl (which Express, Connect, serve-static and the guards use to read a request's target) calls Node's
// url.parse, and Node warns once per process (DEP0170) when url.parse meets a URL it deems invalid. The attack and
// request-target suites send such targets on purpose, to show they are refused; the warning is about parseurl's
// call, not about this package, and no change here can remove it. So a DEP0170 raised under parseurl is dropped;
// every other warning, DEP0170 from anywhere else included, is printed as before.
//
// This module runs in the worker itself (not in a suite's sandbox, whose `process` is a copy), so the wrapper is on
// the process Node's url module warns through.
import path from 'node:path'
import NodeEnvironment from 'jest-environment-node'

const FROM_PARSEURL = `${path.sep}node_modules${path.sep}parseurl${path.sep}`
const WRAPPED = Symbol.for('express-signed-url:test-warnings')

/** Whether a warning is Node's DEP0170 raised inside parseurl. */
export function isParseurlUrlWarning(args: unknown[], stack: string): boolean {
  const [, type, code] = args
  const given = typeof type === 'object' && type !== null ? (type as { code?: unknown }).code : code
  return given === 'DEP0170' && stack.includes(FROM_PARSEURL)
}

const host = process as NodeJS.Process & { [WRAPPED]?: true }
if (!host[WRAPPED]) {
  host[WRAPPED] = true
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void
  process.emitWarning = ((...args: unknown[]) => {
    if (isParseurlUrlWarning(args, new Error().stack ?? '')) return
    emitWarning(...args)
  }) as typeof process.emitWarning
}

export default NodeEnvironment
