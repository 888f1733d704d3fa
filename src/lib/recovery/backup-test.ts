import {RDSClient} from '@aws-sdk/client-rds'

import {dbSnapshotsOf} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {BACKUP_TEST_WORKFLOW} from '../engine/workflow-names.js'
import {ObjectiveMissedError} from '../errors/errors.js'
import {deleteInstanceOfRun, waitUntilDeleted} from './instances.js'
import {
  checkSourceStep,
  checkTargetStep,
  type RestoreContext,
  type RestorePoint,
  restorableSnapshot,
  restoreInstanceStep,
  restorePoint,
  snapshotRestorePoint,
  targetIdFor,
  verifyRestoredInstanceStep,
  waitAvailableStep,
} from './restore-steps.js'

export interface BackupTestContext extends RestoreContext {
  /** Test this snapshot instead of the newest automated one. */
  snapshotId?: string
  minRetentionDays: number
  maxRtoSeconds?: number
  maxRpoSeconds?: number
  /** Keep the temporary instance (--keep), also when the test fails. */
  keep: boolean
}

export function backupTestContext(session: AwsSession, options: Omit<BackupTestContext, 'rds' | 'temporary' | 'deletionProtection'>): BackupTestContext {
  return {rds: session.client(RDSClient), temporary: true, deletionProtection: false, ...options}
}

/** One policy check or objective of a backup test, as recorded in its step's outputs. */
interface BackupCheck {
  check: string
  passed: boolean
  detail: string
}

type BackupStep<O extends object> = Step<BackupTestContext, O>

/**
 * A read-only step that evaluates one check. A check that does not pass is a miss of the test's objective
 * (shown as a failed step, exit 4 at the end), not a failed run: the rest of the test still runs.
 */
