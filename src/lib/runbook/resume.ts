import type {RunRecord, StepResult} from '../engine/types.js'
import {UsageError} from '../errors/errors.js'

/** What a finished step of mainSteps journals as its checkpoint, so that a resume carries on where the walk went next. */
// A type, not an interface: it is journalled as a checkpoint (StepOutputs).
export type WalkPosition = {
  /** Its place in the order the run's steps finished (earlier attempts included). */
  finished: number
  /** The step the walk went on to; null when the run's path ended there. */
  next: string | null
  /** The document's variables once it had finished. */
  variables: Record<string, unknown>
}

/** Completed by the earlier attempt, or by one it resumed. */
export const finished = (step: StepResult) => step.status === 'succeeded' || (step.status === 'skipped' && step.completedAt !== undefined)

/** Where the step that finished last left the walk; undefined when no step finished. */
export function lastPosition(previous: RunRecord): WalkPosition | undefined {
  const positions = previous.steps
    .filter(finished)
    .map((s) => s.checkpoint as WalkPosition | undefined)
    .filter((p): p is WalkPosition => typeof p?.finished === 'number')
  return positions.sort((a, b) => b.finished - a.finished)[0]
}

/** Refuses, before anything runs (exit 2), a resume the document cannot continue: its steps changed, or the run's path had ended. */
export function assertResumableLocally(previous: RunRecord, steps: {id: string}[]): void {
  if (previous.steps.map((s) => s.id).join(' ') !== steps.map((s) => s.id).join(' '))
    throw new UsageError(`Run ${previous.runId} ran another version of this document (its steps differ); start a new run.`, 'ResumeMismatch')
  // A run killed after its last step still says running: resuming it only settles it.
  if (lastPosition(previous)?.next === null && previous.status !== 'running')
    throw new UsageError(
      `Run ${previous.runId} ${previous.status} after its path had reached the end of the document (an onFailure or onCancel step ran last); there is nothing to resume, so start a new run.`,
      'NothingToResume',
    )
}
