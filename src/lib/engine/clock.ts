/** Time, injected so that waits of minutes are tested in milliseconds. */
export interface Clock {
  now(): number
  /** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** A signal that aborts once `ms` have passed on this clock. */
  timeout(ms: number): AbortSignal
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  },
  timeout: (ms) => AbortSignal.timeout(ms),
}

/**
 * A clock whose time moves only when something sleeps on it: every sleep returns at once and
 * advances `now` by its length. Timeouts fire when the time passes them.
 */
export class VirtualClock implements Clock {
  private timers: {at: number; controller: AbortController}[] = []

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

  timeout(ms: number): AbortSignal {
    const controller = new AbortController()
    this.timers.push({at: this.time + ms, controller})
    return controller.signal
  }

  advance(ms: number): void {
    this.time += ms
    const due = this.timers.filter((t) => t.at <= this.time)
    this.timers = this.timers.filter((t) => t.at > this.time)
    for (const t of due) t.controller.abort(new DOMException('The operation timed out.', 'TimeoutError'))
  }
}
