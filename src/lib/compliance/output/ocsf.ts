import {opsctlVersion} from '../../version.js'
import {checks} from '../checks/index.js'
import type {ComplianceResult, FindingStatus, Severity} from '../types.js'

const severityId: Record<Severity, number> = {informational: 1, low: 2, medium: 3, high: 4, critical: 5}
/** OCSF compliance.status_id: 0 Unknown, 1 Pass, 3 Fail. */
const complianceStatus: Record<FindingStatus, [number, string]> = {PASS: [1, 'Pass'], FAIL: [3, 'Fail'], MUTED: [3, 'Fail'], ERROR: [0, 'Unknown']}

/** OCSF 1.3 Compliance Finding events (class 2003), one per finding, for security lakes and SIEMs. */
export function renderOcsf(result: ComplianceResult): string {
  const meta = new Map(checks.map((c) => [c.id, c]))
  const time = Date.parse(result.startedAt)
  const events = result.findings.map((f) => {
    const check = meta.get(f.checkId)!
    const [statusId, status] = complianceStatus[f.status]
    return {
      category_uid: 2,
      category_name: 'Findings',
      class_uid: 2003,
      class_name: 'Compliance Finding',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200301,
      type_name: 'Compliance Finding: Create',
      time,
      time_dt: result.startedAt,
      severity_id: severityId[f.severity],
      severity: f.severity[0].toUpperCase() + f.severity.slice(1),
      status_id: f.status === 'MUTED' ? 3 : 1,
      status: f.status === 'MUTED' ? 'Suppressed' : 'New',
      message: f.reason,
      metadata: {version: '1.3.0', event_code: f.checkId, product: {name: 'opsctl', vendor_name: 'opsctl', version: opsctlVersion}},
      finding_info: {
        uid: `opsctl-${f.checkId}-${f.accountId}-${f.region}-${f.resourceId}`,
        title: check.title,
        desc: check.risk,
        types: ['Posture'],
        created_time: time,
      },
      compliance: {
        status_id: statusId,
        status,
        control: f.checkId,
        standards: [check.configRule && `AWS Config ${check.configRule}`, check.prowlerId && `Prowler ${check.prowlerId}`].filter(Boolean),
        ...(f.status === 'ERROR' ? {status_detail: f.reason} : {}),
      },
      remediation: {desc: `${check.remediation.text} ${check.remediation.cli}`},
      resources: [{uid: f.resourceArn ?? f.resourceId, name: f.resourceId, type: f.resourceType, region: f.region, cloud_partition: 'aws'}],
      cloud: {provider: 'AWS', region: f.region, account: {uid: f.accountId, type: 'AWS Account', type_id: 10}},
      ...(f.muteReason ? {unmapped: {mute_reason: f.muteReason}} : {}),
    }
  })
  return `${JSON.stringify(events, null, 2)}\n`
}
