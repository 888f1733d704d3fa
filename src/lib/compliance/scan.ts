import {ROTATION_PERIOD_DAYS} from '../aws/kms.js'
import {mapWithLimit} from '../aws/paginate.js'
import {assertKnownRegion} from '../aws/regions.js'
import type {AwsSession} from '../aws/session.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import type {UsageLimits} from '../tenants/data-keys.js'
import {checks as allChecks} from './checks/index.js'
import {collectRegionInventory, type InventoryProgress, type RegionInventory} from './inventory/index.js'
import {loadMutelist, type Mutelist, muteEntryFor} from './mutelist.js'
import {
  atOrAbove,
  type Check,
  type CheckSummary,
  type ComplianceResult,
  type Finding,
  type FindingStatus,
  type Severity,
  services,
  severities,
  type Totals,
} from './types.js'

/** Connect fast or give up: an unreachable or disabled region becomes an ERROR finding, not a hang. */
export const REGION_HTTP_TIMEOUTS = {connectionTimeoutMs: 3000, requestTimeoutMs: 30_000}
const REGION_CONCURRENCY = 4
/** How long each collector keeps retrying throttling and other transient errors before its inventory counts as unread. */
export const COLLECTOR_DEADLINE_MS = 120_000
/** The RDS CPU alarm threshold the platform's guidance sets: operators are told above 60 %. */
export const DEFAULT_CPU_THRESHOLD = 60

const unknown = (kind: string, values: string[], allowed: readonly string[]) => {
  const bad = values.filter((v) => !allowed.includes(v))
  if (bad.length > 0)
    throw new UsageError(
      `Unknown ${kind} ${bad.map((b) => `"${b}"`).join(', ')}; choose from ${allowed.join(', ')}.`,
      `Unknown${kind[0].toUpperCase()}${kind.slice(1).replace(/ (\w)/g, (_, c) => c.toUpperCase())}`,
    )
}

/** The checks chosen by --checks, --services and --severity (all when none is given); unknown names are usage errors. */
export function selectChecks(selection: {checkIds?: string[]; services?: string[]; severities?: string[]}): Check[] {
  unknown(
    'check id',
    selection.checkIds ?? [],
    allChecks.map((c) => c.id),
  )
  unknown('service', selection.services ?? [], services)
  unknown('severity', selection.severities ?? [], severities)
  const chosen = allChecks.filter(
    (c) =>
      (!selection.checkIds?.length || selection.checkIds.includes(c.id)) &&
      (!selection.services?.length || selection.services.includes(c.service)) &&
      (!selection.severities?.length || selection.severities.includes(c.severity)),
  )
  if (chosen.length === 0)
    throw new UsageError('No check matches the given --checks, --services and --severity together; loosen one of them.', 'NoChecksSelected')
  return chosen
}

/** A comma-separated flag value as a list, or undefined when the flag was not given. */
export const commaList = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean)

export const assertRegions = (regions: string[]) => regions.map((r) => assertKnownRegion(r))

/** The regions enabled for the account (opt-in regions that are not enabled are left out). */
export async function enabledRegions(session: AwsSession): Promise<string[]> {
  const {DescribeRegionsCommand, EC2Client} = await import('@aws-sdk/client-ec2')
  const {Regions = []} = await session.client(EC2Client).send(new DescribeRegionsCommand({AllRegions: false}))
  return Regions.map((r) => r.RegionName!).sort()
}

/** The account of the credentials, or undefined when STS cannot be reached (account-based mutes then do not match). */
export async function lookupAccountId(session: AwsSession): Promise<string | undefined> {
  const {GetCallerIdentityCommand, STSClient} = await import('@aws-sdk/client-sts')
  try {
    return (await session.client(STSClient).send(new GetCallerIdentityCommand({}))).Account
  } catch {
    return undefined
  }
}

/** What a compliance check is asked for, as typed: the comma-separated lists are read and checked here. */
export interface ScanRequest {
  checks?: string
  services?: string
  severity?: string
  regions?: string
  allRegions?: boolean
  failOn: Severity
  mutelist?: string
  minRetentionDays: number
  /** Default: KMS's own default period, 365 days. */
  maxRotationDays?: number
  dataKeyLimits?: UsageLimits
  /** Default: DEFAULT_CPU_THRESHOLD, 60 %. */
  cpuThreshold?: number
}

