import {type DBSnapshot, RDSClient} from '@aws-sdk/client-rds'

import {
  assertDbSnapshotIdentifier,
  createDbSnapshot,
  dbSnapshotsOf,
  deleteDbSnapshot,
  describeDbInstance,
  findDbInstance,
  findDbSnapshot,
  tagValue,
} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import {madeByRun, RUN_ID_TAG, runTags} from '../aws/tags.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {SNAPSHOT_CREATE_WORKFLOW} from '../engine/workflow-names.js'
import {UsageError} from '../errors/errors.js'
import {earlierOfRun, type Watched, waitFor} from './watch.js'

export interface SnapshotCreateContext {
  rds: RDSClient
  dbInstanceId: string
  /** Chosen by the user; otherwise derived from the run id, so a resumed run finds the snapshot it made. */
  snapshotId?: string
  pollIntervalMs: number
  timeoutMs: number
}

export function snapshotCreateContext(session: AwsSession, options: Omit<SnapshotCreateContext, 'rds'>): SnapshotCreateContext {
  return {rds: session.client(RDSClient), ...options}
}

export const snapshotIdFor = (ctx: SnapshotCreateContext, runId: string) => ctx.snapshotId ?? `${ctx.dbInstanceId}-${runId}`.toLowerCase()

/** Automated snapshots are named `rds:<instance>-<time>`; the rest follows the RDS naming rules. Checked before any AWS call. */
export function assertSnapshotReference(id: string): string {
  return id.startsWith('rds:') ? `rds:${assertDbSnapshotIdentifier(id.slice(4))}` : assertDbSnapshotIdentifier(id)
}

/** What waiting for a snapshot needs: the client, the instance it is of (for messages) and the poll interval. */
export type SnapshotWaitContext = Pick<SnapshotCreateContext, 'rds' | 'dbInstanceId' | 'pollIntervalMs'>

const snapshot = (ctx: SnapshotWaitContext, id: string): Watched<DBSnapshot> => ({
  kind: 'DB snapshot',
  id,
  find: (signal) => findDbSnapshot(ctx.rds, id, signal),
  status: (s) => s.Status ?? 'unknown',
  failed: new Set(['failed', 'error']),
  events: `see the RDS events of ${ctx.dbInstanceId}`,
  progress: (s) => `${id} is ${s.Status}, ${s.PercentProgress ?? 0}% done`,
})

/** Polls until the snapshot is available, reporting its progress. */
export async function waitForSnapshotAvailable(ctx: SnapshotWaitContext, snapshotId: string, io: StepIO): Promise<DBSnapshot> {
  return (await waitFor(snapshot(ctx, snapshotId), io, ctx.pollIntervalMs, (s) => s?.Status === 'available'))!
}

/**
 * Deletes a snapshot this run made, once it is available (RDS deletes only available snapshots).
 * Anything not tagged with the run id is left alone. Says whether it deleted one.
 */
export async function deleteSnapshotOfRun(ctx: SnapshotWaitContext, snapshotId: string, io: StepIO): Promise<boolean> {
  const found = await findDbSnapshot(ctx.rds, snapshotId, io.signal)
  if (!found || !madeByRun(found, io.runId) || found.Status === 'deleting') return false
  if (found.Status !== 'available') await waitForSnapshotAvailable(ctx, snapshotId, io)
  await deleteDbSnapshot(ctx.rds, snapshotId, io.signal)
  return true
}

/** The snapshot an earlier attempt of this run made, to carry on with (see earlierOfRun). */
export function earlierSnapshotOfRun(ctx: SnapshotWaitContext, snapshotId: string, io: StepIO): Promise<DBSnapshot | undefined> {
  return earlierOfRun(snapshot(ctx, snapshotId), io, ctx.pollIntervalMs)
}

type SnapshotStep<O extends object> = Step<SnapshotCreateContext, O>

