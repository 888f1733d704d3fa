import {opsctlVersion} from '../../version.js'
import {checks} from '../checks/index.js'
import type {ComplianceResult, Severity} from '../types.js'

const level: Record<Severity, 'error' | 'warning' | 'note'> = {critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note'}
/** GitHub code scanning ranks alerts by this 0–10 score. */
const securitySeverity: Record<Severity, string> = {critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', informational: '0.0'}

/** SARIF 2.1.0: checks are rules, failing and muted resources are results (muted ones suppressed with the reason). */
export function renderSarif(result: ComplianceResult): string {
  const ruleIndex = new Map(result.checks.map((c, i) => [c.id, i]))
  const meta = new Map(checks.map((c) => [c.id, c]))
  const rules = result.checks.map((summary) => {
    const check = meta.get(summary.id)!
    return {
      id: check.id,
      name: check.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
      shortDescription: {text: check.title},
      fullDescription: {text: check.risk},
      help: {text: `${check.remediation.text} ${check.remediation.cli}`, markdown: `${check.remediation.text}\n\n\`\`\`sh\n${check.remediation.cli}\n\`\`\``},
      defaultConfiguration: {level: level[check.severity]},
      properties: {
        tags: ['security', 'compliance', check.service, ...(check.configRule ? [check.configRule] : []), ...(check.prowlerId ? [check.prowlerId] : [])],
        'security-severity': securitySeverity[check.severity],
        severity: check.severity,
      },
    }
  })
  const results = result.findings
    .filter((f) => f.status === 'FAIL' || f.status === 'MUTED')
    .map((f) => ({
      ruleId: f.checkId,
      ruleIndex: ruleIndex.get(f.checkId)!,
      kind: 'fail',
      level: level[f.severity],
      message: {text: f.reason},
      locations: [
        {logicalLocations: [{name: f.resourceId, fullyQualifiedName: f.resourceArn ?? `${f.accountId}/${f.region}/${f.resourceId}`, kind: 'resource'}]},
      ],
      partialFingerprints: {resource: `${f.checkId}/${f.accountId}/${f.region}/${f.resourceId}`},
      ...(f.status === 'MUTED' ? {suppressions: [{kind: 'external', status: 'accepted', justification: f.muteReason}]} : {}),
      properties: {accountId: f.accountId, region: f.region, resourceType: f.resourceType},
    }))
  const notifications = result.findings
    .filter((f) => f.status === 'ERROR')
    .map((f) => ({
      level: 'error',
      message: {text: f.reason},
      associatedRule: {id: f.checkId, index: ruleIndex.get(f.checkId)!},
    }))
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {driver: {name: 'opsctl', version: opsctlVersion, informationUri: 'https://github.com/opsctl/opsctl', rules}},
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            startTimeUtc: result.startedAt,
            endTimeUtc: new Date(Date.parse(result.startedAt) + result.durationMs).toISOString(),
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  }
  return `${JSON.stringify(log, null, 2)}\n`
}
