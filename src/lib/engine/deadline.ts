import type {Clock} from '../time/clock.js'

/** A signal its owner controls, and the one call that frees its timer and its listener on the parent. */
export interface OwnedSignal {
  signal: AbortSignal
  dispose(): void
}

/**
 * A signal aborted when `parent` aborts (with the parent's reason) or once `ms` have passed on the clock
 * (with `expired()`). The runner owns the timer, so it fires whatever its size and is never collected
 * before it fires, as AbortSignal.any/AbortSignal.timeout can be on Node 20.
 */
export function ownedSignal(clock: Clock, options: {parent?: AbortSignal; ms?: number; expired?: () => Error}): OwnedSignal {
  const controller = new AbortController()
  const {parent, ms, expired} = options
  const onParentAbort = () => controller.abort(parent!.reason)
  if (parent?.aborted) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, {once: true})
  const cancel = ms === undefined ? () => {} : clock.schedule(ms, () => controller.abort(expired?.() ?? new Error(`timed out after ${ms} ms`)))
  return {
    signal: controller.signal,
    dispose() {
      cancel()
      parent?.removeEventListener('abort', onParentAbort)
    },
  }
}

/** The promise, or a rejection with the signal's reason as soon as it aborts (the promise may go on in the background). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
