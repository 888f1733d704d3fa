import {AsyncLocalStorage} from 'node:async_hooks'

/** One AWS API call as recorded into the step that made it (CloudTrail can be searched by its request id). */
export interface AwsCall {
  service: string
  operation: string
  requestId?: string
  error?: string
}

/**
 * What the code making AWS calls is part of (a step, its undo, a compliance collector): where its calls
 * are recorded, the signal that stops it, and until when a transient error may be retried.
 */
export interface CallScope {
  calls?: AwsCall[]
  signal?: AbortSignal
  /** Epoch milliseconds (real time): transient errors are retried until then. */
  retryUntil?: number
}

const currentScope = new AsyncLocalStorage<CallScope>()

/** Runs `fn` so that every AWS call it makes belongs to `scope`. */
export function withinCallScope<T>(scope: CallScope, fn: () => Promise<T>): Promise<T> {
  return currentScope.run(scope, fn)
}

export function callScope(): CallScope | undefined {
  return currentScope.getStore()
}

export function recordCall(call: AwsCall): void {
  currentScope.getStore()?.calls?.push(call)
}
