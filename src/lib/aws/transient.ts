import type {InitializeMiddleware, MetadataBearer} from '@smithy/types'

import {systemClock} from '../time/clock.js'
import {callScope} from './call-log.js'

/** How long a call outside any step or collector deadline keeps retrying transient errors. */
export const DEFAULT_RETRY_BUDGET_MS = 2 * 60_000

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'TransactionInProgressException',
])
const transientCodes = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
])
// ECONNREFUSED and ENOTFOUND are left out: nothing listens at the endpoint, which waiting does not mend.
const networkCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
const transientStatuses = new Set([429, 500, 502, 503, 504])

interface SdkError {
  name?: string
  code?: string
  message?: string
  $retryable?: unknown
  $metadata?: {httpStatusCode?: number}
}

/**
 * Throttling, a 5xx from AWS, a timeout or a dropped connection: errors that pass. Not an answer that is
 * not AWS's at all (an emulator's HTML error page for an operation it does not implement), which never passes.
 */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as SdkError | undefined
  if (!e || e.name === 'AbortError' || /Deserialization error/.test(e.message ?? '')) return false
  return (
    transientStatuses.has(e.$metadata?.httpStatusCode ?? 0) ||
    throttlingCodes.has(e.name ?? '') ||
    transientCodes.has(e.name ?? '') ||
    networkCodes.has(e.code ?? '') ||
    e.$retryable !== undefined
  )
}

/** Exponential back-off with jitter: 0.5 s, 1 s, 2 s … up to 20 s, each between half and all of it. */
const backoffMs = (attempt: number) => Math.min(20_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)

/**
 * SDK middleware: a call whose own retries (--max-attempts) all met transient errors is sent again after a
 * back-off, until its scope's deadline (the step's timeout, a collector's deadline) or a stop of the scope.
 * A transient error is not a failure: under throttling a run slows down instead of failing.
 */
export const retryTransientErrors: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  const scope = callScope()
  const until = scope?.retryUntil ?? Date.now() + DEFAULT_RETRY_BUDGET_MS
  for (let attempt = 0; ; attempt++) {
    try {
      return await next(args)
    } catch (error) {
      const waitMs = backoffMs(attempt)
      if (!isTransientAwsError(error) || scope?.signal?.aborted || Date.now() + waitMs > until) throw error
      await systemClock.sleep(waitMs, scope?.signal)
    }
  }
}
