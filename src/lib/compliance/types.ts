import type {UsageLimits} from '../tenants/data-keys.js'
import type {RegionInventory} from './inventory/index.js'

/** Most severe first: the order of the terminal report and the meaning of --fail-on. */
export const severities = ['critical', 'high', 'medium', 'low', 'informational'] as const
export type Severity = (typeof severities)[number]

export const services = ['rds', 'ec2', 'iam', 'kms', 'secretsmanager', 'cloudwatch', 'cloudtrail', 'config', 'ssm', 'ebs', 's3', 'tenants'] as const
export type Service = (typeof services)[number]

export type FindingStatus = 'PASS' | 'FAIL' | 'MUTED' | 'ERROR'

/** What a check looks at: one resource, or a whole region for account-wide settings. */
export interface CheckedResource {
  type: string
  id: string
  arn?: string
  /** Where the resource lives when that is not the scanned region (a multi-region trail's home). */
  region?: string
  tags?: Record<string, string>
}

export interface Verdict {
  resource: CheckedResource
  pass: boolean
  /** One sentence naming the resource. */
  reason: string
}

export interface CheckContext {
  region: string
  accountId: string
  now: Date
  minRetentionDays: number
  /** The longest automatic rotation period a KMS key may have (--max-rotation-days). */
  maxRotationDays: number
  /** The usage limits of tenants' data keys (default: 5 million operations or 24 hours). */
  dataKeyLimits?: UsageLimits
  /** The highest CPUUtilization threshold, in percent, an RDS CPU alarm may have (--cpu-threshold, default 60). */
  cpuThreshold: number
}

export type InventoryName = keyof RegionInventory

/** One posture check: metadata beside the logic, reading inventories only (a check never calls AWS). */
export interface Check {
  id: string
  title: string
  service: Service
  /** The inventories it reads; each is fetched once per region whatever the number of checks. */
  inventories: InventoryName[]
  severity: Severity
  risk: string
  remediation: {text: string; cli: string}
  /** AWS Config managed rule identifier, where one exists. */
  configRule?: string
  /** Prowler check id, where one exists. */
  prowlerId?: string
  evaluate(inventory: RegionInventory, context: CheckContext): Verdict[]
}

export interface Finding {
  checkId: string
  title: string
  service: Service
  severity: Severity
  status: FindingStatus
  accountId: string
  region: string
  resourceType: string
  resourceId: string
  resourceArn?: string
  reason: string
  /** The mutelist entry's reason, when status is MUTED. */
  muteReason?: string
}

export interface Totals {
  pass: number
  fail: number
  muted: number
  error: number
}

export interface CheckSummary extends Totals {
  id: string
  title: string
  service: Service
  severity: Severity
  configRule?: string
  prowlerId?: string
}

export interface ComplianceResult {
  accountId: string
  regions: string[]
  startedAt: string
  durationMs: number
  failOn: Severity
  mutelist?: string
  /**
   * passed: every inventory was read and nothing failed at or above --fail-on; failed: exit 3; incomplete: an
   * inventory (or a check) could not be read, so there is no verdict on what was not seen: exit 1, whatever else failed.
   */
  verdict: 'passed' | 'failed' | 'incomplete'
  totals: Totals
  checks: CheckSummary[]
  findings: Finding[]
}

export const atOrAbove = (severity: Severity, threshold: Severity) => severities.indexOf(severity) <= severities.indexOf(threshold)
