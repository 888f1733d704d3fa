import {color} from '../../report/colors.js'
import {formatDuration} from '../../report/format.js'
import {type CheckSummary, type ComplianceResult, type Finding, type FindingStatus, severities} from '../types.js'
import {totalsText, verdictLine} from './verdict.js'

const paint: Record<FindingStatus, (text: string) => string> = {PASS: color.green, FAIL: color.red, MUTED: color.gray, ERROR: color.yellow}

/** How much of the report the table shows. */
export interface TableView {
  /** Findings listed under each check, the others counted in a closing line; all when undefined. */
  findingsPerCheck?: number
  /** Columns the lines should fit, long text cut with an ellipsis; nothing is cut when undefined. */
  width?: number
}

/** What a person reads on a terminal: the first findings of each check, in lines that fit ~100 columns. */
export const terminalView = {findingsPerCheck: 5, width: 100} as const satisfies TableView

const INDENT = '  '
const oneLine = (text: string) => text.replace(/\s+/g, ' ')
const cut = (text: string, width: number | undefined) => (width !== undefined && text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text)

function checkHeader(check: CheckSummary, width: number | undefined): string {
  const counts = (
    [
      ['FAIL', check.fail],
      ['ERROR', check.error],
      ['MUTED', check.muted],
      ['PASS', check.pass],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([status, n]) => ({status, text: `${n} ${status.toLowerCase()}`}))
  const countsLength = counts.map((c) => c.text).join(', ').length
  const start = `${check.severity.toUpperCase().padEnd(8)}  ${check.id}  `
  const title = cut(check.title, width === undefined ? undefined : width - start.length - countsLength - 4)
  return `${color.bold(start + title)}  (${counts.map((c) => paint[c.status](c.text)).join(', ')})`
}

/** Words in lines of at most `width` characters (a longer word keeps a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    if (lines.length > 0 && lines.at(-1)!.length + 1 + word.length <= width) lines[lines.length - 1] += ` ${word}`
    else lines.push(word)
  }
  return lines
}

/** A finding under its check: status, region (when the findings span several), and reason. */
function findingLine(finding: Finding, regionWidth: number, width: number | undefined): string {
  // Widths are measured on plain text; only the status word is painted.
  const afterStatus = `${' '.repeat(7 - finding.status.length)}${regionWidth > 0 ? `${finding.region.padEnd(regionWidth)}  ` : ''}`
  const indent = INDENT.length + finding.status.length + afterStatus.length
  const reason = oneLine(finding.status === 'MUTED' ? `${finding.reason} Muted: ${finding.muteReason}` : finding.reason)
  const room = width === undefined ? undefined : width - indent
  // An ERROR's reason says what to do about it: wrapped, never cut.
  const shown = room === undefined ? reason : finding.status === 'ERROR' ? wrap(reason, room).join(`\n${' '.repeat(indent)}`) : cut(reason, room)
  return `${INDENT}${paint[finding.status](finding.status)}${afterStatus}${shown}`
}

/**
 * The terminal report: a line per check with its severity and counts, most severe first, under it the findings
 * that are not a pass (the first few unless told otherwise), then the totals and a one-line verdict.
 */
export function renderTable(result: ComplianceResult, view: TableView = {}): string {
  const listed = result.findings.filter((f) => f.status !== 'PASS')
  const regionWidth = new Set(listed.map((f) => f.region)).size > 1 ? Math.max(...listed.map((f) => f.region.length)) : 0
  const out: string[] = []
  for (const check of severities.flatMap((severity) => result.checks.filter((c) => c.severity === severity))) {
    if (check.pass + check.fail + check.muted + check.error === 0) continue
    out.push(checkHeader(check, view.width))
    const findings = listed.filter((f) => f.checkId === check.id)
    const shown = findings.slice(0, view.findingsPerCheck)
    out.push(...shown.map((f) => findingLine(f, regionWidth, view.width)))
    if (findings.length > shown.length) out.push(`${INDENT}… and ${findings.length - shown.length} more (--all-findings to list every one)`)
  }
  if (out.length > 0) out.push('')
  out.push(
    `${totalsText(result.totals)} from ${result.checks.length} checks in ${result.regions.join(', ')} (account ${result.accountId}, ${formatDuration(result.durationMs)}).`,
  )
  out.push(verdictLine(result, true))
  return out.join('\n')
}
