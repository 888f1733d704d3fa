import {isDeepStrictEqual} from 'node:util'

import {withinCallScope} from '../aws/call-log.js'
import {OpsctlError, StepTimeoutError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {opsctlVersion} from '../version.js'
import {type Clock, systemClock} from '../time/clock.js'
import {ownedSignal, raceSignal} from './deadline.js'
import {Interrupts} from './interrupts.js'
import {newRunId, writeJournal} from './journal.js'
import {redact} from '../secrets/redact.js'
import {type RunReporter, silentReporter} from './reporter.js'
import type {RunRecord, Step, StepError, StepIO, StepOutputs, StepResult, Workflow} from './types.js'

/** How long one step's compensation may take, unless the step says, before opsctl gives up and asks for a clean-up by hand. */
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
  /** The journal of an earlier attempt: the steps it completed (and nothing undid since) are skipped. */
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

interface Failure {
  error: unknown
  index: number
}

/**
 * Runs a workflow's steps in order, journaling after every step. On a failure or an interrupt it
 * undoes the completed steps in reverse order. In a dry run, read-only steps run until the first
 * mutating step; from there on every step is only planned, since it would act on a change that was not made.
 */
export async function runWorkflow<C>(options: RunOptions<C>): Promise<RunOutcome> {
  return new WorkflowRun(options).run()
}

class WorkflowRun<C> {
  private readonly clock: Clock
  private readonly reporter: RunReporter
  private readonly secrets: string[]
  private readonly record: RunRecord
  private readonly outputs = new Map<string, StepOutputs>()
  /** Steps skipped because an earlier attempt completed them: undone like completed ones. */
  private readonly reused = new Set<number>()
  private readonly interrupts: Interrupts
  private planning = false
  private asked = false
  /** A mutating step started, in this attempt or an earlier one: from then on a failure is exit 1, not 2. */
  private changed: boolean

  constructor(private readonly options: RunOptions<C>) {
    this.clock = options.clock ?? systemClock
    this.reporter = options.reporter ?? silentReporter
    this.secrets = options.secrets ?? []
    this.interrupts = new Interrupts(options.interrupt)
    // As the journal stores them (no undefined values), so that resume compares like with like.
    const parameters: Record<string, unknown> = JSON.parse(JSON.stringify(redact(options.parameters, this.secrets)))
    const previous = options.resume
    if (previous) assertResumable(previous, options.workflow.name, parameters)
    this.changed = previous?.steps.some((s) => s.mutates && !['pending', 'planned'].includes(s.status)) ?? false
    this.record = {
      runId: previous?.runId ?? options.runId ?? newRunId(new Date(this.clock.now())),
      workflow: options.workflow.name,
      opsctlVersion,
      status: 'running',
      dryRun: options.dryRun ?? false,
      parameters,
      startedAt: this.isoNow(),
      region: options.region,
      metrics: {...previous?.metrics},
      warnings: [],
      steps: options.workflow.steps.map((s) => ({id: s.id, title: s.title, mutates: s.mutates, actions: s.actions, status: 'pending', calls: []})),
      resumedFrom: previous ? [...(previous.resumedFrom ?? []), previous.startedAt] : undefined,
    }
  }

  async run(): Promise<RunOutcome> {
    // Listened to until the last journal write, so that no signal can leave the journal "running".
    this.interrupts.listen()
    try {
      this.reporter.runStarted(this.record)
      await writeJournal(this.record)
      const failure = await this.runSteps()
      if (failure && this.options.undoOnFailure !== false) await this.undoCompleted(failure.index)
      this.settle(failure)
      await writeJournal(this.record)
      await this.reporter.runFinished(this.record)
      return {record: this.record, exitCode: this.exitCodeOf(failure), outputs: this.outputs}
    } finally {
      this.interrupts.close()
    }
  }

  private async runSteps(): Promise<Failure | undefined> {
    const completedEarlier = completedByEarlierAttempt(this.options.resume, this.options.workflow.steps)
    for (const [index, step] of this.options.workflow.steps.entries()) {
      const result = this.record.steps[index]
      const earlier = completedEarlier.get(step.id)
      if (earlier) {
        this.reuse(index, earlier)
        continue
      }
      if (this.record.dryRun && (this.planning || step.mutates)) {
        this.planning = true
        result.status = 'planned'
        this.reporter.stepFinished(result)
        continue
      }
      if (this.interrupts.run.aborted) return {error: this.interrupts.run.reason, index}
      const refusal = await this.confirmBeforeFirstChange(step)
      if (refusal) return {error: refusal, index}
      const error = await this.runStep(step, result)
      if (error !== undefined) return {error, index}
    }
    return undefined
  }

  private reuse(index: number, earlier: StepResult): void {
    const result = this.record.steps[index]
    const completedAt = earlier.completedAt ?? earlier.endedAt
    Object.assign(result, {status: 'skipped', note: `completed by an earlier attempt at ${completedAt}`, completedAt, outputs: earlier.outputs, missed: earlier.missed})
    this.reused.add(index)
    if (earlier.outputs) this.outputs.set(earlier.id, earlier.outputs)
    this.reporter.stepFinished(result)
  }

  /** The confirmation asked right before the first change; what it threw when the answer was no. */
  private async confirmBeforeFirstChange(step: Step<C>): Promise<unknown> {
    if (!step.mutates || this.asked) return undefined
    this.asked = true
    try {
      await this.options.beforeFirstChange?.()
    } catch (error) {
      return error
    }
    return undefined
  }

  /** Runs one step within its timeout and the run's interrupt; the error it failed with, if it did. */
  private async runStep(step: Step<C>, result: StepResult): Promise<unknown> {
    Object.assign(result, {status: 'running', startedAt: this.isoNow()})
    if (step.mutates) this.changed = true
    this.reporter.stepStarted(result)
    const timeoutMs = valueFor(step.timeoutMs, this.options.context)
    let failure: unknown
    try {
      const stepOutputs = await this.within(result, {parent: this.interrupts.run, ms: timeoutMs, expired: () => new StepTimeoutError(step.id, timeoutMs!)},
        (io) => step.run(this.options.context, io))
      if (stepOutputs) {
        this.outputs.set(step.id, stepOutputs)
        result.outputs = redact(stepOutputs, this.secrets)
      }
      result.status = 'succeeded'
    } catch (error) {
      failure = error ?? new Error(`step ${step.id} failed`)
      Object.assign(result, {status: 'failed', error: toStepError(error)})
    }
    this.finish(result)
    this.reporter.stepFinished(result)
    await writeJournal(this.record)
    return failure
  }

  /** The failed step first (it may have half-made something), then the completed ones, newest first. */
  private async undoCompleted(failedIndex: number): Promise<void> {
    for (let index = failedIndex; index >= 0; index--) {
      const step = this.options.workflow.steps[index]
      const result = this.record.steps[index]
      const completed = result.status === 'succeeded' || this.reused.has(index)
      const halfDone = result.status === 'failed' && step.mutates
      if (step.undo && (completed || halfDone)) await this.undoStep(step, result)
    }
  }

  /**
   * Journalled before it starts, so that a resume after a crash here knows the step may be half-undone.
   * Its own signal: the interrupt that stopped the run must not stop its compensation (a second one
   * does), and its own time limit, so that a compensation never hangs.
   */
  private async undoStep(step: Step<C>, result: StepResult): Promise<void> {
    result.undo = {status: 'running'}
    await writeJournal(this.record)
    this.reporter.undoStarted(result)
    const timeoutMs = valueFor(step.undoTimeoutMs, this.options.context) ?? UNDO_TIMEOUT_MS
    try {
      await this.within(result, {parent: this.interrupts.undo, ms: timeoutMs, expired: () => new StepTimeoutError(step.id, timeoutMs, 'The undo of step')},
        (io) => step.undo!(this.options.context, io))
      result.undo = {status: 'succeeded'}
      if (result.status !== 'failed') result.status = 'undone'
    } catch (error) {
      result.undo = {status: 'failed', error: toStepError(error)}
      this.warn(`Could not undo step ${step.id}: ${result.undo.error!.message} Clean it up by hand, or resume the run with --resume ${this.record.runId}.`)
    }
    this.reporter.stepUndone(result)
    await writeJournal(this.record)
  }

  /** Runs step code with a signal the runner owns, its AWS calls recorded into the step and retried until its deadline. */
  private async within<T>(result: StepResult, limits: Parameters<typeof ownedSignal>[1], body: (io: StepIO) => Promise<T>): Promise<T> {
    const owned = ownedSignal(this.clock, limits)
    const retryUntil = limits.ms === undefined ? undefined : Date.now() + limits.ms
    try {
      return await withinCallScope({calls: result.calls, signal: owned.signal, retryUntil},
        () => raceSignal(body(this.ioFor(result, owned.signal)), owned.signal))
    } finally {
      owned.dispose()
    }
  }

  private ioFor(result: StepResult, signal: AbortSignal): StepIO {
    return {
      runId: this.record.runId,
      clock: this.clock,
      signal,
      progress: (message) => this.reporter.stepProgress(result, message),
      warn: (message) => this.warn(message),
      missed: (detail) => {
        result.missed = detail
      },
      outputOf: (id) => this.outputs.get(id),
      metric: (name, value) => {
        this.record.metrics[name] = value
      },
    }
  }

  /** Warnings are part of the evidence: kept in the record and shown by the reporter. */
  private warn(message: string): void {
    this.record.warnings.push(message)
    this.reporter.warning(message)
  }

  private settle(failure: Failure | undefined): void {
    const {record, options} = this
    const interrupted = failure && exitCodeOf(failure.error) === ExitCode.Interrupted
    record.status = failure ? (interrupted ? 'interrupted' : 'failed') : this.planning ? 'planned' : 'succeeded'
    if (failure) record.error = toStepError(failure.error)
    else if (!this.planning && options.workflow.outcome) {
      record.outcome = redact(options.workflow.outcome((id) => this.outputs.get(id)), this.secrets)
      if (options.workflow.objective) {
        const missed = [...record.steps.filter((s) => s.missed).map((s) => s.id), ...options.workflow.objective(record.outcome)]
        record.objective = {met: missed.length === 0, missed}
      }
    }
    this.finish(record)
  }

  /** Exit 2 promises that nothing was changed: a refusal after a change is a failed run (exit 1). */
  private exitCodeOf(failure: Failure | undefined): ExitCode {
    if (!failure) return this.record.objective?.met === false ? ExitCode.ObjectiveMissed : ExitCode.Success
    const code = exitCodeOf(failure.error)
    return code === ExitCode.Usage && this.changed ? ExitCode.WorkflowFailed : code
  }

  private finish(target: {startedAt?: string; endedAt?: string; durationMs?: number}): void {
    const end = this.clock.now()
    target.endedAt = new Date(end).toISOString()
    target.durationMs = Math.max(0, end - Date.parse(target.startedAt!))
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString()
  }
}

const valueFor = <C>(value: number | ((ctx: C) => number) | undefined, ctx: C) => (typeof value === 'function' ? value(ctx) : value)

/**
 * The steps of an earlier attempt that a resume may skip: those it completed, in order, up to the first
 * one it did not complete or began to undo. Every later step runs again, since it acts on what that one makes.
 */
function completedByEarlierAttempt(previous: RunRecord | undefined, steps: {id: string}[]): Map<string, StepResult> {
  const completed = new Map<string, StepResult>()
  for (const step of steps) {
    const earlier = previous?.steps.find((s) => s.id === step.id)
    const done = earlier && !earlier.undo && (earlier.status === 'succeeded' || (earlier.status === 'skipped' && earlier.completedAt))
    if (!done) break
    completed.set(step.id, earlier)
  }
  return completed
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
