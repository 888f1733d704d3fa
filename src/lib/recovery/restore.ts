import {KMSClient} from '@aws-sdk/client-kms'
import {
  type DBInstance,
  type DBSnapshot,
  DescribeDBInstanceAutomatedBackupsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  type Tag,
} from '@aws-sdk/client-rds'

import {
  assertDbInstanceIdentifier, describeDbInstance, findDbInstance, findDbSnapshot, restoreDbInstanceFromSnapshot, restoreDbInstanceToPointInTime,
} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import {madeByRun, runTags} from '../aws/tags.js'
import {NotFoundError, OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {Step, StepIO, StepOutputs, Workflow} from '../engine/types.js'
import {
  checkKmsKeyStep, copySnapshotStep, copyToRestore, deleteCopyStep, isRequestedKey, type RekeyContext, requestedKey, waitCopyAvailableStep,
} from './rekey.js'
import {deleteInstanceOfRun, earlierInstanceOfRun, waitForInstance} from './instances.js'
import {SNAPSHOT_RESTORE_WORKFLOW} from './workflow-names.js'

/** Names the instance a restored one was made from. */
export const RESTORED_FROM_TAG = 'opsctl:restored-from'
/** The moment the restored data is from (ISO-8601). */
export const RESTORE_POINT_TAG = 'opsctl:restore-point'

/** What every restore beside a source needs: the snapshot restore and the backup test share it. */
export interface RestoreContext {
  rds: RDSClient
  sourceId: string
  /** Chosen by the user; otherwise derived from the run id, so a resumed run finds the instance it started. */
  targetId?: string
  /** A backup test's throw-away instance: its default name carries the run id instead of the time. */
  temporary?: boolean
  deletionProtection: boolean
  pollIntervalMs: number
  timeoutMs: number
}

export type RestoreFrom = {snapshotId: string} | {time: Date} | {latest: true}

export interface SnapshotRestoreContext extends RestoreContext, RekeyContext {
  from: RestoreFrom
}

export function snapshotRestoreContext(session: AwsSession, options: Omit<SnapshotRestoreContext, 'rds' | 'kms'>): SnapshotRestoreContext {
  return {rds: session.client(RDSClient), kms: session.client(KMSClient), ...options}
}

/** Outputs of the `restore-point` step: what is restored and the moment its data is from. */
export interface RestorePoint {
  kind: 'snapshot' | 'point-in-time' | 'latest'
  snapshotId?: string
  restorePoint: string
  /** The engine version the restored instance must have. */
  engineVersion?: string
  earliestRestorableTime?: string
  latestRestorableTime?: string
}

const maxInstanceIdLength = 63

/** `<source>-restore-<UTC yyyymmddhhmm of the run>`, or `<source>-backup-test-<run id's random part>`; the source part is shortened to fit. */
export function targetIdFor(ctx: RestoreContext, runId: string): string {
  if (ctx.targetId) return ctx.targetId
  const suffix = ctx.temporary ? `backup-test-${runId.slice(-6)}` : `restore-${runId.slice(0, 8)}${runId.slice(9, 13)}`
  return `${ctx.sourceId.slice(0, maxInstanceIdLength - suffix.length - 1).replace(/-+$/, '')}-${suffix}`
}

const iso = (date: Date | number) => new Date(date).toISOString()


export function assertNotSource(targetId: string, sourceId: string): void {
  if (targetId === sourceId) {
    throw new UsageError(`Refusing to restore over the source instance ${sourceId}; restores always go to a new instance, so choose another --target.`, 'TargetIsSource')
  }
}

function assertTargetFree(existing: DBInstance | undefined, targetId: string, runId: string): void {
  if (existing && !madeByRun(existing, runId)) {
    throw new UsageError(`A DB instance named ${targetId} already exists; restores always go to a new instance, so choose another --target.`, 'AlreadyExists')
  }
}

/** The snapshot, checked to be the source's own and available. */
export async function restorableSnapshot(ctx: RestoreContext, snapshotId: string, io: StepIO): Promise<DBSnapshot> {
  const snapshot = await findDbSnapshot(ctx.rds, snapshotId, io.signal)
  const list = `see "opsctl snapshot list ${ctx.sourceId}"`
  if (!snapshot) throw new NotFoundError(`No DB snapshot named ${snapshotId} in ${await ctx.rds.config.region()}; ${list} for the snapshots of ${ctx.sourceId}.`)
  if (snapshot.DBInstanceIdentifier !== ctx.sourceId) {
    throw new UsageError(`DB snapshot ${snapshotId} belongs to DB instance ${snapshot.DBInstanceIdentifier}, not ${ctx.sourceId}; pick one of ${ctx.sourceId}'s snapshots (${list}).`, 'SnapshotOfAnotherInstance')
  }
  if (snapshot.Status !== 'available') {
    throw new UsageError(`DB snapshot ${snapshotId} is ${snapshot.Status}, not available; wait until it is available or pick another (${list}).`, 'WrongState')
  }
  return snapshot
}

/** A snapshot's data is from its original creation time (a copy keeps it). */
export function snapshotRestorePoint(snapshot: DBSnapshot): RestorePoint {
  return {
    kind: 'snapshot',
    snapshotId: snapshot.DBSnapshotIdentifier,
    restorePoint: iso(snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime!),
    engineVersion: snapshot.EngineVersion,
  }
}

export interface RestorableWindow {
  earliest: Date
  latest: Date
}

/** Earliest: the automated backup's restore window, else now minus the retention period; latest: LatestRestorableTime. */
export async function restorableWindow(ctx: RestoreContext, source: DBInstance, io: StepIO): Promise<RestorableWindow> {
  const retentionDays = source.BackupRetentionPeriod ?? 0
  if (retentionDays === 0) {
    throw new UsageError(`DB instance ${ctx.sourceId} has automated backups turned off (retention 0 days), so it has no point in time to restore; restore a snapshot with --snapshot instead.`, 'NoPointInTimeRecovery')
  }
  if (!source.LatestRestorableTime) {
    throw new UsageError(`DB instance ${ctx.sourceId} has no restorable time yet (its first automated backup has not finished); wait for it or restore a snapshot with --snapshot.`, 'NoPointInTimeRecovery')
  }
  const {DBInstanceAutomatedBackups} = await ctx.rds.send(new DescribeDBInstanceAutomatedBackupsCommand({DBInstanceIdentifier: ctx.sourceId}), {abortSignal: io.signal})
  const active = DBInstanceAutomatedBackups?.find((b) => b.Status === 'active')
  return {
    earliest: active?.RestoreWindow?.EarliestTime ?? new Date(io.clock.now() - retentionDays * 86_400_000),
    latest: source.LatestRestorableTime,
  }
}

export function assertWithinWindow(time: Date, window: RestorableWindow, sourceId: string, now: number): void {
  const choose = `choose a time between ${iso(window.earliest)} and ${iso(window.latest)}, the restorable window of ${sourceId}`
  const where = time.getTime() > now ? 'is in the future'
    : time < window.earliest ? `is before the earliest restorable time of ${sourceId}`
      : time > window.latest ? `is after the latest restorable time of ${sourceId}` : undefined
  if (where) throw new UsageError(`--to-time ${iso(time)} ${where}; ${choose}, or use --latest.`, 'OutsideRestorableWindow')
}

function sourceSummary(source: DBInstance): StepOutputs {
  return {
    sourceId: source.DBInstanceIdentifier,
    status: source.DBInstanceStatus,
    engine: source.Engine,
    engineVersion: source.EngineVersion,
    instanceClass: source.DBInstanceClass,
    multiAz: source.MultiAZ ?? false,
    encrypted: source.StorageEncrypted ?? false,
    kmsKeyId: source.KmsKeyId,
    backupRetentionDays: source.BackupRetentionPeriod ?? 0,
  }
}

export const checkSourceStep: Step<RestoreContext> = {
  id: 'check-source',
  title: 'Check that the source DB instance exists',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    return sourceSummary(await describeDbInstance(ctx.rds, ctx.sourceId, io.signal))
  },
}

