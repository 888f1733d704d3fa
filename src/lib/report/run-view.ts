import type {RunRecord, StepResult} from '../engine/types.js'
import {UsageError} from '../errors/errors.js'
import {formatDuration, runVerdict, shownStatus, stepDetail, table, truncate} from './format.js'

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** `  name: value` lines, each cut to `width` columns: the whole value is in --json or the step's detail. */
function fieldLines(values: Record<string, unknown>, width: number): string[] {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => truncate(`  ${k}: ${shown(v)}`, width))
}

const callCount = (step: StepResult) => {
  const failed = step.calls.filter((c) => c.error).length
  return step.calls.length === 0 ? '' : `${step.calls.length}${failed > 0 ? ` (${failed} failed)` : ''}`
}

/**
 * `runs show`: the run's verdict, error and warnings, its parameters, metrics and outcome, and a line per
 * step, within `width` columns. Long values and the AWS request ids are in the step detail (renderStep), which
 * `shownBy` shows with `--step`.
 */
export function renderRun(record: RunRecord, width: number, shownBy = `opsctl runs show ${record.runId}`): string {
  const ranBy = record.executionId ? `as SSM automation execution ${record.executionId}` : `by opsctl ${record.opsctlVersion}`
  const resumed = record.resumedFrom ? `; resumes the attempts started ${record.resumedFrom.join(', ')}` : ''
  const metrics = Object.entries(record.metrics)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ')
  return [
    runVerdict(record),
    `Started ${record.startedAt}${record.region ? ` in ${record.region}` : ''} ${ranBy}${resumed}.`,
    ...(record.error ? [`Error: ${record.error.message}`] : []),
    ...record.warnings.map((warning) => `Warning: ${warning}`),
    'Parameters:',
    ...fieldLines(record.parameters, width),
    ...(metrics ? [`Metrics: ${metrics}`] : []),
    ...(record.outcome ? ['Outcome:', ...fieldLines(record.outcome, width)] : []),
    '',
    table(
      ['STEP', 'STATUS', 'DETAIL', 'UNDO', 'AWS CALLS'],
      record.steps.map((s) => [s.id, shownStatus(s), stepDetail(s), s.undo?.status ?? '', callCount(s)]),
      {width, columns: {STEP: 16, DETAIL: 24}},
    ),
    '',
    `Each step's outputs and AWS request ids: ${shownBy} --step <step>`,
  ].join('\n')
}

/** The step of a run with this id, or a usage error naming the steps it has. */
export function stepOfRun(record: RunRecord, stepId: string): StepResult {
  const step = record.steps.find((s) => s.id === stepId)
  if (!step) throw new UsageError(`Run ${record.runId} has no step "${stepId}"; its steps are ${record.steps.map((s) => s.id).join(', ')}.`, 'NoSuchStep')
  return step
}

/** `runs show --step`: one step in full, its outputs whole and every AWS call with its request id. */
export function renderStep(record: RunRecord, step: StepResult, width: number): string {
  const when = step.startedAt ? ` (${step.startedAt} → ${step.endedAt ?? 'not ended'})` : ''
  const outputs = Object.entries(step.outputs ?? {}).filter(([, v]) => v !== undefined)
  return [
    `Step ${step.id} of run ${record.runId} (${record.workflow}): ${step.title}`,
    `Status: ${shownStatus(step)}${step.durationMs === undefined ? '' : ` after ${formatDuration(step.durationMs)}`}${when}`,
    ...(step.error ? [`Error: ${step.error.code}: ${step.error.message}`] : []),
    ...(step.missed ? [`Missed: ${step.missed}`] : []),
    ...(step.note ? [`Note: ${step.note}`] : []),
    ...(step.undo ? [`Undo: ${step.undo.status}${step.undo.error ? `: ${step.undo.error.message}` : ''}`] : []),
    ...(step.actions.length > 0 ? [`IAM actions: ${step.actions.join(', ')}`] : []),
    ...(outputs.length > 0
      ? ['Outputs:', ...outputs.map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v, null, 2).replace(/\n/g, '\n  ') : shown(v)}`)]
      : []),
    '',
    step.calls.length === 0
      ? 'No AWS calls.'
      : table(
          ['AWS CALL', 'REQUEST ID', 'ERROR'],
          step.calls.map((c) => [`${c.service}.${c.operation}`, c.requestId ?? '', c.error ?? '']),
          {width, columns: {'AWS CALL': 28, ERROR: 12}},
        ),
  ].join('\n')
}
