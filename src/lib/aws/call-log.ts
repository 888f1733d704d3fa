import {AsyncLocalStorage} from 'node:async_hooks'

/** One AWS API call as recorded into the step that made it (CloudTrail can be searched by its request id). */
export interface AwsCall {
  service: string
  operation: string
  requestId?: string
  error?: string
}

const currentLog = new AsyncLocalStorage<AwsCall[]>()

/** Runs `fn` so that every AWS call it makes is appended to `calls`. */
export function recordCallsInto<T>(calls: AwsCall[], fn: () => Promise<T>): Promise<T> {
  return currentLog.run(calls, fn)
}

export function recordCall(call: AwsCall): void {
  currentLog.getStore()?.push(call)
}
