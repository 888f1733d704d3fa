import {color} from '../../report/colors.js'
import {formatDuration, table} from '../../report/format.js'
import {count} from '../scan.js'
import {type ComplianceResult, type FindingStatus, severities} from '../types.js'
import {totalsText, verdictLine} from './verdict.js'

const paint: Record<FindingStatus, (text: string) => string> = {PASS: color.green, FAIL: color.red, MUTED: color.gray, ERROR: color.yellow}

/** The terminal report: failures, errors and mutes grouped by severity, then totals and a one-line verdict. */
export function renderTable(result: ComplianceResult): string {
  const out: string[] = []
  for (const severity of severities) {
    const group = result.findings.filter((f) => f.severity === severity)
    if (group.length === 0) continue
    out.push(color.bold(`${severity.toUpperCase()}  ${totalsText(count(group))}`))
    const shown = group.filter((f) => f.status !== 'PASS')
    if (shown.length > 0) {
      // Padding is computed on plain text; colour is applied to the status word afterwards.
      const oneLine = (text: string) => text.replace(/\s+/g, ' ')
      const rows = shown.map((f) => [f.status, f.checkId, f.region, oneLine(f.resourceId), oneLine(f.status === 'MUTED' ? `${f.reason} Muted: ${f.muteReason}` : f.reason)])
      const lines = table(['STATUS', 'CHECK', 'REGION', 'RESOURCE', 'REASON'], rows).split('\n')
      out.push(...lines.map((line, i) => (i < 2 ? line : line.replace(/^\w+/, (s) => paint[s as FindingStatus](s)))))
    }
    out.push('')
  }
  out.push(`${totalsText(result.totals)} from ${result.checks.length} checks in ${result.regions.join(', ')} (account ${result.accountId}, ${formatDuration(result.durationMs)}).`)
  out.push(verdictLine(result, true))
  return out.join('\n')
}
