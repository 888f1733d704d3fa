import {isDeepStrictEqual} from 'node:util'

import {recordCallsInto} from '../aws/call-log.js'
import {InterruptedError, OpsctlError, StepTimeoutError, UsageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {opsctlVersion} from '../version.js'
import {type Clock, systemClock} from './clock.js'
import {newRunId, writeJournal} from './journal.js'
import {redact} from './redact.js'
import {type RunReporter, silentReporter} from './reporter.js'
import type {RunRecord, Step, StepError, StepIO, StepOutputs, StepResult, Workflow} from './types.js'

/** How long one step's compensation may take before opsctl gives up and asks for a manual clean-up. */
export const UNDO_TIMEOUT_MS = 30 * 60_000

export interface RunOptions<C> {
  workflow: Workflow<C>
  context: C
  /** As given by the user; recorded (secrets redacted) and compared on resume. */
  parameters: Record<string, unknown>
  /** Parameter and output names whose values are secrets. */
  secrets?: string[]
  runId?: string
  dryRun?: boolean
  /** The journal of an earlier attempt: its completed steps are skipped. */
  resume?: RunRecord
  /** false keeps what the run created when it fails (--keep-on-failure). */
  undoOnFailure?: boolean
  clock?: Clock
  reporter?: RunReporter
  /** Aborting it interrupts the run like Ctrl-C. SIGINT and SIGTERM are also listened to while the run lasts. */
  interrupt?: AbortSignal
  region?: string
  /**
   * Called once, after the read-only checks and right before the first change (never in a dry run):
   * the place to ask "proceed?". Throwing stops the run there, with nothing changed.
   */
  beforeFirstChange?: () => Promise<void>
}

export interface RunOutcome {
  record: RunRecord
  exitCode: ExitCode
  /** Outputs of every step that ran or was resumed, by step id, unredacted (in memory only). */
  outputs: Map<string, StepOutputs>
}

/**
 * Runs a workflow's steps in order, journaling after every step. On a failure or an interrupt it
 * undoes the completed steps in reverse order. In a dry run, read-only steps run until the first
 * mutating step; from there on every step is only planned, since it would act on a change that was not made.
 */
export async function runWorkflow<C>(options: RunOptions<C>): Promise<RunOutcome> {
  const clock = options.clock ?? systemClock
  const reporter = options.reporter ?? silentReporter
  const secrets = options.secrets ?? []
  // As the journal stores them (no undefined values), so that resume compares like with like.
  const parameters: Record<string, unknown> = JSON.parse(JSON.stringify(redact(options.parameters, secrets)))
  const previous = options.resume
  if (previous) assertResumable(previous, options.workflow.name, parameters)

  const record: RunRecord = {
    runId: previous?.runId ?? options.runId ?? newRunId(new Date(clock.now())),
    workflow: options.workflow.name,
    opsctlVersion,
    status: 'running',
    dryRun: options.dryRun ?? false,
    parameters,
    startedAt: new Date(clock.now()).toISOString(),
    region: options.region,
    metrics: {...previous?.metrics},
    warnings: [],
    steps: options.workflow.steps.map((s) => ({id: s.id, title: s.title, mutates: s.mutates, actions: s.actions, status: 'pending', calls: []})),
    resumedFrom: previous ? [...(previous.resumedFrom ?? []), previous.startedAt] : undefined,
  }
  const outputs = new Map<string, StepOutputs>()
  const completedEarlier = new Set<string>()
  const interrupt = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => () => interrupt.abort(new InterruptedError(signal))
  const onSigint = onSignal('SIGINT')
  const onSigterm = onSignal('SIGTERM')
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)
  options.interrupt?.addEventListener('abort', () => interrupt.abort(new InterruptedError()), {once: true})

  const ioFor = (result: StepResult, signal: AbortSignal): StepIO => ({
    runId: record.runId,
    clock,
    signal,
    progress: (message) => reporter.stepProgress(result, message),
    warn,
    outputOf: (id) => outputs.get(id),
    metric: (name, value) => {
      record.metrics[name] = value
    },
  })

  /** Warnings are part of the evidence: kept in the record and shown by the reporter. */
  function warn(message: string): void {
    record.warnings.push(message)
    reporter.warning(message)
  }

  reporter.runStarted(record)
  let failure: {error: unknown; index: number} | undefined
  let planning = false
  let changing = false
  try {
    await writeJournal(record)
    for (const [index, step] of options.workflow.steps.entries()) {
      const result = record.steps[index]
      const earlier = previous?.steps.find((s) => s.id === step.id && s.status === 'succeeded')
      if (earlier) {
        Object.assign(result, {status: 'skipped', note: `completed by an earlier attempt at ${earlier.endedAt}`, outputs: earlier.outputs})
        completedEarlier.add(step.id)
        if (earlier.outputs) outputs.set(step.id, earlier.outputs)
        reporter.stepFinished(result)
        continue
      }
      if (record.dryRun && (planning || step.mutates)) {
        planning = true
        result.status = 'planned'
        reporter.stepFinished(result)
        continue
      }
      if (interrupt.signal.aborted) {
        failure = {error: interrupt.signal.reason, index}
        break
      }
      if (step.mutates && !changing) {
        changing = true
        try {
          await options.beforeFirstChange?.()
        } catch (error) {
          failure = {error, index}
          break
        }
      }
      try {
        const stepOutputs = await runStep(step, result)
        if (stepOutputs) {
          outputs.set(step.id, stepOutputs)
          result.outputs = redact(stepOutputs, secrets)
        }
        result.status = 'succeeded'
      } catch (error) {
        result.status = 'failed'
        result.error = toStepError(error)
        failure = {error, index}
      } finally {
        finish(result)
        reporter.stepFinished(result)
        await writeJournal(record)
      }
      if (failure) break
    }

    if (failure && options.undoOnFailure !== false) await undoCompleted(failure.index)
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigterm)
  }

  const interrupted = failure?.error instanceof InterruptedError
  record.status = failure ? (interrupted ? 'interrupted' : 'failed') : planning ? 'planned' : 'succeeded'
  if (failure) record.error = toStepError(failure.error)
  else if (!planning && options.workflow.outcome) {
    record.outcome = redact(options.workflow.outcome((id) => outputs.get(id)), secrets)
    const missed = options.workflow.objective?.(record.outcome)
    if (missed) record.objective = {met: missed.length === 0, missed}
  }
  finish(record)
  await writeJournal(record)
  await reporter.runFinished(record)
  const exitCode = failure ? exitCodeOf(failure.error) : record.objective?.met === false ? ExitCode.ObjectiveMissed : ExitCode.Success
  return {record, exitCode, outputs}

  async function runStep(step: Step<C>, result: StepResult): Promise<StepOutputs | void> {
    result.status = 'running'
    result.startedAt = new Date(clock.now()).toISOString()
    reporter.stepStarted(result)
    const timeoutMs = typeof step.timeoutMs === 'function' ? step.timeoutMs(options.context) : step.timeoutMs
    const signals = [interrupt.signal]
    if (timeoutMs) signals.push(clock.timeout(timeoutMs))
    const signal = AbortSignal.any(signals)
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
        ? new StepTimeoutError(step.id, timeoutMs!)
        : signal.reason)
      if (signal.aborted) onAbort()
      signal.addEventListener('abort', onAbort, {once: true})
    })
    return recordCallsInto(result.calls, () => Promise.race([step.run(options.context, ioFor(result, signal)), aborted]))
  }

  /** The failed step first (it may have half-made something), then the completed ones, newest first. */
  async function undoCompleted(failedIndex: number): Promise<void> {
    for (let index = failedIndex; index >= 0; index--) {
      const step = options.workflow.steps[index]
      const result = record.steps[index]
      const completed = result.status === 'succeeded' || completedEarlier.has(step.id)
      const halfDone = result.status === 'failed' && step.mutates
      if (!step.undo || !(completed || halfDone)) continue
      try {
        // Its own signal: the interrupt that stopped the run must not stop its compensation, but a compensation must not hang either.
        const signal = clock.timeout(UNDO_TIMEOUT_MS)
        await recordCallsInto(result.calls, () => step.undo!(options.context, ioFor(result, signal)))
        result.undo = {status: 'succeeded'}
        if (result.status !== 'failed') result.status = 'undone'
      } catch (error) {
        result.undo = {status: 'failed', error: toStepError(error)}
        warn(`Could not undo step ${step.id}: ${(error as Error).message} Clean it up by hand.`)
      }
      reporter.stepUndone(result)
      await writeJournal(record)
    }
  }

  function finish(target: {startedAt?: string; endedAt?: string; durationMs?: number}): void {
    const end = clock.now()
    target.endedAt = new Date(end).toISOString()
    target.durationMs = end - Date.parse(target.startedAt!)
  }
}

