// What the command line writes to and reads the time from: the process's, or a test's.

/** Where the command line writes: its output and its errors (process.stdout and stderr, or a test's). */
export interface Out {
  out: (line: string) => void
  err: (line: string) => void
}

/** Where the CLI writes, and its clock (milliseconds; Date.now unless a test gives another). */
export type Io = Out & { now?: () => number }
