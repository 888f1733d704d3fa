import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord, StepResult} from '../engine/types.js'
import {color} from './colors.js'
import {runHeadline, runVerdict, shownStatus, stepDetail, writeWarning} from './format.js'

const marks: Record<string, string> = {
  running: color.cyan('▶'),
  succeeded: color.green('✔'),
  failed: color.red('✖'),
  missed: color.red('✖'),
  skipped: color.gray('↷'),
  planned: color.yellow('○'),
  undone: color.magenta('↩'),
}

/** One line per step event: for CI logs and anything that is not a terminal. */
export class PlainReporter implements RunReporter {
  constructor(
    private readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    readonly warning: (message: string) => void = writeWarning,
  ) {}

  runStarted(record: RunRecord): void {
    this.out(runHeadline(record))
  }

  stepStarted(step: StepResult): void {
    this.out(`${marks.running} ${step.id}: ${step.title}`)
  }

  stepProgress(step: StepResult, message: string): void {
    this.out(`  ${step.id}: ${message}`)
  }

  stepFinished(step: StepResult): void {
    // A step that never started (skipped, planned) had no ▶ line to name it: its title goes on this one.
    const title = step.startedAt ? '' : `${step.title} — `
    this.out(`${marks[shownStatus(step)] ?? ' '} ${step.id}: ${title}${stepDetail(step)}`)
  }

  undoStarted(): void {}

  stepUndone(step: StepResult): void {
    this.out(step.undo?.status === 'succeeded' ? `${marks.undone} ${step.id}: undone` : `${marks.failed} ${step.id}: undo failed: ${step.undo?.error?.message}`)
  }

  runFinished(record: RunRecord): void {
    this.out(runVerdict(record))
  }
}
