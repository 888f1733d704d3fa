import {Listr, type ListrTaskWrapper} from 'listr2'

import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord, StepResult} from '../engine/types.js'
import {color} from './colors.js'
import {formatDuration, runHeadline, runVerdict, shownStatus, stepDetail, writeWarning} from './format.js'

interface LiveStep {
  task?: ListrTaskWrapper<any, any, any>
  progress?: string
  finished: Promise<StepResult>
  finish(result: StepResult): void
}

/**
 * The listr2 step list for terminals. The runner drives the steps; each listr task only waits for
 * its step's outcome, so the live view and every other renderer show the same record.
 */
export class LiveReporter implements RunReporter {
  private readonly steps = new Map<string, LiveStep>()
  private rendering?: Promise<unknown>

  constructor(readonly warning: (message: string) => void = writeWarning) {}

  runStarted(record: RunRecord): void {
    process.stdout.write(runHeadline(record) + '\n')
    const tasks = record.steps.map((step) => {
      let finish!: (result: StepResult) => void
      const live: LiveStep = {finished: new Promise((resolve) => (finish = resolve)), finish: (r) => finish(r)}
      this.steps.set(step.id, live)
      return {
        title: step.title,
        task: async (_: unknown, task: ListrTaskWrapper<any, any, any>) => {
          live.task = task
          if (live.progress) task.output = live.progress
          const result = await live.finished
          if (['failed', 'missed'].includes(shownStatus(result))) throw new Error(stepDetail(result))
          if (result.status !== 'succeeded') task.skip(`${step.title} — ${stepDetail(result)}`)
          else task.title = `${step.title} ${color.gray(formatDuration(result.durationMs))}`
        },
      }
    })
    // listr2's own SIGINT handler exits 127 at once; the runner handles Ctrl-C (undo, journal, exit 130).
    this.rendering = new Listr(tasks, {concurrent: false, exitOnError: false, registerSignalListeners: false, rendererOptions: {collapseErrors: false}})
      .run()
      .catch(() => undefined)
  }

  stepStarted(): void {}

  stepProgress(step: StepResult, message: string): void {
    const live = this.steps.get(step.id)
    if (!live) return
    live.progress = message
    if (live.task) live.task.output = message
  }

  stepFinished(step: StepResult): void {
    this.steps.get(step.id)?.finish({...step})
  }

  stepUndone(step: StepResult): void {
    const task = this.steps.get(step.id)?.task
    if (task) task.title = `${step.title} ${step.undo?.status === 'succeeded' ? color.magenta('(undone)') : color.red(`(undo failed: ${step.undo?.error?.message})`)}`
  }

  async runFinished(record: RunRecord): Promise<void> {
    for (const step of record.steps) this.steps.get(step.id)?.finish({...step})
    await this.rendering
    process.stdout.write(runVerdict(record) + '\n')
  }
}