export interface ScanIO {
  /** Opened only once the request has been checked: bad input is refused before any AWS call. */
  openSession(): Promise<AwsSession>
  /** Told what the scan could not learn and carries on without. */
  warn(message: string): void
  /** Runs what comes before the scan (finding the account and regions) while saying what it is; without it, quietly. */
  preparing?<T>(what: string, work: () => Promise<T>): Promise<T>
  /** Runs the scan while showing its progress (a person at a terminal); without it, the scan runs quietly. */
  withProgress?<T>(regions: string[], scan: (onProgress: (progress: InventoryProgress) => void) => Promise<T>): Promise<T>
}

/**
 * A whole compliance check: refuses bad input (unknown checks, services, severities or regions, a bad mutelist)
 * as usage errors before any AWS call, then finds the regions and the account and scans them.
 */
export async function scanAccount(request: ScanRequest, io: ScanIO): Promise<ComplianceResult> {
  const checks = selectChecks({checkIds: commaList(request.checks), services: commaList(request.services), severities: commaList(request.severity)})
  const regionList = commaList(request.regions)
  if (regionList) assertRegions(regionList)
  const mutelist = request.mutelist
    ? await loadMutelist(
        request.mutelist,
        allChecks.map((c) => c.id),
      )
    : undefined
  const session = await io.openSession()
  const preparing = <T>(what: string, work: () => Promise<T>) => (io.preparing ? io.preparing(what, work) : work())
  const regions = request.allRegions
    ? await preparing('finding the enabled regions with ec2:DescribeRegions', () => enabledRegions(session))
    : (regionList ?? [session.region])
  const accountId = await preparing('finding the account with sts:GetCallerIdentity', () => lookupAccountId(session))
  if (!accountId) io.warn('Could not read the account id with sts:GetCallerIdentity; mutelist entries by account will not match.')
  const scan = (onProgress?: (progress: InventoryProgress) => void) =>
    runComplianceScan(session, {
      checks,
      regions,
      accountId,
      failOn: request.failOn,
      mutelist,
      minRetentionDays: request.minRetentionDays,
      maxRotationDays: request.maxRotationDays,
      dataKeyLimits: request.dataKeyLimits,
      cpuThreshold: request.cpuThreshold,
      onProgress,
    })
  return io.withProgress ? io.withProgress(regions, scan) : scan()
}

export interface ScanOptions {
  checks: Check[]
  regions: string[]
  accountId?: string
  failOn: Severity
  mutelist?: Mutelist
  minRetentionDays: number
  /** Default: KMS's own default period, 365 days. */
  maxRotationDays?: number
  dataKeyLimits?: UsageLimits
  /** Default: DEFAULT_CPU_THRESHOLD, 60 %. */
  cpuThreshold?: number
  now?: () => Date
  /** Told when each inventory of each region starts and ends being read. */
  onProgress?: (progress: InventoryProgress) => void
}

/** The error's name and first sentence (SDK messages can run on with hints about hidden fields). */
const describe = (error: Error) => `${error.name}: ${error.message.replace(/\s+/g, ' ').split(/\. |\.$/)[0]}`

