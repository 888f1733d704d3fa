import {KMSClient} from '@aws-sdk/client-kms'
import {type DBInstance, RDSClient} from '@aws-sdk/client-rds'

import {activeAutomatedBackup, describeDbInstance} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {SNAPSHOT_RESTORE_WORKFLOW} from '../engine/workflow-names.js'
import {UsageError} from '../errors/errors.js'
import {DAY_MS} from '../time/clock.js'
import {checkKmsKeyStep, copySnapshotStep, deleteCopyStep, type RekeyContext, waitCopyAvailableStep} from './rekey.js'
import {
  checkSourceStep,
  checkTargetStep,
  iso,
  type RestoreContext,
  type RestorePoint,
  restorableSnapshot,
  restoreInstanceStep,
  restorePoint,
  snapshotRestorePoint,
  verifyRestoredInstanceStep,
  waitAvailableStep,
} from './restore-steps.js'

/** Where a restore starts from: a snapshot, a point in time, or the latest restorable time. */
export type RestoreFrom = {snapshotId: string} | {time: Date} | {latest: true}

/** A point in time is restored under the source's own key: only a snapshot can be re-keyed. */
export function assertRekeyable(from: RestoreFrom, kmsKeyId: string | undefined): void {
  if (kmsKeyId !== undefined && !('snapshotId' in from)) {
    throw new UsageError(
      `--kms-key cannot be used with ${'time' in from ? '--to-time' : '--latest'}, since RDS restores a point in time only under the source's own key; to restore under another key, restore from a snapshot (--snapshot).`,
      'KmsKeyNeedsSnapshot',
    )
  }
}

export interface SnapshotRestoreContext extends RestoreContext, RekeyContext {
  from: RestoreFrom
}

export function snapshotRestoreContext(session: AwsSession, options: Omit<SnapshotRestoreContext, 'rds' | 'kms'>): SnapshotRestoreContext {
  return {rds: session.client(RDSClient), kms: session.client(KMSClient), ...options}
}

export interface RestorableWindow {
  earliest: Date
  latest: Date
}

/** Earliest: the automated backup's restore window, else now minus the retention period; latest: LatestRestorableTime. */
async function restorableWindow(ctx: RestoreContext, source: DBInstance, io: StepIO): Promise<RestorableWindow> {
  const retentionDays = source.BackupRetentionPeriod ?? 0
  if (retentionDays === 0) {
    throw new UsageError(
      `DB instance ${ctx.sourceId} has automated backups turned off (retention 0 days), so it has no point in time to restore; restore a snapshot with --snapshot instead.`,
      'NoPointInTimeRecovery',
    )
  }
  if (!source.LatestRestorableTime) {
    throw new UsageError(
      `DB instance ${ctx.sourceId} has no restorable time yet (its first automated backup has not finished); wait for it or restore a snapshot with --snapshot.`,
      'NoPointInTimeRecovery',
    )
  }
  const active = await activeAutomatedBackup(ctx.rds, ctx.sourceId, io.signal)
  return {
    earliest: active?.RestoreWindow?.EarliestTime ?? new Date(io.clock.now() - retentionDays * DAY_MS),
    latest: source.LatestRestorableTime,
  }
}

export function assertWithinWindow(time: Date, window: RestorableWindow, sourceId: string, now: number): void {
  const choose = `choose a time between ${iso(window.earliest)} and ${iso(window.latest)}, the restorable window of ${sourceId}`
  const where =
    time.getTime() > now
      ? 'is in the future'
      : time < window.earliest
        ? `is before the earliest restorable time of ${sourceId}`
        : time > window.latest
          ? `is after the latest restorable time of ${sourceId}`
          : undefined
  if (where) throw new UsageError(`--to-time ${iso(time)} ${where}; ${choose}, or use --latest.`, 'OutsideRestorableWindow')
}

const checkRestorePointStep: Step<SnapshotRestoreContext, RestorePoint> = {
  ...restorePoint,
  title: 'Check the restore point: a snapshot of the source that is available, or a time within the restorable window',
  actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBInstances', 'rds:DescribeDBInstanceAutomatedBackups'],
  mutates: false,
  async run(ctx, io) {
    if ('snapshotId' in ctx.from) return snapshotRestorePoint(await restorableSnapshot(ctx, ctx.from.snapshotId, io))
    const source = await describeDbInstance(ctx.rds, ctx.sourceId, io.signal)
    const window = await restorableWindow(ctx, source, io)
    const bounds = {engineVersion: source.EngineVersion, earliestRestorableTime: iso(window.earliest), latestRestorableTime: iso(window.latest)}
    if ('latest' in ctx.from) return {kind: 'latest', restorePoint: iso(window.latest), ...bounds}
    assertWithinWindow(ctx.from.time, window, ctx.sourceId, io.clock.now())
    return {kind: 'point-in-time', restorePoint: iso(ctx.from.time), ...bounds}
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
      checkSourceStep,
      checkRestorePointStep,
      ...(rekey ? [checkKmsKeyStep] : []),
      checkTargetStep,
      ...(rekey ? [copySnapshotStep, waitCopyAvailableStep] : []),
      restoreInstanceStep,
      waitAvailableStep,
      verifyRestoredInstanceStep,
      ...(rekey ? [deleteCopyStep] : []),
    ],
    outcome(outputOf) {
      const point = outputOf(restorePoint)!
      const verified = outputOf(verifyRestoredInstanceStep)!
      const copy = outputOf(deleteCopyStep)
      return {
        sourceId: outputOf(checkSourceStep)?.sourceId,
        targetId: verified.targetId,
        restoreType: point.kind,
        snapshotId: point.snapshotId,
        restorePoint: point.restorePoint,
        endpoint: verified.endpoint,
        port: verified.port,
        rtoSeconds: outputOf(waitAvailableStep)?.rtoSeconds,
        engine: verified.engine,
        engineVersion: verified.engineVersion,
        encrypted: verified.encrypted,
        kmsKeyId: verified.kmsKeyId,
        deletionProtection: verified.deletionProtection,
        copySnapshotId: copy?.copySnapshotId,
        copySnapshotDeleted: copy?.deleted,
      }
    },
  }
}
