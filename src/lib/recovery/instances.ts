import type {DBInstance, RDSClient} from '@aws-sdk/client-rds'

import {deleteDbInstance, findDbInstance, setDeletionProtection} from '../aws/rds.js'
import {madeByRun} from '../aws/tags.js'
import type {StepIO} from '../engine/types.js'
import {earlierOfRun, type Watched, waitFor} from './watch.js'

/** What waiting on a DB instance needs: restores, backup tests and drills all have it. */
export interface InstanceWaitContext {
  rds: RDSClient
  pollIntervalMs: number
  /** How long a wait may take; also how long an undo may wait for the instance to settle before deleting it. */
  timeoutMs: number
}

/** States from which an instance never becomes available. */
export const failedStatuses: ReadonlySet<string> = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-option-group',
  'storage-full',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
])

const instance = (ctx: InstanceWaitContext, id: string): Watched<DBInstance> => ({
  kind: 'DB instance',
  id,
  find: (signal) => findDbInstance(ctx.rds, id, signal),
  status: (i) => i.DBInstanceStatus ?? 'unknown',
  failed: failedStatuses,
  events: `see its RDS events ("aws rds describe-events --source-type db-instance --source-identifier ${id}")`,
})

/** Polls the instance until `done` says so; an instance that disappears or fails stops the wait. */
export function waitForInstance(
  ctx: InstanceWaitContext,
  id: string,
  io: StepIO,
  done: (instance: DBInstance | undefined) => boolean,
): Promise<DBInstance | undefined> {
  return waitFor(instance(ctx, id), io, ctx.pollIntervalMs, done)
}

/** Polls until the instance is available, and returns it. */
export async function waitForInstanceAvailable(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<DBInstance> {
  return (await waitForInstance(ctx, id, io, (i) => i?.DBInstanceStatus === 'available'))!
}

/**
 * Deletes an instance this run created, without a final snapshot: waits until RDS accepts changes
 * (not while creating), turns deletion protection off, then deletes. Anything not tagged with the run id is left alone.
 */
export async function deleteInstanceOfRun(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<void> {
  const found = await findDbInstance(ctx.rds, id, io.signal)
  if (!found || !madeByRun(found, io.runId) || found.DBInstanceStatus === 'deleting') return
  // Bounded by the caller's signal: the step's timeout, or the undo's.
  const settled = await waitForInstance(
    ctx,
    id,
    io,
    (i) => !i || ['available', 'deleting'].includes(i.DBInstanceStatus!) || failedStatuses.has(i.DBInstanceStatus!),
  )
  if (!settled || settled.DBInstanceStatus === 'deleting') return
  if (settled.DeletionProtection) await setDeletionProtection(ctx.rds, id, false, io.signal)
  await deleteDbInstance(ctx.rds, id, io.signal)
}

/** Waits until the instance is gone (after a delete). */
export async function waitUntilDeleted(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<void> {
  await waitForInstance(ctx, id, io, (i) => !i)
}

/** The instance an earlier attempt of this run made, to carry on with (see earlierOfRun). */
export function earlierInstanceOfRun(ctx: InstanceWaitContext, id: string, io: StepIO): Promise<DBInstance | undefined> {
  return earlierOfRun(instance(ctx, id), io, ctx.pollIntervalMs)
}