const checkRestorePointStep: Step<SnapshotRestoreContext> = {
  id: 'restore-point',
  title: 'Check the restore point: a snapshot of the source that is available, or a time within the restorable window',
  actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBInstances', 'rds:DescribeDBInstanceAutomatedBackups'],
  mutates: false,
  async run(ctx, io) {
    if ('snapshotId' in ctx.from) return {...snapshotRestorePoint(await restorableSnapshot(ctx, ctx.from.snapshotId, io))}
    const source = await describeDbInstance(ctx.rds, ctx.sourceId, io.signal)
    const window = await restorableWindow(ctx, source, io)
    const bounds = {engineVersion: source.EngineVersion, earliestRestorableTime: iso(window.earliest), latestRestorableTime: iso(window.latest)}
    if ('latest' in ctx.from) return {kind: 'latest', restorePoint: iso(window.latest), ...bounds} satisfies RestorePoint
    assertWithinWindow(ctx.from.time, window, ctx.sourceId, io.clock.now())
    return {kind: 'point-in-time', restorePoint: iso(ctx.from.time), ...bounds} satisfies RestorePoint
  },
}

export const checkTargetStep: Step<RestoreContext> = {
  id: 'check-target',
  title: 'Check that the new instance name is valid and free',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const targetId = assertDbInstanceIdentifier(targetIdFor(ctx, io.runId))
    assertNotSource(targetId, ctx.sourceId)
    assertTargetFree(await findDbInstance(ctx.rds, targetId, io.signal), targetId, io.runId)
    return {targetId}
  },
}