function assertResumable(previous: RunRecord, workflow: string, parameters: Record<string, unknown>): void {
  if (previous.workflow !== workflow) {
    throw new UsageError(`Run ${previous.runId} is a ${previous.workflow} run, not ${workflow}; resume it with the command that started it.`, 'ResumeMismatch')
  }
  if (previous.status === 'succeeded') {
    throw new UsageError(`Run ${previous.runId} already succeeded; there is nothing to resume.`, 'ResumeMismatch')
  }
  if (previous.dryRun) {
    throw new UsageError(`Run ${previous.runId} was a dry run; start a new run instead of resuming it.`, 'ResumeMismatch')
  }
  if (!isDeepStrictEqual(previous.parameters, parameters)) {
    throw new UsageError(`Run ${previous.runId} was started with other parameters (${JSON.stringify(previous.parameters)}); resume it with the same ones or start a new run.`, 'ResumeMismatch')
  }
}

export function toStepError(error: unknown): StepError {
  if (error instanceof OpsctlError) return {code: error.code, message: error.message}
  const e = error as {name?: string; message?: string; $metadata?: {requestId?: string}}
  const requestId = e?.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : ''
  return {code: e?.name ?? 'Error', message: `${e?.message ?? String(error)}${requestId}`}
}

function exitCodeOf(error: unknown): ExitCode {
  return error instanceof OpsctlError ? error.exitCode : ExitCode.WorkflowFailed
}
