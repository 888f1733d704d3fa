import type {RunRecord, StepResult} from './types.js'

/** What the runner tells the renderers, as it happens. Every renderer reads the same records. */
export interface RunReporter {
  runStarted(record: RunRecord): void
  stepStarted(step: StepResult): void
  stepProgress(step: StepResult, message: string): void
  /** The step reached succeeded, failed, skipped or planned. */
  stepFinished(step: StepResult): void
  /** The step's compensation starts (journalled first, step.undo is running); the run stops to undo what it did. */
  undoStarted(step: StepResult): void
  /** The step's compensation ran (step.undo says how it went). */
  stepUndone(step: StepResult): void
  warning(message: string): void
  runFinished(record: RunRecord): Promise<void> | void
}

export const silentReporter: RunReporter = {
  runStarted() {},
  stepStarted() {},
  stepProgress() {},
  stepFinished() {},
  undoStarted() {},
  stepUndone() {},
  warning() {},
  runFinished() {},
}
