import type {RunRecord} from '../engine/types.js'
import {formatDuration, shownStatus, stepDetail} from './format.js'
import {type RtoTrend, renderRtoTrend} from './trend.js'

const icons: Record<string, string> = {succeeded: '✅', failed: '❌', missed: '❌', skipped: '⏭️', planned: '📝', undone: '↩️', pending: '⏸️', running: '▶️'}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** A Markdown summary of a run: for --summary and GitHub's job summary; with `rtoTrend`, a chart of the RTO of the target's runs. */
export function renderMarkdown(record: RunRecord, rtoTrend?: RtoTrend): string {
  const verdict = record.objective?.met === false ? '❌ objective missed' : `${icons[record.status] ?? ''} ${record.status}`
  const lines = [
    `### opsctl ${record.workflow}: ${verdict}`,
    '',
    `Run \`${record.runId}\`${record.region ? ` in ${record.region}` : ''}, started ${record.startedAt}, took ${formatDuration(record.durationMs)}${record.dryRun ? ' (dry run)' : ''}.`,
    '',
  ]
  if (record.error) lines.push(`> ${cell(record.error.message)}`, '')
  if (record.objective?.met === false) lines.push(`> ❌ Missed: ${cell(record.objective.missed.join('; '))}`, '')
  for (const warning of record.warnings ?? []) lines.push(`> ⚠️ ${cell(warning)}`, '')
  const metrics = Object.entries(record.metrics)
  if (metrics.length > 0) lines.push(metrics.map(([k, v]) => `**${k}**: ${v}`).join(' · '), '')
  if (rtoTrend) lines.push(...renderRtoTrend(rtoTrend, record.runId))
  lines.push('| | Step | Result |', '|---|---|---|')
  for (const step of record.steps) {
    const undo = step.undo ? ` (undo ${step.undo.status})` : ''
    lines.push(`| ${icons[shownStatus(step)] ?? ''} | ${cell(step.title)} | ${cell(stepDetail(step))}${undo} |`)
  }
  return `${lines.join('\n')}\n`
}
