import {escapeXml, junitDocument} from '../../report/junit.js'
import {failingFindings} from '../scan.js'
import type {ComplianceResult, Finding} from '../types.js'

const line = (f: Finding) => `${f.status} ${f.region} ${f.resourceId}: ${f.reason}${f.muteReason ? ` Muted: ${f.muteReason}` : ''}`

/** JUnit XML: each check is a test case; a failing one lists every failing resource. */
export function renderJunit(result: ComplianceResult): string {
  const failing = new Set(failingFindings(result))
  let failures = 0
  let errors = 0
  let skipped = 0
  const cases = result.checks.map((check) => {
    const findings = result.findings.filter((f) => f.checkId === check.id)
    const failed = findings.filter((f) => failing.has(f))
    const errored = findings.filter((f) => f.status === 'ERROR')
    const body: string[] = []
    if (findings.length === 0) {
      skipped++
      body.push('<skipped message="no resource in scope"/>')
    }
    if (errored.length > 0) {
      errors++
      body.push(`<error type="InventoryError" message="${escapeXml(errored[0].reason)}">${escapeXml(errored.map(line).join('\n'))}</error>`)
    }
    if (failed.length > 0) {
      failures++
      const message = `${failed.length} of ${findings.length} resource(s) fail: ${failed.map((f) => f.resourceId).join(', ')}`
      body.push(`<failure type="${check.severity}" message="${escapeXml(message)}">${escapeXml(failed.map(line).join('\n'))}</failure>`)
    }
    const others = findings.filter((f) => !failing.has(f) && f.status !== 'ERROR')
    if (others.length > 0) body.push(`<system-out>${escapeXml(others.map(line).join('\n'))}</system-out>`)
    const attrs = `name="${escapeXml(check.id)}" classname="opsctl.compliance.${check.service}" time="0"`
    return body.length === 0 ? `    <testcase ${attrs}/>` : `    <testcase ${attrs}>\n      ${body.join('\n      ')}\n    </testcase>`
  })
  return junitDocument({
    name: 'opsctl compliance',
    suite: 'opsctl.compliance',
    counts: {tests: result.checks.length, failures, errors, skipped},
    seconds: (result.durationMs / 1000).toFixed(3),
    timestamp: result.startedAt,
    properties: {accountId: result.accountId, regions: result.regions.join(','), failOn: result.failOn, verdict: result.verdict},
    cases,
  })
}