/** The source's configuration and tags, which the restored instance gets too. */
function copiedConfiguration(source: DBInstance, ctx: RestoreContext, runId: string, workflow: string, point: RestorePoint) {
  const added: Tag[] = [...runTags(runId, workflow), {Key: RESTORED_FROM_TAG, Value: ctx.sourceId}, {Key: RESTORE_POINT_TAG, Value: point.restorePoint}]
  // The source's own run tags (it may be a restore itself) give way to this run's.
  const tags = [...(source.TagList ?? []).filter((t) => !added.some((a) => a.Key === t.Key)), ...added]
  const securityGroups = source.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId!).filter(Boolean)
  // A default option group is the engine version's own; RDS gives it to the new instance by itself.
  const optionGroup = source.OptionGroupMemberships?.[0]?.OptionGroupName
  return {
    DBInstanceClass: source.DBInstanceClass,
    DBSubnetGroupName: source.DBSubnetGroup?.DBSubnetGroupName,
    VpcSecurityGroupIds: securityGroups?.length ? securityGroups : undefined,
    DBParameterGroupName: source.DBParameterGroups?.[0]?.DBParameterGroupName,
    OptionGroupName: optionGroup?.startsWith('default:') ? undefined : optionGroup,
    MultiAZ: source.MultiAZ,
    StorageType: source.StorageType,
    Port: source.Endpoint?.Port ?? source.DbInstancePort,
    CopyTagsToSnapshot: source.CopyTagsToSnapshot,
    DeletionProtection: ctx.deletionProtection,
    Tags: tags,
  }
}

