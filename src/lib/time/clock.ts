/** Time, injected so that waits of minutes are tested in milliseconds. */
export interface Clock {
  now(): number
  /** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Calls `fire` once `ms` have passed on this clock, however long that is; the function returned cancels it. */
  schedule(ms: number, fire: () => void): () => void
}

/** An hour and a day in milliseconds. */
export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms. Longer waits are chained. */
const longestTimerMs = 2 ** 31 - 1

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return sleepOn(this, ms, signal)
  },
  schedule(ms, fire) {
    let timer: NodeJS.Timeout
    const arm = (left: number) => {
      timer = setTimeout(() => (left > longestTimerMs ? arm(left - longestTimerMs) : fire()), Math.min(left, longestTimerMs))
    }
    arm(Math.max(0, ms))
    return () => clearTimeout(timer)
  },
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      cancel()
      reject(signal!.reason)
    }
    const cancel = clock.schedule(ms, () => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    })
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

/**
 * A clock whose time moves only when something sleeps on it: every sleep returns at once and
 * advances `now` by its length. Scheduled timers fire when the time passes them.
 */
export class VirtualClock implements Clock {
  private timers: {at: number; fire: () => void}[] = []

  constructor(private time = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.time
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason
    this.advance(ms)
    await new Promise((resolve) => setImmediate(resolve))
    if (signal?.aborted) throw signal.reason
  }

  schedule(ms: number, fire: () => void): () => void {
    const timer = {at: this.time + ms, fire}
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((t) => t !== timer)
    }
  }

  advance(ms: number): void {
    this.time += ms
    const due = this.timers.filter((t) => t.at <= this.time)
    this.timers = this.timers.filter((t) => t.at > this.time)
    for (const t of due) t.fire()
  }
}
