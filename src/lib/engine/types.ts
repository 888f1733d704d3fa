import type {AwsCall} from '../aws/call-log.js'
import type {Clock} from '../time/clock.js'

export type StepOutputs = Record<string, unknown>

/**
 * A step as other steps read it: its id and the type of its outputs. Outputs are read by the step itself,
 * so a step's readers and its writer agree on their shape (`io.outputOf(restoreInstanceStep).targetId`).
 */
export interface StepOf<O extends object> {
  readonly id: string
  /** Only a carrier of the output type: never set. */
  readonly outputs?: O
}

/** Reads the outputs of an earlier step of the run (also after a resume): undefined when it has none. */
export type OutputReader = <O extends object>(step: StepOf<O>) => O | undefined

/** What a running step may use besides its context: time, cancellation, progress and earlier steps' outputs. */
export interface StepIO {
  readonly runId: string
  /** The workflow's name, e.g. for the tags of what the step creates. */
  readonly workflow: string
  readonly clock: Clock
  /** Aborted on timeout or interrupt; pass it to SDK calls (`{abortSignal}`) and to `clock.sleep`. */
  readonly signal: AbortSignal
  /** A line of progress for the live view (for example "snapshot 40% done"). */
  progress(message: string): void
  warn(message: string): void
  /**
   * The step completed but missed its objective (a policy check or limit of a test, said in one sentence):
   * it still counts as completed for resume and undo, every report shows it as failed with this detail, and
   * the run's objective lists it, so a run that completes with a miss exits 4.
   */
  missed(detail: string): void
  /** Outputs of an earlier step of this run (also after a resume). */
  outputOf: OutputReader
  /** Records a measured figure on the run, e.g. metric('rtoSeconds', 74). */
  metric(name: string, value: number): void
  /**
   * Journals how far a long step got (what it did to which resource), so that a run killed in the middle of it, or
   * in its undo, resumes from there instead of from the step's start. Secrets are redacted like outputs.
   */
  checkpoint(state: StepOutputs): Promise<void>
  /** The step's latest checkpoint: this attempt's, else the one of the attempt this run resumes (undefined: none). */
  readonly checkpointed: StepOutputs | undefined
}

export interface Step<C, O extends object = StepOutputs> extends StepOf<O> {
  /** Stable kebab-case id: journal, resume, JUnit test case name. */
  readonly id: string
  title: string
  /** IAM actions it may call, e.g. ['rds:RebootDBInstance']. */
  actions: string[]
  /** --dry-run runs read-only steps and only plans mutating ones. */
  mutates: boolean
  run(ctx: C, io: StepIO): Promise<O | void>
  /** Compensation when a later step fails or the run is interrupted. Must tolerate partial work. */
  undo?(ctx: C, io: StepIO): Promise<void>
  /** Fails the step (and undoes the run) when it takes longer; a function when the user chooses it. */
  timeoutMs?: number | ((ctx: C) => number)
  /** How long the undo may take before opsctl gives up and asks for a clean-up by hand (default 30 minutes). */
  undoTimeoutMs?: number | ((ctx: C) => number)
  /**
   * Once the run reaches this step, the steps before it are done for good: a failure or an interrupt from here on
   * does not undo them, and --resume finishes the run. For a step that only publishes what is done (a tenant's events).
   */
  keepsEarlierSteps?: boolean
}

/** A workflow's steps, and what a successful run of them produced (R, recorded as RunRecord.outcome). */
export interface Workflow<C, R extends object = Record<string, unknown>> {
  /** e.g. 'snapshot-create' (see workflow-names.ts): names the journal's workflow and is checked on resume. */
  name: string
  steps: Step<C, object>[]
  /** What a successful run produced, in the domain's words (recorded as RunRecord.outcome). */
  outcome?(outputOf: OutputReader): R
  /**
   * For drills and tests: what the run missed of its objective judged on the whole outcome (RTO above
   * target), besides the steps that recorded a miss themselves (io.missed). An empty list means met.
   * A miss ends the run with exit 4.
   */
  objective?(outcome: R): string[]
}

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'undone' | 'planned'
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'planned'

export interface StepError {
  code: string
  message: string
}

export interface StepResult {
  id: string
  title: string
  mutates: boolean
  actions: string[]
  status: StepStatus
  /** Why a step was skipped: for example completed by the run being resumed. */
  note?: string
  /** On a step skipped because an earlier attempt completed it: when that attempt did. */
  completedAt?: string
  startedAt?: string
  endedAt?: string
  durationMs?: number
  outputs?: StepOutputs
  error?: StepError
  /** How far the step got (io.checkpoint), kept after it ends: what a resume, its undo or a report reads. */
  checkpoint?: StepOutputs
  /** Set on a completed step that missed its objective (io.missed): what it missed, in one sentence. */
  missed?: string
  /** Journalled as running before the compensation starts, so a resume after a crash knows it may be half-done. */
  undo?: {status: 'running' | 'succeeded' | 'failed'; error?: StepError}
  calls: AwsCall[]
}

export interface RunRecord {
  runId: string
  workflow: string
  opsctlVersion: string
  status: RunStatus
  dryRun: boolean
  /** Secrets redacted. Compared on resume. */
  parameters: Record<string, unknown>
  startedAt: string
  endedAt?: string
  durationMs?: number
  region?: string
  /** The SSM Automation execution whose steps this run records: a runbook run with --engine ssm, or runbook status. */
  executionId?: string
  /** Measured figures, e.g. {rtoSeconds: 74}. */
  metrics: Record<string, number>
  /** Warnings raised during the run (also shown as they happen). */
  warnings: string[]
  steps: StepResult[]
  outcome?: Record<string, unknown>
  /**
   * Set for workflows with an objective: whether a completed run met it, and what it missed: the id of
   * each step that missed its own (its detail is that step's `missed`), then what the outcome missed.
   */
  objective?: {met: boolean; missed: string[]}
  error?: StepError
  /** Start times of the earlier attempts this run resumed. */
  resumedFrom?: string[]
}
