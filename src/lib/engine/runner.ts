import {StepTimeoutError} from '../errors/errors.js'
import type {Clock} from '../time/clock.js'
import {type RunOutcome, RunRecorder, type Settlement} from './recorder.js'
import type {RunReporter} from './reporter.js'
import type {RunRecord, Step, StepResult, Workflow} from './types.js'

export interface RunOptions<C> {
  workflow: Workflow<C, object>
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
  /** false for a run that is part of something else (the sandbox's seeding): no journal of its own. */
  journal?: boolean
}

/**
 * Runs a workflow's steps in order, journaling after every step. On a failure or an interrupt it
 * undoes the completed steps in reverse order. In a dry run, read-only steps run until the first
 * mutating step; from there on every step is only planned, since it would act on a change that was not made.
 */
export async function runWorkflow<C>(options: RunOptions<C>): Promise<RunOutcome> {
  const {workflow} = options
  const recorder = new RunRecorder({...options, workflow: workflow.name, steps: workflow.steps})
  return recorder.run(() => new LinearDriver(options, recorder).drive())
}

type Failure = {error: unknown; index: number}

/** Walks the steps in order for the recorder: resume, dry run, the confirmation before the first change, and the undo. */
class LinearDriver<C> {
  private readonly steps: Step<C, object>[]
  /** Steps skipped because an earlier attempt completed them: undone like completed ones. */
  private readonly reused = new Set<number>()
  private planning = false
  private asked = false

  constructor(
    private readonly options: RunOptions<C>,
    private readonly recorder: RunRecorder,
  ) {
    this.steps = options.workflow.steps
  }

  async drive(): Promise<Settlement> {
    const failure = await this.runSteps()
    if (failure && this.options.undoOnFailure !== false) await this.undoCompleted(failure.index)
    if (failure) return {failure: failure.error}
    const {outcome, objective} = this.options.workflow
    if (this.planning || !outcome) return {}
    const settled = outcome((step) => this.recorder.outputOf(step.id) as never)
    return {outcome: settled, objective: objective ? objective(settled) : undefined}
  }

  private async runSteps(): Promise<Failure | undefined> {
    const completedEarlier = completedByEarlierAttempt(this.options.resume, this.steps)
    for (const [index, step] of this.steps.entries()) {
      const result = this.recorder.result(step.id)
      const earlier = completedEarlier.get(step.id)
      if (earlier) {
        this.recorder.reuse(result, earlier)
        this.reused.add(index)
      } else if (this.options.dryRun && (this.planning || step.mutates)) {
        this.planning = true
        this.recorder.plan(result)
      } else {
        const error = this.recorder.interrupts.run.aborted
          ? this.recorder.interrupts.run.reason
          : ((await this.confirmBeforeFirstChange(step)) ?? (await this.runStep(step, result)))
        if (error !== undefined) return {error, index}
      }
    }
    return undefined
  }

  /** The confirmation asked right before the first change; what it threw when the answer was no. */
  private async confirmBeforeFirstChange(step: Step<C, object>): Promise<unknown> {
    if (!step.mutates || this.asked) return undefined
    this.asked = true
    return this.options.beforeFirstChange?.().then(
      () => undefined,
      (error: unknown) => error,
    )
  }

  /** Runs one step within its timeout and the run's interrupt; the error it failed with, if it did. */
  private async runStep(step: Step<C, object>, result: StepResult): Promise<unknown> {
    this.recorder.begin(result)
    const ms = valueFor(step.timeoutMs, this.options.context)
    try {
      const limits = {parent: this.recorder.interrupts.run, ms, expired: () => new StepTimeoutError(step.id, ms!)}
      await this.recorder.succeed(result, await this.recorder.within(result, limits, (io) => step.run(this.options.context, io)))
      return undefined
    } catch (error) {
      await this.recorder.fail(result, error ?? new Error(`step ${step.id} failed`))
      return error ?? new Error(`step ${step.id} failed`)
    }
  }

  /** The failed step first (it may have half-made something), then the completed ones, newest first, down to a step that keeps the earlier ones. */
  private async undoCompleted(failedIndex: number): Promise<void> {
    const kept = this.steps.findLastIndex((step, index) => index <= failedIndex && step.keepsEarlierSteps)
    for (let index = failedIndex; index >= Math.max(kept, 0); index--) {
      const step = this.steps[index]
      const result = this.recorder.result(step.id)
      const completed = result.status === 'succeeded' || this.reused.has(index)
      const halfDone = result.status === 'failed' && step.mutates
      if (step.undo && (completed || halfDone)) {
        await this.recorder.undo(result, valueFor(step.undoTimeoutMs, this.options.context), (io) => step.undo!(this.options.context, io))
      }
    }
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
