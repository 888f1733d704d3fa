import type {RunRecord, StepResult, StepStatus} from '../engine/types.js'
import {color} from './colors.js'

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return ''
  if (ms < 1000) return `${ms}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`
}

/** How people see a step end: one that completed but missed its objective is shown as failed, as `missed`. */
export type ShownStatus = StepStatus | 'missed'

export const shownStatus = (step: StepResult): ShownStatus => (step.status === 'succeeded' && step.missed ? 'missed' : step.status)

/** The sentence shown beside a step's final state, the same in every renderer. */
export function stepDetail(step: StepResult): string {
  switch (shownStatus(step)) {
    case 'failed':
      return `${step.error?.code}: ${step.error?.message}`
    case 'missed':
      return `missed: ${step.missed}`
    case 'planned':
      return `planned (dry run)${step.actions.length > 0 ? `: would call ${step.actions.join(', ')}` : ''}`
    case 'skipped':
      return `skipped${step.note ? `: ${step.note}` : ''}`
    case 'undone':
      return 'undone'
    case 'pending':
      return 'not run'
    default:
      return formatDuration(step.durationMs)
  }
}

/** The columns human output may fill: the terminal's, or 100 when stdout is not a terminal (--json has everything). */
export function outputWidth(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 100
}

/** `text` cut to `width` characters, the last one an ellipsis. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`
}

/** What a table may narrow to fit: its width, and the columns that may be cut (header → the narrowest it may get). */
export interface TableFit {
  width: number
  columns: Record<string, number>
}

/**
 * A table of plain text columns, for terminals. With `fit`, the columns it names are cut with an
 * ellipsis, the widest first, until the table is no wider than `fit.width`; the others are never cut.
 */
export function table(headers: string[], rows: string[][], fit?: TableFit): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  if (fit)
    narrow(
      widths,
      headers.map((h) => fit.columns[h]),
      fit.width,
    )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => truncate(c ?? '', widths[i]).padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function narrow(widths: number[], narrowest: (number | undefined)[], width: number): void {
  for (let excess = widths.reduce((sum, w) => sum + w + 2, -2) - width; excess > 0; excess--) {
    const cuttable = widths.map((w, i) => ({w, i})).filter(({w, i}) => narrowest[i] !== undefined && w > narrowest[i]!)
    if (cuttable.length === 0) return
    widths[cuttable.reduce((widest, c) => (c.w > widest.w ? c : widest)).i]--
  }
}

export function runHeadline(record: RunRecord): string {
  return `${color.bold(record.workflow)} run ${record.runId}${record.dryRun ? color.yellow(' (dry run)') : ''}${record.resumedFrom ? ' (resumed)' : ''}`
}

export function runVerdict(record: RunRecord): string {
  const paint = record.status === 'succeeded' ? color.green : record.status === 'planned' ? color.yellow : color.red
  const objective =
    record.objective?.met === false
      ? `, ${color.red(`objective MISSED: ${record.objective.missed.join('; ')}`)}`
      : record.objective?.met
        ? `, ${color.green('objective met')}`
        : ''
  return `${record.workflow} ${paint(record.status)} in ${formatDuration(record.durationMs)}${objective} (run ${record.runId})`
}

export function writeWarning(message: string): void {
  process.stderr.write(`${color.yellow('Warning:')} ${message}\n`)
}