function checkStep(
  id: string,
  title: string,
  actions: string[],
  evaluate: (ctx: BackupTestContext, io: StepIO) => Promise<Omit<BackupCheck, 'check'>>,
): BackupStep<BackupCheck> {
  return {
    id,
    title,
    actions,
    mutates: false,
    async run(ctx, io) {
      const result = {check: id.replace(/^check-/, ''), ...(await evaluate(ctx, io))}
      if (!result.passed) io.missed(result.detail)
      return result
    },
  }
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`

const sourceOf = (io: StepIO) => io.outputOf(checkSourceStep)!

const checkAutomatedBackups = checkStep('check-automated-backups', 'Policy: automated backups are on', [], async (_ctx, io) => {
  const retention = sourceOf(io).backupRetentionDays
  return {passed: retention > 0, detail: retention > 0 ? `automated backups are on (kept ${days(retention)})` : 'automated backups are off (retention 0 days)'}
})

const checkRetention = checkStep('check-retention', 'Policy: automated backups are kept at least the minimum retention', [], async (ctx, io) => {
  const retention = sourceOf(io).backupRetentionDays
  const passed = retention >= ctx.minRetentionDays
  return {passed, detail: `backups are kept ${days(retention)}, ${passed ? 'at least' : 'below'} the required ${ctx.minRetentionDays} (--min-retention)`}
})

const checkEncryption = checkStep('check-encryption', 'Policy: storage and snapshots are encrypted', ['rds:DescribeDBSnapshots'], async (ctx, io) => {
  const source = sourceOf(io)
  const plain = (await dbSnapshotsOf(ctx.rds, ctx.sourceId, undefined, io.signal)).filter((s) => !s.Encrypted).map((s) => s.DBSnapshotIdentifier!)
  const problems = [
    ...(source.encrypted ? [] : ['storage is not encrypted']),
    ...(plain.length > 0 ? [`${plain.length} snapshot(s) are not encrypted: ${plain.slice(0, 5).join(', ')}${plain.length > 5 ? ', …' : ''}`] : []),
  ]
  return {
    passed: problems.length === 0,
    detail: problems.length === 0 ? `storage and snapshots are encrypted with KMS key ${source.kmsKeyId}` : problems.join('; '),
  }
})

/** The newest available automated snapshot, or the one given; its age at the start of the test is the RPO. */
const chooseSnapshotStep: BackupStep<RestorePoint> = {
  ...restorePoint,
  title: 'Choose the snapshot to restore: the newest available automated one, or the one given',
  actions: ['rds:DescribeDBSnapshots'],
  mutates: false,
  async run(ctx, io) {
    const snapshot = ctx.snapshotId ? await restorableSnapshot(ctx, ctx.snapshotId, io) : await newestAutomatedSnapshot(ctx, io)
    const point = snapshotRestorePoint(snapshot)
    const rpoSeconds = Math.round((io.clock.now() - Date.parse(point.restorePoint)) / 1000)
    io.metric('rpoSeconds', rpoSeconds)
    return {...point, rpoSeconds}
  },
}

async function newestAutomatedSnapshot(ctx: BackupTestContext, io: StepIO) {
  const available = (await dbSnapshotsOf(ctx.rds, ctx.sourceId, 'automated', io.signal)).filter((s) => s.Status === 'available')
  const newest = available.sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))[0]
  if (!newest) {
    throw new ObjectiveMissedError(
      `DB instance ${ctx.sourceId} has no available automated snapshot to test; turn on automated backups, or pass --snapshot to test a manual one.`,
    )
  }
  return newest
}

const deleteTemporaryInstanceStep: BackupStep<{targetId: string; deleted: boolean}> = {
  id: 'delete-temporary-instance',
  title: 'Delete the temporary instance, without a final snapshot',
  actions: ['rds:ModifyDBInstance', 'rds:DeleteDBInstance', 'rds:DescribeDBInstances'],
  mutates: true,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    const targetId = targetIdFor(ctx, io.runId)
    if (ctx.keep) {
      io.warn(
        `Kept the temporary DB instance ${targetId} (--keep); delete it with "aws rds delete-db-instance --db-instance-identifier ${targetId} --skip-final-snapshot" when you are done.`,
      )
      return {targetId, deleted: false}
    }
    await deleteInstanceOfRun(ctx, targetId, io)
    await waitUntilDeleted(ctx, targetId, io)
    return {targetId, deleted: true}
  },
}

const limitCheck = (
  id: 'check-rto' | 'check-rpo',
  title: string,
  flag: string,
  measured: (io: StepIO) => number,
  limit: (ctx: BackupTestContext) => number | undefined,
) =>
  checkStep(id, title, [], async (ctx, io) => {
    const seconds = measured(io)
    const max = limit(ctx)
    const name = id === 'check-rto' ? 'RTO' : 'RPO'
    if (max === undefined) return {passed: true, detail: `${name} ${seconds} s (no limit set)`}
    return {passed: seconds <= max, detail: `${name} ${seconds} s is ${seconds <= max ? 'within' : 'above'} the limit of ${max} s (${flag})`}
  })

const checkRto = limitCheck(
  'check-rto',
  'Objective: recovery time (restore start to available) within --max-rto',
  '--max-rto',
  (io) => io.outputOf(waitAvailableStep)!.rtoSeconds,
  (ctx) => ctx.maxRtoSeconds,
)
const checkRpo = limitCheck(
  'check-rpo',
  'Objective: recovery point (age of the restored data) within --max-rpo',
  '--max-rpo',
  (io) => io.outputOf(restorePoint)!.rpoSeconds!,
  (ctx) => ctx.maxRpoSeconds,
)

const checks = [checkAutomatedBackups, checkRetention, checkEncryption, checkRto, checkRpo]

/**
 * The quarterly backup test: the policy checks, then a restore of the newest automated snapshot beside
 * the source under a temporary name, verified, measured and deleted. The temporary instance is deleted by
 * the last mutating step on success and by the restore's undo on a failure or an interrupt.
 */
export const backupTestWorkflow: Workflow<BackupTestContext> = {
  name: BACKUP_TEST_WORKFLOW,
  steps: [
    checkSourceStep,
    checkAutomatedBackups,
    checkRetention,
    checkEncryption,
    chooseSnapshotStep,
    checkTargetStep,
    restoreInstanceStep,
    waitAvailableStep,
    verifyRestoredInstanceStep,
    deleteTemporaryInstanceStep,
    checkRto,
    checkRpo,
  ],
  outcome(outputOf) {
    const results = checks.map((check) => outputOf(check)!)
    const point = outputOf(restorePoint)!
    const deleted = outputOf(deleteTemporaryInstanceStep)!
    return {
      dbInstanceId: outputOf(checkSourceStep)?.sourceId,
      snapshotId: point.snapshotId,
      restorePoint: point.restorePoint,
      temporaryInstanceId: deleted.targetId,
      temporaryInstanceDeleted: deleted.deleted,
      rtoSeconds: outputOf(waitAvailableStep)?.rtoSeconds,
      rpoSeconds: point.rpoSeconds,
      checks: results,
      verdict: results.every((c) => c.passed) ? 'passed' : 'failed',
    }
  },
  // Every policy check and RTO/RPO limit is a step that records its own miss (exit 4, the run record as the evidence).
  objective: () => [],
}
