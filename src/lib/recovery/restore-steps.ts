import type {DBInstance, DBSnapshot, RDSClient, Tag} from '@aws-sdk/client-rds'

import {isKey} from '../aws/kms.js'
import {
  assertDbInstanceIdentifier,
  describeDbInstance,
  findDbInstance,
  findDbSnapshot,
  restoreDbInstanceFromSnapshot,
  restoreDbInstanceToPointInTime,
  setDeletionProtection,
} from '../aws/rds.js'
import {madeByRun, runTags} from '../aws/tags.js'
import type {Step, StepIO, StepOf} from '../engine/types.js'
import {NotFoundError, OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {deleteInstanceOfRun, earlierInstanceOfRun, waitForInstanceAvailable} from './instances.js'

/*
 * The steps of every restore beside a source: the snapshot restore and the quarterly backup test are made of
 * them. Each workflow brings its own `restore-point` step; a snapshot restore under another KMS key adds the
 * re-keying steps (rekey.ts), which these read through the handles below.
 */

/** Names the instance a restored one was made from. */
export const RESTORED_FROM_TAG = 'opsctl:restored-from'
/** The moment the restored data is from (ISO-8601). */
export const RESTORE_POINT_TAG = 'opsctl:restore-point'

/** What every restore beside a source needs. */
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

/** What is restored and the moment its data is from: the outputs of each workflow's `restore-point` step. */
export interface RestorePoint {
  kind: 'snapshot' | 'point-in-time' | 'latest'
  snapshotId?: string
  restorePoint: string
  /** The engine version the restored instance must have. */
  engineVersion?: string
  earliestRestorableTime?: string
  latestRestorableTime?: string
  /** A backup test's recovery point: the age of the restored data at the start of the test. */
  rpoSeconds?: number
}

/** The `restore-point` step each restore workflow has, as the steps below read it. */
export const restorePoint: StepOf<RestorePoint> = {id: 'restore-point'}

/** With --kms-key: the copy of the snapshot under the new key, restored instead of the snapshot. */
export const snapshotCopy: StepOf<{copySnapshotId: string; snapshotId?: string; created: boolean}> = {id: 'copy-snapshot'}

/** With --kms-key: the key checked to restore under, which the verification then expects. */
export interface KmsKeyCheck {
  kmsKeyId: string
  keyArn: string
  keyId: string
  snapshotEncrypted: boolean
  snapshotKmsKeyId?: string
}
export const requestedKey: StepOf<KmsKeyCheck> = {id: 'check-kms-key'}

const maxInstanceIdLength = 63

/** `<source>-restore-<UTC yyyymmddhhmm of the run>`, or `<source>-backup-test-<run id's random part>`; the source part is shortened to fit. */
export function targetIdFor(ctx: RestoreContext, runId: string): string {
  if (ctx.targetId) return ctx.targetId
  const suffix = ctx.temporary ? `backup-test-${runId.slice(-6)}` : `restore-${runId.slice(0, 8)}${runId.slice(9, 13)}`
  return `${ctx.sourceId.slice(0, maxInstanceIdLength - suffix.length - 1).replace(/-+$/, '')}-${suffix}`
}

export const iso = (date: Date | number) => new Date(date).toISOString()

export function assertNotSource(targetId: string, sourceId: string): void {
  if (targetId === sourceId) {
    throw new UsageError(
      `Refusing to restore over the source instance ${sourceId}; restores always go to a new instance, so choose another --target.`,
      'TargetIsSource',
    )
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
  if (!snapshot)
    throw new NotFoundError(`No DB snapshot named ${snapshotId} in ${await ctx.rds.config.region()}; ${list} for the snapshots of ${ctx.sourceId}.`)
  if (snapshot.DBInstanceIdentifier !== ctx.sourceId) {
    throw new UsageError(
      `DB snapshot ${snapshotId} belongs to DB instance ${snapshot.DBInstanceIdentifier}, not ${ctx.sourceId}; pick one of ${ctx.sourceId}'s snapshots (${list}).`,
      'SnapshotOfAnotherInstance',
    )
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

/** The source as the restore saw it. */
export interface SourceSummary {
  sourceId?: string
  status?: string
  engine?: string
  engineVersion?: string
  instanceClass?: string
  multiAz: boolean
  encrypted: boolean
  kmsKeyId?: string
  backupRetentionDays: number
}

type RestoreStep<O extends object> = Step<RestoreContext, O>

export const checkSourceStep: RestoreStep<SourceSummary> = {
  id: 'check-source',
  title: 'Check that the source DB instance exists',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const source = await describeDbInstance(ctx.rds, ctx.sourceId, io.signal)
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
  },
}

export const checkTargetStep: RestoreStep<{targetId: string}> = {
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
function copiedConfiguration(source: DBInstance, ctx: RestoreContext, io: StepIO, point: RestorePoint) {
  const added: Tag[] = [...runTags(io.runId, io.workflow), {Key: RESTORED_FROM_TAG, Value: ctx.sourceId}, {Key: RESTORE_POINT_TAG, Value: point.restorePoint}]
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

/** Restores from the snapshot (or its re-keyed copy) or point in time chosen by the `restore-point` step; its undo deletes what it made. */
export const restoreInstanceStep: RestoreStep<{targetId: string; created: boolean; restoreStartedAt: string}> = {
  id: 'restore-instance',
  title: 'Restore a new DB instance beside the source, with its configuration and tags',
  // kms:CreateGrant and kms:DescribeKey: RDS needs them to restore an instance encrypted with a customer managed key.
  actions: [
    'rds:RestoreDBInstanceFromDBSnapshot',
    'rds:RestoreDBInstanceToPointInTime',
    'rds:AddTagsToResource',
    'rds:DescribeDBInstances',
    'rds:ModifyDBInstance',
    'rds:DeleteDBInstance',
    'kms:CreateGrant',
    'kms:DescribeKey',
  ],
  mutates: true,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    // Idempotent: an earlier attempt of this run may have started the restore already.
    const existing = await earlierInstanceOfRun(ctx, targetId, io)
    assertTargetFree(existing, targetId, io.runId)
    if (existing) {
      // An undo interrupted after it turned deletion protection off, before the delete: turned on again as asked.
      if (ctx.deletionProtection && !existing.DeletionProtection && existing.DBInstanceStatus === 'available')
        await setDeletionProtection(ctx.rds, targetId, true, io.signal)
      return {targetId, created: false, restoreStartedAt: iso(existing.InstanceCreateTime ?? io.clock.now())}
    }
    const source = await describeDbInstance(ctx.rds, ctx.sourceId, io.signal)
    const point = io.outputOf(restorePoint)!
    const configuration = copiedConfiguration(source, ctx, io, point)
    const restoreStartedAt = iso(io.clock.now())
    if (point.kind === 'snapshot') {
      const snapshotId = io.outputOf(snapshotCopy)?.copySnapshotId ?? point.snapshotId
      await restoreDbInstanceFromSnapshot(ctx.rds, {DBInstanceIdentifier: targetId, DBSnapshotIdentifier: snapshotId, ...configuration}, io.runId, io.signal)
    } else {
      await restoreDbInstanceToPointInTime(
        ctx.rds,
        {
          SourceDBInstanceIdentifier: ctx.sourceId,
          TargetDBInstanceIdentifier: targetId,
          ...(point.kind === 'latest' ? {UseLatestRestorableTime: true} : {RestoreTime: new Date(point.restorePoint)}),
          ...configuration,
        },
        io.runId,
        io.signal,
      )
    }
    return {targetId, created: true, restoreStartedAt}
  },
  // The undo waits for an instance still being restored before it can delete it: as long as the run would have waited.
  undoTimeoutMs: (ctx) => ctx.timeoutMs,
  undo: (ctx, io) => deleteInstanceOfRun(ctx, targetIdFor(ctx, io.runId), io),
}

/** Recovery time: from the start of the restore until the instance is available (recorded as the `rtoSeconds` metric). */
export const waitAvailableStep: RestoreStep<{
  targetId: string
  restoreStartedAt: string
  availableAt: string
  rtoSeconds: number
  endpoint?: string
  port?: number
}> = {
  id: 'wait-available',
  title: 'Wait until the restored instance is available',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    const instance = await waitForInstanceAvailable(ctx, targetId, io)
    const {restoreStartedAt} = io.outputOf(restoreInstanceStep)!
    const availableAt = io.clock.now()
    const rtoSeconds = Math.round((availableAt - Date.parse(restoreStartedAt)) / 1000)
    io.metric('rtoSeconds', rtoSeconds)
    return {targetId, restoreStartedAt, availableAt: iso(availableAt), rtoSeconds, endpoint: instance.Endpoint?.Address, port: instance.Endpoint?.Port}
  },
}

/** How the restored instance differs from what it must be: available, encrypted as the source (or under --kms-key), same engine and version. */
function verificationProblems(source: DBInstance, target: DBInstance, point: RestorePoint, rekeyed: KmsKeyCheck | undefined): string[] {
  const encrypted = target.StorageEncrypted ?? false
  const problems: string[] = []
  if (target.DBInstanceStatus !== 'available') problems.push(`its status is ${target.DBInstanceStatus}, not available`)
  if (rekeyed) {
    if (!encrypted || !isKey(target.KmsKeyId, {Arn: rekeyed.keyArn, KeyId: rekeyed.keyId}))
      problems.push(`it is ${encrypted ? `encrypted with KMS key ${target.KmsKeyId}` : 'not encrypted'}, not with ${rekeyed.keyArn} (--kms-key)`)
  } else if (encrypted !== (source.StorageEncrypted ?? false)) {
    problems.push(`it is ${encrypted ? '' : 'not '}encrypted while the source is ${encrypted ? 'not' : ''}`.trimEnd())
  } else if (encrypted && target.KmsKeyId !== source.KmsKeyId) {
    // Without --kms-key, RDS restores an instance under the key of its snapshot or source.
    problems.push(`it is encrypted with KMS key ${target.KmsKeyId}, not the source's ${source.KmsKeyId}`)
  }
  if (target.Engine !== source.Engine) problems.push(`its engine is ${target.Engine}, not ${source.Engine}`)
  if (point.engineVersion && target.EngineVersion !== point.engineVersion)
    problems.push(`its engine version is ${target.EngineVersion}, not ${point.engineVersion}`)
  return problems
}

export const verifyRestoredInstanceStep: RestoreStep<{
  targetId: string
  status?: string
  engine?: string
  engineVersion?: string
  encrypted: boolean
  kmsKeyId?: string
  deletionProtection: boolean
  endpoint?: string
  port?: number
}> = {
  id: 'verify-instance',
  title: 'Verify the restored instance: available, encrypted like the source (or with the --kms-key key), same engine and version',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    const [source, target] = await Promise.all([describeDbInstance(ctx.rds, ctx.sourceId, io.signal), describeDbInstance(ctx.rds, targetId, io.signal)])
    const problems = verificationProblems(source, target, io.outputOf(restorePoint)!, io.outputOf(requestedKey))
    if (problems.length > 0) {
      throw new OpsctlError(`Restored DB instance ${targetId} failed verification: ${problems.join('; ')}.`, ExitCode.WorkflowFailed, 'VerificationFailed')
    }
    return {
      targetId,
      status: target.DBInstanceStatus,
      engine: target.Engine,
      engineVersion: target.EngineVersion,
      encrypted: target.StorageEncrypted ?? false,
      kmsKeyId: target.KmsKeyId,
      deletionProtection: target.DeletionProtection ?? false,
      endpoint: target.Endpoint?.Address,
      port: target.Endpoint?.Port,
    }
  },
}
