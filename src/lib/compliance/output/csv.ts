import {checks} from '../checks/index.js'
import type {ComplianceResult} from '../types.js'

const HEADER = [
  'status',
  'severity',
  'check_id',
  'check_title',
  'service',
  'account_id',
  'region',
  'resource_type',
  'resource_id',
  'resource_arn',
  'reason',
  'mute_reason',
  'config_rule',
  'prowler_id',
]

/** RFC 4180: quote a field holding a comma, quote or line break, doubling the quotes. */
const field = (value: string | undefined) => (/[",\r\n]/.test(value ?? '') ? `"${value!.replace(/"/g, '""')}"` : (value ?? ''))

/** One row per finding, PASS included, for spreadsheets and diffs between runs. */
export function renderCsv(result: ComplianceResult): string {
  const meta = new Map(checks.map((c) => [c.id, c]))
  const rows = result.findings.map((f) => [
    f.status,
    f.severity,
    f.checkId,
    f.title,
    f.service,
    f.accountId,
    f.region,
    f.resourceType,
    f.resourceId,
    f.resourceArn,
    f.reason,
    f.muteReason,
    meta.get(f.checkId)?.configRule,
    meta.get(f.checkId)?.prowlerId,
  ])
  return `${[HEADER, ...rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`
}
