import type {InstancePatchState} from '@aws-sdk/client-ssm'

import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {complianceItems} from '../aws/ssm-compliance.js'
import {applicationsByInstance} from '../aws/ssm-fleet.js'
import {instancePatchStates} from '../aws/ssm-patch-states.js'
import {listJournals} from '../engine/journal.js'
import type {RunRecord} from '../engine/types.js'
import {PATCH_RUN_WORKFLOW} from '../engine/workflow-names.js'
import type {InstanceResult} from './ledger.js'
import {type PatchedInstance, patchRunResults} from './run.js'
import {lowestVersion, patchComplianceType} from './scan.js'
import {type FleetInstance, resolveFleet, type TargetSpec} from './targets.js'
import {formatVersion} from './version.js'

/*
 * `opsctl patch status`: per instance, its last patch run from the journals, the installed version SSM Inventory
 * reports, its SSM Compliance item, and Patch Manager's state where Patch Manager patches it. Nothing here writes.
 */

const CONCURRENCY = 4

export type PatchResult = InstanceResult

export interface LastPatchRun {
  runId: string
  startedAt: string
  /** The run's status: succeeded, failed, interrupted. */
  runStatus: string
  result: PatchResult
  fromVersion?: string
  toVersion?: string
  snapshotId?: string
  finishedAt?: string
}

export interface ComplianceView {
  status: string
  severity?: string
  /** When the item was written (the scan or patch that found it). */
  executionTime?: string
}

export interface PatchManagerView {
  missing: number
  failed: number
  installedPendingReboot: number
  operation?: string
  operationEndTime?: string
  baselineId?: string
}

export interface InstancePatchStatus {
  instanceId: string
  name: string
  region: string
  cluster?: string
  lastRun?: LastPatchRun
  /** From SSM Inventory (AWS:Application), when the instance reports the package there. */
  installedVersion?: string
  compliance?: ComplianceView
  /** Only for instances that Patch Manager patches. */
  patchManager?: PatchManagerView
}

export interface PatchStatusReport {
  checkedAt: string
  package: string
  complianceType: string
  instances: InstancePatchStatus[]
}

export interface PatchStatusRequest {
  spec: TargetSpec
  regions?: string[]
  package: string
}

/** The status of every instance the targets name; targets that match nothing or an unmanaged instance are usage errors. */
export async function patchStatus(session: AwsSession, request: PatchStatusRequest, now = new Date(), signal?: AbortSignal): Promise<PatchStatusReport> {
  const fleet = await resolveFleet(session, request.spec, {regions: request.regions}, signal)
  const complianceType = patchComplianceType(request.package)
  const [lastRuns, perRegion] = await Promise.all([
    lastPatchRuns(),
    mapWithLimit([...instancesByRegion(fleet)], CONCURRENCY, async ([region, instances]) =>
      regionStatus(session.inRegion(region), instances, {...request, complianceType, signal}),
    ),
  ])
  const found = new Map(perRegion.flat().map((s) => [s.instanceId, s]))
  return {
    checkedAt: now.toISOString(),
    package: request.package,
    complianceType,
    instances: fleet.map((instance) => ({
      instanceId: instance.instanceId,
      name: instance.name,
      region: instance.region,
      ...(instance.cluster ? {cluster: instance.cluster} : {}),
      ...(lastRuns.has(instance.instanceId) ? {lastRun: lastRuns.get(instance.instanceId)} : {}),
      ...found.get(instance.instanceId)?.view,
    })),
  }
}

function instancesByRegion(fleet: FleetInstance[]): Map<string, string[]> {
  const regions = new Map<string, string[]>()
  for (const i of fleet) regions.set(i.region, [...(regions.get(i.region) ?? []), i.instanceId])
  return regions
}

/**
 * Each instance's newest patch run that reached it (dry runs, and runs that stopped before its wave, aside), from the
 * journals, newest first: a run that stopped or was interrupted says what it did from its journalled progress.
 */
async function lastPatchRuns(): Promise<Map<string, LastPatchRun>> {
  const last = new Map<string, LastPatchRun>()
  for (const record of await listJournals(PATCH_RUN_WORKFLOW)) {
    if (record.dryRun) continue
    for (const instance of patchRunResults(record)?.instances ?? []) {
      if (instance.result !== 'skipped' && !last.has(instance.instanceId)) last.set(instance.instanceId, lastRunOf(record, instance))
    }
  }
  return last
}

const lastRunOf = (record: RunRecord, instance: PatchedInstance): LastPatchRun => ({
  runId: record.runId,
  startedAt: record.startedAt,
  runStatus: record.status,
  result: instance.result,
  ...(instance.fromVersion ? {fromVersion: instance.fromVersion} : {}),
  ...(instance.toVersion ? {toVersion: instance.toVersion} : {}),
  ...(instance.snapshotId ? {snapshotId: instance.snapshotId} : {}),
  ...(instance.finishedAt ? {finishedAt: instance.finishedAt} : {}),
})

type RegionRead = {package: string; complianceType: string; signal?: AbortSignal}
type StatusView = Pick<InstancePatchStatus, 'installedVersion' | 'compliance' | 'patchManager'>

/** One region's reads: the inventory once, Patch Manager's states 50 instances a call, compliance one call an instance (as SSM takes it). */
async function regionStatus(regional: AwsSession, instanceIds: string[], read: RegionRead): Promise<{instanceId: string; view: StatusView}[]> {
  const {SSMClient} = await import('@aws-sdk/client-ssm')
  const ssm = regional.client(SSMClient)
  const [applications, states, compliance] = await Promise.all([
    applicationsByInstance(ssm, read.package, read.signal),
    instancePatchStates(ssm, instanceIds, read.signal),
    mapWithLimit(instanceIds, CONCURRENCY, (id) => complianceItems(ssm, id, read.complianceType, read.signal)),
  ])
  const stateOf = new Map(states.map((s) => [s.InstanceId, s]))
  return instanceIds.map((instanceId, i) => {
    const version = lowestVersion(read.package, applications.get(instanceId) ?? [])
    const item = compliance[i].find((c) => c.Id === read.package) ?? compliance[i][0]
    const state = stateOf.get(instanceId)
    return {
      instanceId,
      view: {
        ...(version ? {installedVersion: formatVersion(version)} : {}),
        ...(item?.Status
          ? {
              compliance: {
                status: item.Status,
                ...(item.Severity ? {severity: item.Severity} : {}),
                ...(item.ExecutionSummary?.ExecutionTime ? {executionTime: item.ExecutionSummary.ExecutionTime.toISOString()} : {}),
              },
            }
          : {}),
        ...(state ? {patchManager: patchManagerView(state)} : {}),
      },
    }
  })
}

const patchManagerView = (state: InstancePatchState): PatchManagerView => ({
  missing: state.MissingCount ?? 0,
  failed: state.FailedCount ?? 0,
  installedPendingReboot: state.InstalledPendingRebootCount ?? 0,
  ...(state.Operation ? {operation: state.Operation} : {}),
  ...(state.OperationEndTime ? {operationEndTime: state.OperationEndTime.toISOString()} : {}),
  ...(state.BaselineId ? {baselineId: state.BaselineId} : {}),
})
