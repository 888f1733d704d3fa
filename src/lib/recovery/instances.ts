import {type DBInstance, ModifyDBInstanceCommand, type RDSClient} from '@aws-sdk/client-rds'

import {deleteDbInstance, findDbInstance} from '../aws/rds.js'
import {madeByRun} from '../aws/tags.js'
import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {StepIO} from '../engine/types.js'

/** What waiting on a DB instance needs: restores, backup tests and drills all have it. */
export interface InstanceWaitContext {
  rds: RDSClient
  pollIntervalMs: number
  /** How long a wait may take; also how long an undo may wait for the instance to settle before deleting it. */
  timeoutMs: number
}

/** States from which an instance never becomes available. */
export const failedStatuses = new Set([
  'failed', 'incompatible-restore', 'incompatible-network', 'incompatible-parameters', 'incompatible-option-group',
  'storage-full', 'inaccessible-encryption-credentials', 'inaccessible-encryption-credentials-recoverable',
])

/** Polls the instance until `done` says so; an instance that disappears or fails stops the wait. */
export async function waitForInstance(ctx: InstanceWaitContext, id: string, io: StepIO, done: (instance: DBInstance | undefined) => boolean): Promise<DBInstance | undefined> {
  for (;;) {
    const instance = await findDbInstance(ctx.rds, id, io.signal)
    if (done(instance)) return instance
    if (!instance) throw new OpsctlError(`DB instance ${id} disappeared while opsctl waited for it; see its RDS events in the console.`, ExitCode.WorkflowFailed, 'Disappeared')
    if (failedStatuses.has(instance.DBInstanceStatus!)) {
      throw new OpsctlError(`DB instance ${id} ended in status ${instance.DBInstanceStatus}; see its RDS events ("aws rds describe-events --source-type db-instance --source-identifier ${id}").`, ExitCode.WorkflowFailed, 'RestoreFailed')
    }
    io.progress(`${id} is ${instance.DBInstanceStatus}`)
    await io.clock.sleep(ctx.pollIntervalMs, io.signal)
  }
}

/**
 * Deletes an instance this run created, without a final snapshot: waits until RDS accepts changes
 * (not while creating), turns deletion protection off, then deletes. Anything not tagged with the run id is left alone.
 */
export async function deleteInstanceOfRun(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<void> {
  const instance = await findDbInstance(ctx.rds, id, io.signal)
  if (!instance || !madeByRun(instance, io.runId) || instance.DBInstanceStatus === 'deleting') return
  // Bounded by the caller's signal: the step's timeout, or the undo's.
  const settled = await waitForInstance(ctx, id, io, (i) => !i || ['available', 'deleting'].includes(i.DBInstanceStatus!) || failedStatuses.has(i.DBInstanceStatus!))
  if (!settled || settled.DBInstanceStatus === 'deleting') return
  if (settled.DeletionProtection) {
    await ctx.rds.send(new ModifyDBInstanceCommand({DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true}), {abortSignal: io.signal})
  }
  await deleteDbInstance(ctx.rds, id, io.signal)
}

/** Waits until the instance is gone (after a delete). */
export async function waitUntilDeleted(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<void> {
  await waitForInstance(ctx, id, io, (i) => !i)
}

/**
 * The instance an earlier attempt of this run made, to carry on with. Undefined when there is none, or when
 * that attempt's undo had begun to delete it: then once it is gone, so that it is made again.
 */
export async function earlierInstanceOfRun(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<DBInstance | undefined> {
  const instance = await findDbInstance(ctx.rds, id, io.signal)
  if (instance?.DBInstanceStatus !== 'deleting') return instance
  io.progress(`${id} is being deleted by the undo of an earlier attempt; waiting until it is gone`)
  await waitUntilDeleted(ctx, id, io)
  return undefined
}
