import {type DBInstance, DeleteDBInstanceCommand, ModifyDBInstanceCommand, type RDSClient} from '@aws-sdk/client-rds'

import {findDbInstance} from '../aws/rds.js'
import {madeByRun} from '../aws/tags.js'
import {OpsctlError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import type {StepIO} from '../engine/types.js'

/** What waiting on a DB instance needs: restores, backup tests and drills all have it. */
export interface InstanceWaitContext {
  rds: RDSClient
  pollIntervalMs: number
  /** How long a wait, or the settling before a delete, may take. */
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
  // Undo runs without a step timeout; give up after the run's own timeout instead of waiting forever.
  const signal = AbortSignal.any([io.signal, io.clock.timeout(ctx.timeoutMs)])
  const settled = await waitForInstance(ctx, id, {...io, signal}, (i) => !i || ['available', 'deleting'].includes(i.DBInstanceStatus!) || failedStatuses.has(i.DBInstanceStatus!))
    .catch((error) => {
      if (signal.aborted && !io.signal.aborted) throw new OpsctlError(`DB instance ${id} did not settle within ${ctx.timeoutMs / 1000} s, so opsctl could not delete it; delete it by hand.`, ExitCode.WorkflowFailed, 'StepTimeout')
      throw error
    })
  if (!settled || settled.DBInstanceStatus === 'deleting') return
  if (settled.DeletionProtection) {
    await ctx.rds.send(new ModifyDBInstanceCommand({DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true}), {abortSignal: io.signal})
  }
  await ctx.rds.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true}), {abortSignal: io.signal})
}

/** Waits until the instance is gone (after a delete). */
export async function waitUntilDeleted(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<void> {
  await waitForInstance(ctx, id, io, (i) => !i)
}
