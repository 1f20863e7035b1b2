// How long a test that starts processes may take: jest's timeout for it, counted from the work it does.
//
// A Node process (the CLI, the example app, npm, tsc) is up in a fraction of a second on an idle machine, and in
// several seconds on a loaded one: two cores shared by jest's workers, the processes they start, and two busy
// loops beside `npm test` (what the suite is checked under). A test's budget is jest's timeout for any test (the
// config's testTimeout) plus PER_PROCESS for each process it starts one after another, so that it runs out on a
// hang, never on a slow machine.

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const { testTimeout } = require('../../jest.config.js') as { testTimeout: number }

/** What one process may take to start, do its work and exit, on a loaded machine (generous: a hang is minutes). */
export const PER_PROCESS = 20_000

/** Jest's timeout for a test that starts `processes` processes one after another. */
export function budget(processes: number): number {
  return testTimeout + processes * PER_PROCESS
}

/**
 * jest's `it` for a test that starts `processes` processes one after another, with their budget as its timeout:
 * `starting(2).it('restarts the server', async () => { ... })`.
 */
export function starting(processes: number): { it(name: string, fn: jest.ProvidesCallback): void } {
  return { it: (name, fn) => it(name, fn, budget(processes)) }
}
