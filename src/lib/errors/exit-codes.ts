/** The one table of exit codes; the README documents it in the same words (a test keeps them in step). */
export const ExitCode = {
  Success: 0,
  WorkflowFailed: 1,
  Usage: 2,
  Findings: 3,
  ObjectiveMissed: 4,
  Interrupted: 130,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeMeanings: Record<ExitCode, string> = {
  0: 'success',
  1: 'the workflow failed (a step failed; compensations ran), or a scan could not read all it needed',
  2: 'usage or validation error: nothing was changed',
  3: 'compliance findings at or above the --fail-on severity, or a KMS key that does not meet the rotation policy (key status)',
  4: 'a drill ran but missed its objective (for example RTO above target)',
  130: 'interrupted; compensations ran',
}