/** Restores from the snapshot or point in time chosen by the `restore-point` step; its undo deletes what it made. */
export function restoreInstanceStep(workflow: string): Step<RestoreContext> {
  return {
    id: 'restore-instance',
    title: 'Restore a new DB instance beside the source, with its configuration and tags',
    // kms:CreateGrant and kms:DescribeKey: RDS needs them to restore an instance encrypted with a customer managed key.
    actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance', 'rds:DeleteDBInstance', 'kms:CreateGrant', 'kms:DescribeKey'],
    mutates: true,
    async run(ctx, io) {
      const targetId = targetIdFor(ctx, io.runId)
      // Idempotent: an earlier attempt of this run may have started the restore already.
      const existing = await earlierInstanceOfRun(ctx, targetId, io)
      assertTargetFree(existing, targetId, io.runId)
      if (existing) {
        await restoreDeletionProtection(ctx, existing, io)
        return {targetId, created: false, restoreStartedAt: iso(existing.InstanceCreateTime ?? io.clock.now())}
      }

      const source = await describeDbInstance(ctx.rds, ctx.sourceId, io.signal)
      const point = io.outputOf('restore-point') as unknown as RestorePoint
      const configuration = copiedConfiguration(source, ctx, io.runId, workflow, point)
      const restoreStartedAt = iso(io.clock.now())
      if (point.kind === 'snapshot') {
        await restoreDbInstanceFromSnapshot(ctx.rds, {
          DBInstanceIdentifier: targetId, DBSnapshotIdentifier: copyToRestore(io) ?? point.snapshotId, ...configuration,
        }, io.runId, io.signal)
      } else {
        await restoreDbInstanceToPointInTime(ctx.rds, {
          SourceDBInstanceIdentifier: ctx.sourceId,
          TargetDBInstanceIdentifier: targetId,
          ...(point.kind === 'latest' ? {UseLatestRestorableTime: true} : {RestoreTime: new Date(point.restorePoint)}),
          ...configuration,
        }, io.runId, io.signal)
      }
      return {targetId, created: true, restoreStartedAt}
    },
    // The undo waits for an instance still being restored before it can delete it: as long as the run would have waited.
    undoTimeoutMs: (ctx) => ctx.timeoutMs,
    undo: (ctx, io) => deleteInstanceOfRun(ctx, targetIdFor(ctx, io.runId), io),
  }
}

/** An undo interrupted after it turned deletion protection off, before the delete: turned on again as asked. */
async function restoreDeletionProtection(ctx: RestoreContext, instance: DBInstance, io: StepIO): Promise<void> {
  if (!ctx.deletionProtection || instance.DeletionProtection || instance.DBInstanceStatus !== 'available') return
  await ctx.rds.send(new ModifyDBInstanceCommand({DBInstanceIdentifier: instance.DBInstanceIdentifier, DeletionProtection: true, ApplyImmediately: true}), {abortSignal: io.signal})
}

/** Recovery time: from the start of the restore until the instance is available (recorded as the `rtoSeconds` metric). */
export const waitAvailableStep: Step<RestoreContext> = {
  id: 'wait-available',
  title: 'Wait until the restored instance is available',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    const instance = (await waitForInstance(ctx, targetId, io, (i) => i?.DBInstanceStatus === 'available'))!
    const {restoreStartedAt} = io.outputOf('restore-instance') as {restoreStartedAt: string}
    const availableAt = io.clock.now()
    const rtoSeconds = Math.round((availableAt - Date.parse(restoreStartedAt)) / 1000)
    io.metric('rtoSeconds', rtoSeconds)
    return {targetId, restoreStartedAt, availableAt: iso(availableAt), rtoSeconds, endpoint: instance.Endpoint?.Address, port: instance.Endpoint?.Port}
  },
}

