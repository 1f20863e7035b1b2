// The deadlines of the Redis store's commands, all kept by one timer: a command not answered within its time is
// refused, however Redis fails to answer (stopped, a long script, a network that drops packets without closing).

/** A command's deadline: `late` is called, once, if its time passes before {@link Deadlines.done}. */
export interface Deadline {
  readonly at: number
  late: ((err: Error) => void) | undefined
}

/**
 * Deadlines `ms` after each start. Every deadline is as long, so they fall due in the order they started: they wait
 * in that order, and one timer, armed for the first, refuses what is due when it fires and is armed again for the
 * next. A timer and a race per command cost a limited-use link a tenth of its round trip to Redis (measured,
 * bench:store); this costs one timer per `ms` while commands keep coming. `now` is a monotonic clock in ms.
 */
export class Deadlines {
  // Deadlines started and not yet let go, oldest first, from `head` on.
  private queue: Deadline[] = []
  private head = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts the time of a command: `late` is told, with an Error, once it has had `ms` without an answer. */
  start(late: (err: Error) => void): Deadline {
    const deadline: Deadline = { at: this.now() + this.ms, late }
    this.queue.push(deadline)
    // A timer already armed is due no later than this deadline: it was armed for an earlier one.
    this.timer ??= this.arm(this.ms)
    return deadline
  }

  /** The command was answered (or failed): its deadline no longer counts. */
  done(deadline: Deadline): void {
    deadline.late = undefined
    // Answers mostly come in the order sent: the answered ones at the front go at once.
    while (this.head < this.queue.length && this.queue[this.head].late === undefined) this.head++
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    }
  }

  /** How many deadlines wait (answered ones behind an unanswered one among them). */
  get size(): number {
    return this.queue.length - this.head
  }

  private readonly fire = (): void => {
    this.timer = undefined
    const now = this.now()
    while (this.head < this.queue.length) {
      const first = this.queue[this.head]
      if (first.late !== undefined && first.at > now) break
      this.head++
      const late = first.late
      first.late = undefined
      late?.(new Error('createRedisStore: Redis did not answer in time'))
    }
    // What is let go leaves the array now and then, not at every step.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (this.head < this.queue.length) this.timer = this.arm(this.queue[this.head].at - now)
  }

  // The timer holds no process open.
  private arm(ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(this.fire, Math.max(0, ms))
    ;(timer as { unref?: () => void }).unref?.()
    return timer
  }
}
