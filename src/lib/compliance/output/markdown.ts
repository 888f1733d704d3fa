import {formatDuration} from '../../report/format.js'
import {count} from '../scan.js'
import {type ComplianceResult, type FindingStatus, severities} from '../types.js'
import {verdictLine} from './verdict.js'

const icons: Record<FindingStatus | ComplianceResult['verdict'], string> = {
  PASS: '✅',
  FAIL: '❌',
  MUTED: '🔇',
  ERROR: '⚠️',
  passed: '✅',
  failed: '❌',
  incomplete: '⚠️',
}
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
/** GitHub job summaries are capped at 1 MiB: list this many findings and point to the full report. */
const MAX_ROWS = 200

/** A Markdown summary for --format markdown and GitHub's job summary. */
export function renderMarkdown(result: ComplianceResult): string {
  const lines = [
    `### opsctl compliance check: ${icons[result.verdict]} ${result.verdict}`,
    '',
    `Account \`${result.accountId}\`, ${result.regions.join(', ')}, started ${result.startedAt}, took ${formatDuration(result.durationMs)}; fails on **${result.failOn}** and above${result.mutelist ? `; mutelist \`${result.mutelist}\`` : ''}.`,
    '',
    `> ${verdictLine(result)}`,
    '',
    '| Severity | Pass | Fail | Muted | Error |',
    '|---|---:|---:|---:|---:|',
  ]
  for (const severity of severities) {
    const t = count(result.findings.filter((f) => f.severity === severity))
    if (t.pass + t.fail + t.muted + t.error > 0) lines.push(`| ${severity} | ${t.pass} | ${t.fail} | ${t.muted} | ${t.error} |`)
  }
  const t = result.totals
  lines.push(`| **total** | **${t.pass}** | **${t.fail}** | **${t.muted}** | **${t.error}** |`, '')
  const shown = result.findings.filter((f) => f.status !== 'PASS')
  if (shown.length > 0) {
    lines.push('| | Severity | Check | Region | Resource | Reason |', '|---|---|---|---|---|---|')
    for (const f of shown.slice(0, MAX_ROWS)) {
      const reason = f.status === 'MUTED' ? `${f.reason} *Muted: ${f.muteReason}*` : f.reason
      lines.push(`| ${icons[f.status]} | ${f.severity} | \`${f.checkId}\` | ${f.region} | \`${cell(f.resourceId)}\` | ${cell(reason)} |`)
    }
    if (shown.length > MAX_ROWS) lines.push('', `…and ${shown.length - MAX_ROWS} more; see the JSON or CSV report for all of them.`)
  }
  return `${lines.join('\n')}\n`
}
