import {type DefaultRenderer, Listr, ListrDefaultRendererLogLevels, ListrTaskState, type ListrTaskWrapper, type SimpleRenderer} from 'listr2'

import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord, StepResult} from '../engine/types.js'
import {color} from './colors.js'
import {formatDuration, runHeadline, runVerdict, shownStatus, stepDetail, writeWarning} from './format.js'

type ListrTask = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>['task']

interface LiveStep {
  task?: ListrTask
  /** The step as the runner last reported it. */
  result: StepResult
  progress?: string
  /** Once its listr task shows `result`; later reports (its undo) are shown at once. */
  shown: boolean
  finished: Deferred
}

interface Deferred {
  promise: Promise<void>
  resolve(): void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return {promise, resolve}
}

/** How listr draws a step in each state: the undone step as ↩ in magenta, like the plain lines. */
const rendererOptions = {
  collapseErrors: false,
  icon: {[ListrDefaultRendererLogLevels.ROLLED_BACK]: '↩'},
  color: {[ListrDefaultRendererLogLevels.ROLLED_BACK]: color.magenta, [ListrDefaultRendererLogLevels.ROLLING_BACK]: color.magenta},
}

/**
 * The listr2 step list for terminals. The runner drives the steps; each listr task only waits for
 * its step's outcome and then shows the record's state of the step, so the live view and every other
 * renderer show the same record. A task stays in listr's list after it finished, so an undo later in
 * the run turns its step from ✔ into ↩ (listr's rolled-back state).
 */
export class LiveReporter implements RunReporter {
  private readonly steps = new Map<string, LiveStep>()
  /** Warnings raised while the list is drawn: shown once it is finished, so that none lands between its lines. */
  private readonly warnings: string[] = []
  /** The runner's record, as it changes. */
  private record?: RunRecord
  /** The list is drawn until the run has finished, so that the undo of a finished step can still change its line. */
  private readonly ran = deferred()
  private rendering?: Promise<unknown>

  constructor(private readonly warn: (message: string) => void = writeWarning) {}

  runStarted(record: RunRecord): void {
    this.record = record
    process.stdout.write(`${runHeadline(record)}\n`)
    const tasks = record.steps.map((step) => {
      const live: LiveStep = {result: step, shown: false, finished: deferred()}
      this.steps.set(step.id, live)
      return {
        title: step.title,
        task: async (_: unknown, task: ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>) => {
          live.task = task.task
          if (live.progress) task.output = live.progress
          await live.finished.promise
          live.shown = true
          show(task.task, live.result)
        },
      }
    })
    // Untitled, so not drawn: it keeps the list live until the run has finished.
    const untilTheRunHasFinished = {task: () => this.ran.promise}
    // listr2's own SIGINT handler exits 127 at once; the runner handles Ctrl-C (undo, journal, exit 130).
    this.rendering = new Listr([...tasks, untilTheRunHasFinished], {concurrent: false, exitOnError: false, registerSignalListeners: false, rendererOptions})
      .run()
      .catch(() => undefined)
  }

  stepStarted(): void {}

  stepProgress(step: StepResult, message: string): void {
    const live = this.steps.get(step.id)
    if (!live) return
    live.progress = message
    if (live.task) live.task.output$ = message
  }

  stepFinished(step: StepResult): void {
    this.report(step)
    this.steps.get(step.id)?.finished.resolve()
  }

  /** The run stops to undo what it did: the steps it did not reach are shown as not run, the one being undone as undoing. */
  undoStarted(step: StepResult): void {
    for (const pending of this.record?.steps.filter((s) => s.status === 'pending') ?? []) this.stepFinished(pending)
    this.report(step)
  }

  stepUndone(step: StepResult): void {
    this.report(step)
  }

  warning(message: string): void {
    this.warnings.push(message)
  }

  async runFinished(record: RunRecord): Promise<void> {
    for (const step of record.steps) this.stepFinished(step)
    this.ran.resolve()
    await this.rendering
    for (const message of this.warnings.splice(0)) this.warn(message)
    process.stdout.write(`${runVerdict(record)}\n`)
  }

  private report(step: StepResult): void {
    const live = this.steps.get(step.id)
    if (!live) return
    live.result = {...step}
    if (live.shown && live.task) show(live.task, live.result)
  }
}

/** Draws a finished step the way the record has it, through listr's own states. */
function show(task: ListrTask, step: StepResult): void {
  const {state, title, message} = appearance(step)
  task.title$ = title
  if (message) task.message$ = message
  task.state$ = state
}

function appearance(step: StepResult): {state: ListrTaskState; title: string; message?: {error?: string; skip?: string}} {
  const status = shownStatus(step)
  const failed = status === 'failed' || status === 'missed'
  switch (step.undo?.status) {
    case 'running':
      return {state: ListrTaskState.ROLLING_BACK, title: `${step.title} ${color.magenta('(undoing)')}`}
    case 'failed':
      return {
        state: ListrTaskState.FAILED,
        title: `${step.title} ${color.red('(undo failed)')}`,
        message: {error: [...(failed ? [stepDetail(step)] : []), `undo failed: ${step.undo.error?.message}`].join('\n')},
      }
    case 'succeeded':
      return failed
        ? {state: ListrTaskState.FAILED, title: `${step.title} ${color.magenta('(undone)')}`, message: {error: stepDetail(step)}}
        : {state: ListrTaskState.ROLLED_BACK, title: `${step.title} ${color.magenta('(undone)')}`}
  }
  if (failed) return {state: ListrTaskState.FAILED, title: step.title, message: {error: stepDetail(step)}}
  if (status === 'succeeded') return {state: ListrTaskState.COMPLETED, title: `${step.title} ${color.gray(formatDuration(step.durationMs))}`}
  return {state: ListrTaskState.SKIPPED, title: step.title, message: {skip: `${step.title} — ${stepDetail(step)}`}}
}
