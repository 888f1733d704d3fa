import {color} from '../../report/colors.js'
import {failingFindings} from '../scan.js'
import type {ComplianceResult, Totals} from '../types.js'

export const totalsText = (t: Totals) => `${t.pass} pass, ${t.fail} fail, ${t.muted} muted, ${t.error} error`

/** The one-line verdict every format ends with, and the sentence the exit code comes with. */
export function verdictLine(result: ComplianceResult, colored = false): string {
  const paint = colored ? {failed: color.red, incomplete: color.yellow, passed: color.green}[result.verdict] : (s: string) => s
  const failing = failingFindings(result).length
  const checksErrored = result.checks.filter((c) => c.error > 0).length
  switch (result.verdict) {
    case 'failed':
      return `${paint('FAILED')}: ${failing} unmuted finding(s) at or above ${result.failOn}; fix them or mute them with a reason in a mutelist.`
    case 'incomplete':
      return `${paint('INCOMPLETE')}: ${checksErrored} check(s) could not read all they need, so the scan gives no verdict (${failing} unmuted finding(s) at or above ${result.failOn} among what it read); see the ERROR findings and run it again.`
    default:
      return `${paint('PASSED')}: no unmuted finding at or above ${result.failOn}.`
  }
}
