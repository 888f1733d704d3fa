import {ExitCode} from './exit-codes.js'

/**
 * An error a user can act on: one sentence saying what is wrong, with which resource, and what to do.
 * `code` is a stable machine-readable name for --json consumers.
 */
export class OpsctlError extends Error {
  /** What the command produced before it failed (a run record, findings); --json shows it. */
  result?: unknown
  /** The message is already on stdout (a scan's verdict line ends its table): a terminal need not show it twice. */
  shownOnStdout = false

  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.WorkflowFailed,
    readonly code: string = 'WorkflowFailed',
  ) {
    super(message)
    this.name = 'OpsctlError'
  }
}

/** Bad input or a precondition that does not hold. Raised before anything is changed. */
export class UsageError extends OpsctlError {
  constructor(message: string, code = 'InvalidInput') {
    super(message, ExitCode.Usage, code)
    this.name = 'UsageError'
  }
}

/**
 * A write refused whole (another change landed first, a condition that no longer holds): nothing of it was written,
 * so it is exit 2 also from a step that changes things, when no change came before it.
 */
export class RefusedWriteError extends UsageError {
  constructor(message: string, code = 'RefusedWrite') {
    super(message, code)
    this.name = 'RefusedWriteError'
  }
}

/** Missing resource: still a usage error (exit 2), with its own code. */
export class NotFoundError extends UsageError {
  constructor(message: string) {
    super(message, 'NotFound')
    this.name = 'NotFoundError'
  }
}

export class StepTimeoutError extends OpsctlError {
  constructor(stepId: string, timeoutMs: number, what = 'Step') {
    super(
      `${what} ${stepId} timed out after ${Math.round(timeoutMs / 1000)} s; raise its timeout or look at the resource in the AWS console.`,
      ExitCode.WorkflowFailed,
      'StepTimeout',
    )
    this.name = 'StepTimeoutError'
  }
}

export class InterruptedError extends OpsctlError {
  constructor(signal = 'SIGINT', what = 'completed steps were undone') {
    super(`Interrupted by ${signal}; ${what}.`, ExitCode.Interrupted, 'Interrupted')
    this.name = 'InterruptedError'
  }
}

/** A drill ran to the end but missed its objective (RTO above target, nothing changed): exit 4. */
export class ObjectiveMissedError extends OpsctlError {
  constructor(message: string, result?: unknown) {
    super(message, ExitCode.ObjectiveMissed, 'ObjectiveMissed')
    this.name = 'ObjectiveMissedError'
    this.result = result
  }
}

/** Findings: compliance findings at or above the --fail-on severity, or keys that do not meet the rotation policy: exit 3. */
export class FindingsError extends OpsctlError {
  constructor(message: string, result?: unknown) {
    super(message, ExitCode.Findings, 'Findings')
    this.name = 'FindingsError'
    this.result = result
  }
}
