import type {CommandInvocation, ComplianceSeverity, SSMClient} from '@aws-sdk/client-ssm'

import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {runCommandToEnd} from '../aws/ssm.js'
import {putComplianceRecord} from '../aws/ssm-compliance.js'
import {applicationsByInstance, type InventoryApplication} from '../aws/ssm-fleet.js'
import type {OutputReader, RunRecord, Step, StepIO, Workflow} from '../engine/types.js'
import {PATCH_SCAN_WORKFLOW} from '../engine/workflow-names.js'
import {FindingsError, OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {TenantStore} from '../tenants/store.js'
import {FLEET_ACTIONS, type FleetInstance, resolveFleet, type TargetSpec} from './targets.js'
import {compareVersions, formatVersion, parseVersion, type Version, versionFromOutput} from './version.js'

/*
 * `opsctl patch scan`: the installed version of a package on every instance of the fleet — from SSM Inventory where
 * the instance reports it, else from one read-only Run Command per region and 50 instances — judged against the
 * minimum, and written to SSM Compliance.
 */

export const DEFAULT_PACKAGE = 'postgresql'
/** The SSM Compliance type a package's verdicts are written under. */
export const patchComplianceType = (pkg: string) => `Custom:opsctl-${pkg}`

/** A package name as rpm and dpkg write it: it goes into a shell script and a compliance type, so nothing else is taken. */
const PACKAGE = /^[a-z0-9][a-z0-9-]{0,62}$/

export function parsePackage(text: string): string {
  if (!PACKAGE.test(text))
    throw new UsageError(`--package "${text}" is not a package name; write it like postgresql (lower-case letters, digits and dashes).`, 'InvalidPackage')
  return text
}

/** SendCommand takes at most 50 instance ids. */
const INSTANCES_PER_COMMAND = 50
/** Run Commands in flight at once, across regions. */
const COMMAND_CONCURRENCY = 4
/** How long SSM may take to deliver the read-only command; an instance that does not answer by then is unknown. */
const COMMAND_TIMEOUT_SECONDS = 600
const POLL_INTERVAL_MS = 5000

export interface PatchScanOptions {
  spec: TargetSpec
  /** Default: the session's region. */
  regions?: string[]
  package: string
  minVersion: Version
  /** false: --no-compliance, nothing written to SSM Compliance. */
  compliance: boolean
  severity: ComplianceSeverity
}

export interface PatchScanContext extends PatchScanOptions {
  session: AwsSession
  store: TenantStore
}

/** A version read, or why none was. */
interface VersionRead {
  instanceId: string
  version?: string
  reason?: string
}

export type Verdict = 'compliant' | 'non-compliant' | 'unknown'

export interface ScannedInstance extends FleetInstance {
  version?: string
  source?: 'inventory' | 'run-command'
  /** Why the version is unknown. */
  reason?: string
  verdict: Verdict
}

export const resolveFleetStep: Step<PatchScanContext, {instances: FleetInstance[]; tenantStore: {table: string; region: string; found: boolean}}> = {
  id: 'resolve-fleet',
  title: 'Find the running, SSM-managed instances the targets name, with the shards and tenants each serves',
  actions: [...FLEET_ACTIONS, 'dynamodb:DescribeTable'],
  mutates: false,
  async run(ctx, io) {
    const store = await ctx.store.ifReady(io.signal)
    const instances = await resolveFleet(ctx.session, ctx.spec, {regions: ctx.regions, store}, io.signal)
    io.progress(`${instances.length} instance(s)`)
    return {instances, tenantStore: {table: ctx.store.table, region: ctx.store.location.region, found: store !== undefined}}
  },
}

const fleetOf = (io: {outputOf: OutputReader}) => io.outputOf(resolveFleetStep)!.instances

/** Instances by region, in the order of the fleet. */
function byRegion(instances: FleetInstance[]): Map<string, string[]> {
  const regions = new Map<string, string[]>()
  for (const i of instances) regions.set(i.region, [...(regions.get(i.region) ?? []), i.instanceId])
  return regions
}

/** The inventory's applications that are the package (postgresql15, postgresql15-server, postgresql-15), not its libraries or clients. */
const isPackage = (pkg: string, application: InventoryApplication) => new RegExp(`^${pkg}(?:\\d+(?:-server)?|-server|-\\d+)?$`).test(application.Name ?? '')

/** The lowest version among the package's applications: an old one still installed is what a scan must find. */
export function lowestVersion(pkg: string, applications: InventoryApplication[]): Version | undefined {
  const found = applications.flatMap((a) => {
    const version = isPackage(pkg, a) ? versionFromOutput(a.Version ?? '', pkg) : undefined
    return version ? [version] : []
  })
  return found.sort(compareVersions)[0]
}

export const readInventoryStep: Step<PatchScanContext, {read: VersionRead[]}> = {
  id: 'read-inventory',
  title: 'Read the installed version from SSM Inventory (AWS:Application): one paginated read per region',
  actions: ['ssm:GetInventory'],
  mutates: false,
  async run(ctx, io) {
    const {SSMClient} = await import('@aws-sdk/client-ssm')
    const perRegion = await mapWithLimit([...byRegion(fleetOf(io))], COMMAND_CONCURRENCY, async ([region, instanceIds]) => {
      const applications = await applicationsByInstance(ctx.session.inRegion(region).client(SSMClient), ctx.package, io.signal)
      return instanceIds.flatMap((instanceId) => {
        const lowest = lowestVersion(ctx.package, applications.get(instanceId) ?? [])
        return lowest ? [{instanceId, version: formatVersion(lowest)}] : []
      })
    })
    const read = perRegion.flat()
    io.progress(`${read.length} of ${fleetOf(io).length} instance(s) report ${ctx.package} in SSM Inventory`)
    return {read}
  },
}

/**
 * Read-only: the lowest installed version of the package's server or main package, from rpm, else dpkg, else psql.
 * It prints one line that versionFromOutput reads, or fails saying the package is not installed.
 */
export const versionScript = (pkg: string) =>
  [
    `p='${pkg}'`,
    `v=$(rpm -qa "$p*" 2>/dev/null | grep -E "^$p[0-9]*(-server)?-[0-9]" | sort -V | head -n 1)`,
    // Debian's postgresql is a metapackage whose version (14+238) is not the server's: postgresql-14 is.
    `deb_version() { dpkg-query -W -f '\${db:Status-Abbrev} \${Package} \${Version}\\n' "$1" 2>/dev/null | awk '$1 == "ii" {print $3}' | sort -V | head -n 1; }`,
    `[ -n "$v" ] || v=$(deb_version "$p-[0-9]*")`,
    `[ -n "$v" ] || v=$(deb_version "$p")`,
    `[ -n "$v" ] || v=$(psql --version 2>/dev/null | head -n 1)`,
    `if [ -n "$v" ]; then echo "$v"; else echo "$p is not installed (rpm, dpkg-query and psql know none)"; exit 1; fi`,
  ].join('\n')

/** The first line of what an invocation printed, short enough for a table. */
const firstLine = (text: string) => (text.trim().split('\n')[0] ?? '').slice(0, 120)

function versionFromInvocation(pkg: string, instanceId: string, invocation: CommandInvocation | undefined): VersionRead {
  if (!invocation) return {instanceId, reason: 'Run Command listed no invocation for it'}
  const output = invocation.CommandPlugins?.[0]?.Output ?? ''
  const version = invocation.Status === 'Success' ? versionFromOutput(output, pkg) : undefined
  if (version) return {instanceId, version: formatVersion(version)}
  const said = firstLine(output) || invocation.StatusDetails || 'no output'
  return {instanceId, reason: invocation.Status === 'Success' ? `no version in "${said}"` : `Run Command ${invocation.Status}: ${said}`}
}

/** One read-only Run Command to up to 50 instances of a region, and what each answered. */
async function readByCommand(ssm: SSMClient, ctx: PatchScanContext, instanceIds: string[], io: StepIO) {
  const {commandId, invocations} = await runCommandToEnd(
    ssm,
    {
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: instanceIds,
      Parameters: {commands: [versionScript(ctx.package)], executionTimeout: ['60']},
      Comment: `opsctl patch scan: installed ${ctx.package} version (read-only)`,
      TimeoutSeconds: COMMAND_TIMEOUT_SECONDS,
      // Every instance is asked, whichever fails: a failure is an unknown version, not a reason to stop asking.
      MaxConcurrency: '100%',
      MaxErrors: '100%',
    },
    io,
    POLL_INTERVAL_MS,
  )
  const byInstance = new Map(invocations.map((i) => [i.InstanceId, i]))
  return {commandId, read: instanceIds.map((id) => versionFromInvocation(ctx.package, id, byInstance.get(id)))}
}

export const readByCommandStep: Step<PatchScanContext, {read: VersionRead[]; commands: {region: string; commandId: string; instances: number}[]}> = {
  id: 'read-versions-by-command',
  title: 'Ask the instances SSM Inventory has no version for: one read-only Run Command per region and 50 instances',
  actions: ['ssm:SendCommand', 'ssm:ListCommandInvocations'],
  mutates: false,
  timeoutMs: (COMMAND_TIMEOUT_SECONDS + 300) * 1000,
  async run(ctx, io) {
    const {SSMClient} = await import('@aws-sdk/client-ssm')
    const known = new Set(io.outputOf(readInventoryStep)!.read.map((r) => r.instanceId))
    const batches = [...byRegion(fleetOf(io).filter((i) => !known.has(i.instanceId)))].flatMap(([region, ids]) =>
      Array.from({length: Math.ceil(ids.length / INSTANCES_PER_COMMAND)}, (_, b) => ({
        region,
        instanceIds: ids.slice(b * INSTANCES_PER_COMMAND, (b + 1) * INSTANCES_PER_COMMAND),
      })),
    )
    const results = await mapWithLimit(batches, COMMAND_CONCURRENCY, ({region, instanceIds}) =>
      readByCommand(ctx.session.inRegion(region).client(SSMClient), ctx, instanceIds, io),
    )
    return {
      read: results.flatMap((r) => r.read),
      commands: results.map((r, i) => ({region: batches[i].region, commandId: r.commandId, instances: batches[i].instanceIds.length})),
    }
  },
}

function judge(version: string | undefined, min: Version): Verdict {
  if (version === undefined) return 'unknown'
  return compareVersions(parseVersion(version), min) >= 0 ? 'compliant' : 'non-compliant'
}

/** Every instance of the fleet with its version (inventory first, then the command) and its verdict. */
export function scannedInstances(outputOf: OutputReader, min: Version): ScannedInstance[] {
  const fromInventory = new Map(outputOf(readInventoryStep)!.read.map((r) => [r.instanceId, r]))
  const fromCommand = new Map((outputOf(readByCommandStep)?.read ?? []).map((r) => [r.instanceId, r]))
  return outputOf(resolveFleetStep)!.instances.map((instance) => {
    const inventory = fromInventory.get(instance.instanceId)
    const read = inventory ?? fromCommand.get(instance.instanceId)
    return {
      ...instance,
      ...(read?.version ? {version: read.version, source: inventory ? 'inventory' : 'run-command'} : {reason: read?.reason ?? 'not read'}),
      verdict: judge(read?.version, min),
    }
  })
}

const recordComplianceStep: Step<PatchScanContext, {written: number; leftAsTheyWere: number}> = {
  id: 'record-compliance',
  title: "Write each instance's verdict to SSM Compliance (PutComplianceItems, one call an instance)",
  actions: ['ssm:PutComplianceItems'],
  mutates: true,
  async run(ctx, io) {
    const {SSMClient} = await import('@aws-sdk/client-ssm')
    const known = scannedInstances(io.outputOf, ctx.minVersion).filter((i) => i.verdict !== 'unknown')
    const min = formatVersion(ctx.minVersion)
    const executionTime = new Date(io.clock.now())
    await mapWithLimit(known, COMMAND_CONCURRENCY, (instance) =>
      putComplianceRecord(
        ctx.session.inRegion(instance.region).client(SSMClient),
        {
          instanceId: instance.instanceId,
          complianceType: patchComplianceType(ctx.package),
          itemId: ctx.package,
          title: `${ctx.package} ${instance.version} (minimum ${min})`,
          status: instance.verdict === 'compliant' ? 'COMPLIANT' : 'NON_COMPLIANT',
          severity: ctx.severity,
          details: {InstalledVersion: instance.version!, MinimumVersion: min, Source: instance.source!},
          executionTime,
          executionId: io.runId,
        },
        io.signal,
      ),
    )
    return {written: known.length, leftAsTheyWere: fleetOf(io).length - known.length}
  },
}

export interface PatchScanOutcome {
  package: string
  minVersion: string
  complianceType: string
  /** Written to SSM Compliance: false with --no-compliance and in a dry run. Unknown versions are never written. */
  complianceWritten: boolean
  tenantStore: {table: string; region: string; found: boolean}
  commands: {region: string; commandId: string; instances: number}[]
  instances: ScannedInstance[]
  counts: Record<Verdict, number>
}

function scanOutcome(options: PatchScanOptions, outputOf: OutputReader): PatchScanOutcome {
  const instances = scannedInstances(outputOf, options.minVersion)
  const count = (verdict: Verdict) => instances.filter((i) => i.verdict === verdict).length
  return {
    package: options.package,
    minVersion: formatVersion(options.minVersion),
    complianceType: patchComplianceType(options.package),
    complianceWritten: outputOf(recordComplianceStep) !== undefined,
    tenantStore: outputOf(resolveFleetStep)!.tenantStore,
    commands: outputOf(readByCommandStep)?.commands ?? [],
    instances,
    counts: {compliant: count('compliant'), 'non-compliant': count('non-compliant'), unknown: count('unknown')},
  }
}

/** Resolve the fleet, read versions (inventory, then one Run Command per region and 50 instances), then write SSM Compliance. */
export function patchScanWorkflow(options: PatchScanOptions): Workflow<PatchScanContext, PatchScanOutcome> {
  return {
    name: PATCH_SCAN_WORKFLOW,
    steps: [resolveFleetStep, readInventoryStep, readByCommandStep, ...(options.compliance ? [recordComplianceStep] : [])],
    outcome: (outputOf) => scanOutcome(options, outputOf),
  }
}

/** What a scan found, also from a dry run (whose record has no outcome, since it only planned the compliance write). */
export function patchScanOutcomeOf(options: PatchScanOptions, record: RunRecord): PatchScanOutcome {
  if (record.outcome) return record.outcome as unknown as PatchScanOutcome
  return scanOutcome(options, (step) => record.steps.find((s) => s.id === step.id)?.outputs as never)
}

const NAMED = 10
const named = (instances: ScannedInstance[], detail: (i: ScannedInstance) => string) =>
  `${instances
    .slice(0, NAMED)
    .map((i) => `${i.instanceId} (${detail(i)})`)
    .join(', ')}${instances.length > NAMED ? ` and ${instances.length - NAMED} more` : ''}`

/**
 * The scan's exit: 1 when a version could not be read (never a verdict from part of the fleet), else 3 when an
 * instance is below the minimum; the error carries the run record.
 */
export function assertScanVerdict(outcome: PatchScanOutcome, record: RunRecord): void {
  const of = (verdict: Verdict) => outcome.instances.filter((i) => i.verdict === verdict)
  const total = outcome.instances.length
  if (outcome.counts.unknown > 0) {
    const error = new OpsctlError(
      `Could not read the ${outcome.package} version of ${outcome.counts.unknown} of ${total} instance(s): ${named(of('unknown'), (i) => i.reason ?? '')}; see "opsctl runs show ${record.runId}".`,
      ExitCode.WorkflowFailed,
      'ScanIncomplete',
    )
    error.result = record
    throw error
  }
  if (outcome.counts['non-compliant'] > 0) {
    throw new FindingsError(
      `${outcome.counts['non-compliant']} of ${total} instance(s) run ${outcome.package} below ${outcome.minVersion}: ${named(of('non-compliant'), (i) => i.version!)}; patch them with "opsctl patch run".`,
      record,
    )
  }
}
