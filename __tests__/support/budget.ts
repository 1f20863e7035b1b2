// How long a test that starts processes may take: jest's timeout for it, counted from the work it does.
//
// A Node process (the CLI, the example app, npm, tsc) is up in a fraction of a second on an idle machine, and in
// several seconds on a loaded one: two cores shared by jest's workers, the processes they start, and two busy
// loops beside `npm test` (what the suite is checked under). A test's budget is PER_PROCESS for each process it
// starts one after another, plus what else it waits for, so that it runs out on a hang, never on a slow machine.

/** What one process may take to start, do its work and exit, on a loaded machine (generous: a hang is minutes). */
export const PER_PROCESS = 20_000

/** Jest's timeout for a test that starts `processes` processes one after another, plus `otherMs` of other work. */
export function budget(processes: number, otherMs = 5_000): number {
  return processes * PER_PROCESS + otherMs
}