export const verifyRestoredInstanceStep: Step<RestoreContext> = {
  id: 'verify-instance',
  title: 'Verify the restored instance: available, encrypted like the source (or with the --kms-key key), same engine and version',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    const [source, target] = await Promise.all([
      describeDbInstance(ctx.rds, ctx.sourceId, io.signal),
      describeDbInstance(ctx.rds, targetId, io.signal),
    ])
    const point = io.outputOf('restore-point') as unknown as RestorePoint
    const encrypted = target.StorageEncrypted ?? false
    const rekeyed = requestedKey(io)
    const problems: string[] = []
    if (target.DBInstanceStatus !== 'available') problems.push(`its status is ${target.DBInstanceStatus}, not available`)
    if (rekeyed) {
      if (!encrypted || !isRequestedKey(target.KmsKeyId, rekeyed)) problems.push(`it is ${encrypted ? `encrypted with KMS key ${target.KmsKeyId}` : 'not encrypted'}, not with ${rekeyed.keyArn} (--kms-key)`)
    } else if (encrypted !== (source.StorageEncrypted ?? false)) {
      problems.push(`it is ${encrypted ? '' : 'not '}encrypted while the source is ${encrypted ? 'not' : ''}`.trimEnd())
    } else if (encrypted && target.KmsKeyId !== source.KmsKeyId) {
      // Without --kms-key, RDS restores an instance under the key of its snapshot or source.
      problems.push(`it is encrypted with KMS key ${target.KmsKeyId}, not the source's ${source.KmsKeyId}`)
    }
    if (target.Engine !== source.Engine) problems.push(`its engine is ${target.Engine}, not ${source.Engine}`)
    if (point.engineVersion && target.EngineVersion !== point.engineVersion) problems.push(`its engine version is ${target.EngineVersion}, not ${point.engineVersion}`)
    if (problems.length > 0) {
      throw new OpsctlError(`Restored DB instance ${targetId} failed verification: ${problems.join('; ')}.`, ExitCode.WorkflowFailed, 'VerificationFailed')
    }
    return {
      targetId,
      status: target.DBInstanceStatus,
      engine: target.Engine,
      engineVersion: target.EngineVersion,
      encrypted,
      kmsKeyId: target.KmsKeyId,
      deletionProtection: target.DeletionProtection ?? false,
      endpoint: target.Endpoint?.Address,
      port: target.Endpoint?.Port,
    }
  },
}

/**
 * Checks, restore, wait and verification. With --kms-key the snapshot is first copied under the new key
 * and the copy restored, then deleted at the end (see rekey.ts).
 */
export function snapshotRestoreWorkflow(options: Pick<SnapshotRestoreContext, 'kmsKeyId'>): Workflow<SnapshotRestoreContext> {
  const rekey = options.kmsKeyId !== undefined
  return {
    name: SNAPSHOT_RESTORE_WORKFLOW,
    steps: [
      checkSourceStep, checkRestorePointStep, ...(rekey ? [checkKmsKeyStep] : []), checkTargetStep,
      ...(rekey ? [copySnapshotStep, waitCopyAvailableStep] : []),
      restoreInstanceStep(SNAPSHOT_RESTORE_WORKFLOW), waitAvailableStep, verifyRestoredInstanceStep,
      ...(rekey ? [deleteCopyStep] : []),
    ],
    outcome: snapshotRestoreOutcome,
  }
}

function snapshotRestoreOutcome(outputOf: (stepId: string) => StepOutputs | undefined): Record<string, unknown> {
  const point = outputOf('restore-point') as unknown as RestorePoint
  const verified = outputOf('verify-instance')!
  const copy = outputOf('delete-copy')
  return {
    sourceId: outputOf('check-source')?.sourceId,
    targetId: verified.targetId,
    restoreType: point.kind,
    snapshotId: point.snapshotId,
    restorePoint: point.restorePoint,
    endpoint: verified.endpoint,
    port: verified.port,
    rtoSeconds: outputOf('wait-available')?.rtoSeconds,
    engine: verified.engine,
    engineVersion: verified.engineVersion,
    encrypted: verified.encrypted,
    kmsKeyId: verified.kmsKeyId,
    deletionProtection: verified.deletionProtection,
    copySnapshotId: copy?.copySnapshotId,
    copySnapshotDeleted: copy?.deleted,
  }
}
