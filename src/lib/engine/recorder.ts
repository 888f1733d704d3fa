import {isDeepStrictEqual} from 'node:util'

import {type AwsCall, withinCallScope} from '../aws/call-log.js'
import {isNotFound} from '../aws/idempotent.js'
import {OpsctlError, RefusedWriteError, StepTimeoutError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {redact} from '../secrets/redact.js'
import {type Clock, systemClock} from '../time/clock.js'
import {opsctlVersion} from '../version.js'
import {ownedSignal, raceSignal} from './deadline.js'
import {Interrupts} from './interrupts.js'
import {newRunId, writeJournal} from './journal.js'
import {type RunReporter, silentReporter} from './reporter.js'
import type {RunRecord, StepError, StepIO, StepOutputs, StepResult} from './types.js'

/** How long one step's compensation may take, unless the step says, before opsctl gives up and asks for a clean-up by hand. */
export const UNDO_TIMEOUT_MS = 30 * 60_000

export interface RecorderOptions {
  workflow: string
  /** The steps as the record lists them, in order. */
  steps: Pick<StepResult, 'id' | 'title' | 'mutates' | 'actions'>[]
  /** As given by the user; recorded with secrets redacted, and compared on resume. */
  parameters: Record<string, unknown>
  /** Parameter and output names whose values are secrets (beyond the names that say so themselves). */
  secrets?: string[]
  runId?: string
  dryRun?: boolean
  /** The journal of the earlier attempt this run resumes. */
  resume?: RunRecord
  clock?: Clock
  reporter?: RunReporter
  /** Aborting it interrupts the run like Ctrl-C. SIGINT and SIGTERM are also listened to while the run lasts. */
  interrupt?: AbortSignal
  region?: string
  /** A nested document's run lives in its parent's step: no journal of its own. */
  journal?: boolean
  /** When the run started, if not now: an SSM Automation execution recorded after the fact. */
  startedAt?: string
  /** The SSM Automation execution whose steps this run records (--engine ssm, runbook status). */
  executionId?: string
}

export interface RunOutcome {
  record: RunRecord
  exitCode: ExitCode
  /** Outputs of every step that ran or was resumed, by step id, unredacted (in memory only). */
  outputs: Map<string, StepOutputs>
}

/** How a driver's walk through the steps ended. */
export interface Settlement {
  /** What stopped the run, if something did. */
  failure?: unknown
  /** A completed run's outcome, in the domain's words, and what it missed of its objective (exit 4 when not empty). */
  outcome?: object
  objective?: string[]
  /** The note of a step the run never reached; without it such a step stays pending ("not run"). */
  unreached?(step: StepResult): string | undefined
  /** When the run ended, if not now: as SSM reports an execution's end. */
  endedAt?: string
  /** The run goes on elsewhere (an SSM execution looked at while it runs): the record stays running. */
  ongoing?: boolean
}

/** What a driver following steps that run elsewhere (in SSM) saw of a step's end: when it was, and the calls that read it. */
export interface SeenEnd {
  endedAt?: string
  calls?: AwsCall[]
}

/** The time limits of one piece of step code: the signal it answers to, and how long it may take. */
interface Limits {
  parent: AbortSignal
  ms?: number
  expired?: () => Error
}

/**
 * The bookkeeping of a run, whichever driver walks its steps (the linear runner, or a runbook's graph):
 * the RunRecord, the journal after every change, the signals, each step code's time limit and call scope,
 * secrets redacted, and the exit code. A driver says what happens (begin, succeed, fail, undo); this records it.
 */
export class RunRecorder {
  readonly record: RunRecord
  readonly clock: Clock
  readonly interrupts: Interrupts
  private readonly reporter: RunReporter
  private readonly secrets: string[]
  private readonly outputs = new Map<string, StepOutputs>()
  private readonly byId = new Map<string, StepResult>()
  /** A mutating step started, in this attempt or an earlier one: from then on a refusal is exit 1, not 2. */
  private changed: boolean
  /** Whether one had before the latest step started: a write that step had refused whole changed nothing. */
  private changedBeforeLatest = false

  constructor(private readonly options: RecorderOptions) {
    this.clock = options.clock ?? systemClock
    this.reporter = options.reporter ?? silentReporter
    this.secrets = options.secrets ?? []
    this.interrupts = new Interrupts(options.interrupt)
    // As the journal stores them (no undefined values), so that resume compares like with like.
    const parameters: Record<string, unknown> = JSON.parse(JSON.stringify(redact(options.parameters, this.secrets)))
    const previous = options.resume
    if (previous) assertResumable(previous, options.workflow, parameters)
    this.changed = previous?.steps.some((s) => s.mutates && !['pending', 'planned'].includes(s.status)) ?? false
    this.record = {
      runId: previous?.runId ?? options.runId ?? newRunId(new Date(this.clock.now())),
      workflow: options.workflow,
      opsctlVersion,
      status: 'running',
      dryRun: options.dryRun ?? false,
      parameters,
      startedAt: options.startedAt ?? this.isoNow(),
      region: options.region,
      executionId: options.executionId,
      metrics: {...previous?.metrics},
      warnings: [],
      steps: options.steps.map(({id, title, mutates, actions}) => ({id, title, mutates, actions, status: 'pending', calls: []})),
      resumedFrom: previous ? [...(previous.resumedFrom ?? []), previous.startedAt] : undefined,
    }
    for (const step of this.record.steps) this.byId.set(step.id, step)
  }

  /** Records a whole run: listened to until the last journal write, so that no signal can leave the journal "running". */
  async run(drive: () => Promise<Settlement>): Promise<RunOutcome> {
    this.interrupts.listen()
    try {
      this.reporter.runStarted(this.record)
      await this.save()
      return await this.finish(await drive())
    } finally {
      this.interrupts.close()
    }
  }

  result(id: string): StepResult {
    const result = this.byId.get(id)
    if (!result) throw new Error(`no step ${id} in run ${this.record.runId}`)
    return result
  }

  begin(result: StepResult, startedAt = this.isoNow(), note?: string): void {
    Object.assign(result, {status: 'running', startedAt, endedAt: undefined, durationMs: undefined, error: undefined, note})
    this.changedBeforeLatest = this.changed
    if (result.mutates) this.changed = true
    this.reporter.stepStarted(result)
  }

  /** Runs step code under a signal the recorder owns (its time limit, an interrupt), its AWS calls recorded into the step and retried until its deadline. */
  async within<T>(result: StepResult, limits: Limits, body: (io: StepIO) => Promise<T>): Promise<T> {
    const owned = ownedSignal(this.clock, limits)
    const retryUntil = limits.ms === undefined ? undefined : Date.now() + limits.ms
    try {
      return await withinCallScope({calls: result.calls, signal: owned.signal, retryUntil}, () => raceSignal(body(this.io(result, owned.signal)), owned.signal))
    } finally {
      owned.dispose()
    }
  }

  async succeed(result: StepResult, outputs?: object | void, seen?: SeenEnd): Promise<void> {
    if (outputs) {
      this.outputs.set(result.id, outputs as StepOutputs)
      result.outputs = redact(outputs as StepOutputs, this.secrets)
    }
    result.status = 'succeeded'
    await this.end(result, seen)
  }

  async fail(result: StepResult, error: unknown, seen?: SeenEnd): Promise<void> {
    Object.assign(result, {status: 'failed', error: toStepError(error)})
    await this.end(result, seen)
  }

  /** A step found as the run goes, after the last one: a child execution SSM started for a target or a target location. */
  add(step: Pick<StepResult, 'id' | 'title' | 'mutates' | 'actions'>): StepResult {
    const result: StepResult = {...step, status: 'pending', calls: []}
    this.record.steps.push(result)
    this.byId.set(result.id, result)
    return result
  }

  /** A step an earlier attempt completed: skipped, its outputs, miss and checkpoint kept (a resume of this run reads them too). */
  reuse(result: StepResult, earlier: StepResult): void {
    const completedAt = earlier.completedAt ?? earlier.endedAt
    Object.assign(result, {
      status: 'skipped',
      note: `completed by an earlier attempt at ${completedAt}`,
      completedAt,
      outputs: earlier.outputs,
      missed: earlier.missed,
      checkpoint: earlier.checkpoint,
    })
    if (earlier.outputs) this.outputs.set(earlier.id, earlier.outputs)
    this.reporter.stepFinished(result)
  }

  /** A step a dry run only plans. */
  plan(result: StepResult): void {
    result.status = 'planned'
    this.reporter.stepFinished(result)
  }

  /**
   * A step's compensation. Journalled before it starts, so that a resume after a crash here knows the step may
   * be half-undone. It answers to the second interrupt only (the first stopped the run), and has its own time limit.
   */
  async undo(result: StepResult, timeoutMs: number | undefined, body: (io: StepIO) => Promise<void>): Promise<void> {
    result.undo = {status: 'running'}
    await this.save()
    this.reporter.undoStarted(result)
    const ms = timeoutMs ?? UNDO_TIMEOUT_MS
    try {
      await this.within(result, {parent: this.interrupts.undo, ms, expired: () => new StepTimeoutError(result.id, ms, 'The undo of step')}, body)
      result.undo = {status: 'succeeded'}
      if (result.status !== 'failed') result.status = 'undone'
    } catch (error) {
      result.undo = {status: 'failed', error: toStepError(error)}
      this.warn(`Could not undo step ${result.id}: ${result.undo.error!.message} Clean it up by hand, or resume the run with --resume ${this.record.runId}.`)
    }
    this.reporter.stepUndone(result)
    await this.save()
  }

  progress(result: StepResult, message: string): void {
    this.reporter.stepProgress(result, message)
  }

  /** Warnings are part of the evidence: kept in the record and shown by the reporter. */
  warn(message: string): void {
    this.record.warnings.push(message)
    this.reporter.warning(message)
  }

  outputOf(id: string): StepOutputs | undefined {
    return this.outputs.get(id)
  }

  private io(result: StepResult, signal: AbortSignal): StepIO {
    const earlier = this.options.resume?.steps.find((s) => s.id === result.id)?.checkpoint
    const recorder = this
    return {
      runId: this.record.runId,
      workflow: this.record.workflow,
      clock: this.clock,
      signal,
      progress: (message) => this.progress(result, message),
      warn: (message) => this.warn(message),
      missed: (detail) => {
        result.missed = detail
      },
      outputOf: <O extends object>(step: {id: string}) => this.outputs.get(step.id) as O | undefined,
      metric: (name, value) => {
        this.record.metrics[name] = value
      },
      async checkpoint(state) {
        result.checkpoint = redact(state, recorder.secrets)
        await recorder.save()
      },
      get checkpointed() {
        return result.checkpoint ?? earlier
      },
    }
  }

  private async end(result: StepResult, seen: SeenEnd = {}): Promise<void> {
    result.calls.push(...(seen.calls ?? []))
    this.timed(result, seen.endedAt)
    this.reporter.stepFinished(result)
    await this.save()
  }

  private async finish({failure, outcome, objective, unreached, endedAt, ongoing}: Settlement): Promise<RunOutcome> {
    const {record} = this
    if (ongoing) return {record, exitCode: ExitCode.Success, outputs: this.outputs}
    for (const step of record.steps) {
      const note = ['pending', 'running'].includes(step.status) ? unreached?.(step) : undefined
      if (note === undefined) continue
      Object.assign(step, {status: 'skipped', note})
      this.reporter.stepFinished(step)
    }
    if (failure === undefined) {
      record.status = record.steps.some((s) => s.status === 'planned') ? 'planned' : 'succeeded'
      if (outcome) this.settleOutcome(outcome, objective)
    } else {
      record.status = this.exitCodeOf(failure) === ExitCode.Interrupted ? 'interrupted' : 'failed'
      record.error = toStepError(failure)
    }
    this.timed(record, endedAt)
    await this.save()
    await this.reporter.runFinished(record)
    const exitCode = failure !== undefined ? this.exitCodeOf(failure) : record.objective?.met === false ? ExitCode.ObjectiveMissed : ExitCode.Success
    return {record, exitCode, outputs: this.outputs}
  }

  /** The outcome, and the objective: the steps that missed their own (io.missed), then what the outcome missed. */
  private settleOutcome(outcome: object, objective: string[] | undefined): void {
    this.record.outcome = redact(outcome as Record<string, unknown>, this.secrets)
    if (!objective) return
    const missed = [...this.record.steps.filter((s) => s.missed).map((s) => s.id), ...objective]
    this.record.objective = {met: missed.length === 0, missed}
  }

  /**
   * Exit 2 promises that nothing was changed: a refusal, or a resource that does not exist, met before any
   * change is exit 2; once a changing step has started, any failure is exit 1, except the refusal of a write
   * whole (nothing of it written) by the first changing step.
   */
  private exitCodeOf(failure: unknown): ExitCode {
    const code = failure instanceof OpsctlError ? failure.exitCode : isNotFound(failure) ? ExitCode.Usage : ExitCode.WorkflowFailed
    const changed = failure instanceof RefusedWriteError ? this.changedBeforeLatest : this.changed
    return code === ExitCode.Usage && changed ? ExitCode.WorkflowFailed : code
  }

  private timed(target: {startedAt?: string; endedAt?: string; durationMs?: number}, endedAt = this.isoNow()): void {
    target.endedAt = endedAt
    target.durationMs = target.startedAt ? Math.max(0, Date.parse(endedAt) - Date.parse(target.startedAt)) : undefined
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString()
  }

  private async save(): Promise<void> {
    if (this.options.journal !== false) await writeJournal(this.record)
  }
}

function assertResumable(previous: RunRecord, workflow: string, parameters: Record<string, unknown>): void {
  const refuse = (why: string) => new UsageError(`Run ${previous.runId} ${why}.`, 'ResumeMismatch')
  if (previous.workflow !== workflow) throw refuse(`is a ${previous.workflow} run, not ${workflow}; resume it with the command that started it`)
  if (previous.status === 'succeeded') throw refuse('already succeeded; there is nothing to resume')
  if (previous.dryRun) throw refuse('was a dry run; start a new run instead of resuming it')
  if (!isDeepStrictEqual(previous.parameters, parameters))
    throw refuse(`was started with other parameters (${JSON.stringify(previous.parameters)}); resume it with the same ones or start a new run`)
}

export function toStepError(error: unknown): StepError {
  if (error instanceof OpsctlError) return {code: error.code, message: error.message}
  const e = error as {name?: string; message?: string; $metadata?: {requestId?: string}}
  const requestId = e?.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : ''
  return {code: e?.name ?? 'Error', message: `${e?.message ?? String(error)}${requestId}`}
}