/** Fetches each needed inventory once per region, runs every chosen check on it, and applies the mutelist. */
export async function runComplianceScan(session: AwsSession, options: ScanOptions): Promise<ComplianceResult> {
  const now = options.now ?? (() => new Date())
  const started = now()
  const accountId = options.accountId ?? 'unknown'
  const inventoryNames = [...new Set(options.checks.flatMap((c) => c.inventories))]
  const limits = {
    minRetentionDays: options.minRetentionDays,
    maxRotationDays: options.maxRotationDays ?? ROTATION_PERIOD_DAYS.default,
    dataKeyLimits: options.dataKeyLimits,
    cpuThreshold: options.cpuThreshold ?? DEFAULT_CPU_THRESHOLD,
  }
  const accountRegion = options.regions.includes(session.region) ? session.region : options.regions[0]
  const shared = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, fetch: () => Promise<T>) => {
    if (!shared.has(key)) shared.set(key, fetch())
    return shared.get(key) as Promise<T>
  }
  const perRegion = await mapWithLimit(options.regions, REGION_CONCURRENCY, async (region) => {
    const regional = session.inRegion(region, {httpTimeouts: REGION_HTTP_TIMEOUTS})
    const outcome = await collectRegionInventory(
      {session: regional, home: session, region, accountRegion, accountId: options.accountId, withTags: options.mutelist?.usesTags ?? false, once},
      inventoryNames,
      COLLECTOR_DEADLINE_MS,
      options.onProgress,
    )
    const findings: Finding[] = []
    for (const check of options.checks) {
      const base = {checkId: check.id, title: check.title, service: check.service, severity: check.severity, accountId, region}
      const failed = check.inventories.find((name) => outcome[name] && 'error' in outcome[name]!)
      if (failed) {
        const error = (outcome[failed] as {error: Error}).error
        // An endpoint problem already says what to do; anything else gets the usual advice.
        const reason =
          error instanceof OpsctlError
            ? `Could not read the ${failed} inventory of ${region}: ${error.message}`
            : `Could not read the ${failed} inventory of ${region} (${describe(error)}); check that the region is enabled and reachable and that the credentials may read ${check.service}.`
        findings.push({...base, status: 'ERROR', resourceType: 'AWS::Region', resourceId: region, reason})
        continue
      }
      const inventory = Object.fromEntries(check.inventories.map((name) => [name, (outcome[name] as {value: unknown}).value])) as unknown as RegionInventory
      try {
        for (const verdict of check.evaluate(inventory, {region, accountId, now: started, ...limits})) {
          const finding: Finding = {
            ...base,
            region: verdict.resource.region ?? region,
            status: verdict.pass ? 'PASS' : 'FAIL',
            resourceType: verdict.resource.type,
            resourceId: verdict.resource.id,
            ...(verdict.resource.arn ? {resourceArn: verdict.resource.arn} : {}),
            reason: verdict.reason,
          }
          const mute = finding.status === 'FAIL' ? muteEntryFor(options.mutelist, finding, verdict.resource.tags) : undefined
          findings.push(mute ? {...finding, status: 'MUTED', muteReason: mute.reason} : finding)
        }
      } catch (error) {
        findings.push({
          ...base,
          status: 'ERROR',
          resourceType: 'AWS::Region',
          resourceId: region,
          reason: `Check ${check.id} could not judge ${region} (${describe(error as Error)}); run with --verbose and report it.`,
        })
      }
    }
    return findings
  })
  const findings = sortFindings(perRegion.flat(), options.checks)
  const totals = count(findings)
  const failing = findings.filter((f) => f.status === 'FAIL' && atOrAbove(f.severity, options.failOn)).length
  return {
    accountId,
    regions: options.regions,
    startedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    failOn: options.failOn,
    ...(options.mutelist ? {mutelist: options.mutelist.file} : {}),
    // Never a verdict from half the inventory: a scan that could not read everything is incomplete, even with failures.
    verdict: totals.error > 0 ? 'incomplete' : failing > 0 ? 'failed' : 'passed',
    totals,
    checks: options.checks.map(
      (c): CheckSummary => ({
        id: c.id,
        title: c.title,
        service: c.service,
        severity: c.severity,
        ...(c.configRule ? {configRule: c.configRule} : {}),
        ...(c.prowlerId ? {prowlerId: c.prowlerId} : {}),
        ...count(findings.filter((f) => f.checkId === c.id)),
      }),
    ),
    findings,
  }
}

/** Unmuted failures at or above the threshold: what makes the command exit 3. */
export const failingFindings = (result: ComplianceResult) => result.findings.filter((f) => f.status === 'FAIL' && atOrAbove(f.severity, result.failOn))

export function count(findings: Finding[]): Totals {
  const by = (status: FindingStatus) => findings.filter((f) => f.status === status).length
  return {pass: by('PASS'), fail: by('FAIL'), muted: by('MUTED'), error: by('ERROR')}
}

const statusOrder: FindingStatus[] = ['FAIL', 'ERROR', 'MUTED', 'PASS']

function sortFindings(findings: Finding[], checks: Check[]): Finding[] {
  const checkOrder = new Map(checks.map((c, i) => [c.id, i]))
  return findings.sort(
    (a, b) =>
      severities.indexOf(a.severity) - severities.indexOf(b.severity) ||
      checkOrder.get(a.checkId)! - checkOrder.get(b.checkId)! ||
      statusOrder.indexOf(a.status) - statusOrder.indexOf(b.status) ||
      a.region.localeCompare(b.region) ||
      a.resourceId.localeCompare(b.resourceId),
  )
}