const checkInstanceStep: SnapshotStep<{dbInstanceId: string; engine?: string; encrypted: boolean}> = {
  id: 'check-instance',
  title: 'Check that the DB instance exists and is available',
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots'],
  mutates: false,
  async run(ctx, io) {
    const instance = await describeDbInstance(ctx.rds, ctx.dbInstanceId, io.signal)
    if (instance.DBInstanceStatus !== 'available') {
      throw new UsageError(
        `DB instance ${ctx.dbInstanceId} is ${instance.DBInstanceStatus}, not available; wait until it is available and run again.`,
        'WrongState',
      )
    }
    const snapshotId = snapshotIdFor(ctx, io.runId)
    const existing = await findDbSnapshot(ctx.rds, snapshotId, io.signal)
    if (existing && !madeByRun(existing, io.runId)) {
      throw new UsageError(`A DB snapshot named ${snapshotId} already exists; choose another --snapshot-id.`, 'AlreadyExists')
    }
    return {dbInstanceId: ctx.dbInstanceId, engine: instance.Engine, encrypted: instance.StorageEncrypted ?? false}
  },
}

const createSnapshotStep: SnapshotStep<{snapshotId: string; created: boolean}> = {
  id: 'create-snapshot',
  title: 'Create the DB snapshot, tagged with the run id',
  actions: ['rds:CreateDBSnapshot', 'rds:AddTagsToResource'],
  mutates: true,
  async run(ctx, io) {
    const snapshotId = snapshotIdFor(ctx, io.runId)
    // Idempotent: an earlier attempt of this run may have created it already.
    if (await earlierSnapshotOfRun(ctx, snapshotId, io)) return {snapshotId, created: false}
    await createDbSnapshot(
      ctx.rds,
      {DBInstanceIdentifier: ctx.dbInstanceId, DBSnapshotIdentifier: snapshotId, Tags: runTags(io.runId, io.workflow)},
      io.runId,
      io.signal,
    )
    return {snapshotId, created: true}
  },
  // The undo waits for a snapshot still being made: as long as the step would have waited.
  undoTimeoutMs: (ctx) => ctx.timeoutMs,
  async undo(ctx, io) {
    await deleteSnapshotOfRun(ctx, snapshotIdFor(ctx, io.runId), io)
  },
}

interface TakenSnapshot {
  snapshotId?: string
  snapshotArn?: string
  snapshotCreateTime?: string
  allocatedStorageGiB?: number
  encrypted: boolean
  kmsKeyId?: string
}

const waitAvailableStep: SnapshotStep<TakenSnapshot> = {
  id: 'wait-available',
  title: 'Wait until the snapshot is available',
  actions: ['rds:DescribeDBSnapshots'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    const taken = await waitForSnapshotAvailable(ctx, snapshotIdFor(ctx, io.runId), io)
    return {
      snapshotId: taken.DBSnapshotIdentifier,
      snapshotArn: taken.DBSnapshotArn,
      snapshotCreateTime: taken.SnapshotCreateTime?.toISOString(),
      allocatedStorageGiB: taken.AllocatedStorage,
      encrypted: taken.Encrypted ?? false,
      kmsKeyId: taken.KmsKeyId,
    }
  },
}

export const snapshotCreateWorkflow: Workflow<SnapshotCreateContext> = {
  name: SNAPSHOT_CREATE_WORKFLOW,
  steps: [checkInstanceStep, createSnapshotStep, waitAvailableStep],
  outcome: (outputOf) => ({...outputOf(waitAvailableStep), dbInstanceId: outputOf(checkInstanceStep)?.dbInstanceId}),
}

export interface SnapshotSummary {
  snapshotId: string
  type: string
  status: string
  createdAt?: string
  allocatedStorageGiB?: number
  encrypted: boolean
  kmsKeyId?: string
  runId?: string
}

/** Every snapshot of the instance (automated and manual), newest first. */
export async function listSnapshots(session: AwsSession, dbInstanceId: string): Promise<{instanceExists: boolean; snapshots: SnapshotSummary[]}> {
  const rds = session.client(RDSClient)
  const instanceExists = (await findDbInstance(rds, dbInstanceId)) !== undefined
  const snapshots: SnapshotSummary[] = (await dbSnapshotsOf(rds, dbInstanceId)).map((s) => ({
    snapshotId: s.DBSnapshotIdentifier!,
    type: s.SnapshotType ?? 'unknown',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime?.toISOString(),
    allocatedStorageGiB: s.AllocatedStorage,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    runId: tagValue(s.TagList, RUN_ID_TAG),
  }))
  if (!instanceExists && snapshots.length === 0) {
    throw new UsageError(`No DB instance named ${dbInstanceId} in ${session.region}, and no snapshots of one; check the name or pass --region.`, 'NotFound')
  }
  snapshots.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
  return {instanceExists, snapshots}
}
