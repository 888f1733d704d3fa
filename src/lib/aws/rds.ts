import type {
  CopyDBSnapshotCommandInput, CreateDBInstanceReadReplicaCommandInput, CreateDBSnapshotCommandInput, DBInstance, DBSnapshot, RDSClient,
  RestoreDBInstanceFromDBSnapshotCommandInput, RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds'

import {NotFoundError, UsageError} from '../errors/errors.js'
import {createOnce, deleteOnce} from './idempotent.js'
import {madeByRun} from './tags.js'

const rdsIdentifier = /^[A-Za-z](?!.*--)[A-Za-z0-9-]*$/

function assertRdsIdentifier(kind: string, id: string, maxLength: number): string {
  if (id.length < 1 || id.length > maxLength || !rdsIdentifier.test(id) || id.endsWith('-')) {
    throw new UsageError(`"${id}" is not a valid ${kind} identifier: use 1–${maxLength} letters, digits and hyphens, starting with a letter, with no double or trailing hyphen.`, 'InvalidIdentifier')
  }
  return id
}

/** RDS naming rules, checked before any AWS call. */
export const assertDbInstanceIdentifier = (id: string) => assertRdsIdentifier('DB instance', id, 63)
export const assertDbSnapshotIdentifier = (id: string) => assertRdsIdentifier('DB snapshot', id, 255)
export const assertDbClusterIdentifier = (id: string) => assertRdsIdentifier('DB cluster', id, 63)

/** The DB instance, or a usage error naming it and the region. */
export async function describeDbInstance(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance> {
  // Loaded when first needed: commands that only validate identifiers (history, journals) never load the RDS client.
  const {DBInstanceNotFoundFault, DescribeDBInstancesCommand} = await import('@aws-sdk/client-rds')
  try {
    const {DBInstances} = await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: id}), {abortSignal})
    if (DBInstances?.[0]) return DBInstances[0]
  } catch (error) {
    if (!(error instanceof DBInstanceNotFoundFault)) throw error
  }
  throw new NotFoundError(`No DB instance named ${id} in ${await rds.config.region()}; check the name with "aws rds describe-db-instances" or pass --region.`)
}

/** The DB instance, or undefined when there is none of that name. */
export async function findDbInstance(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance | undefined> {
  return describeDbInstance(rds, id, abortSignal).catch((error) => {
    if (error instanceof NotFoundError) return undefined
    throw error
  })
}

export function tagValue(tags: {Key?: string; Value?: string}[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value
}

/** The DB snapshot, or undefined when there is none of that name. */
export async function findDbSnapshot(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBSnapshot | undefined> {
  const {DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand} = await import('@aws-sdk/client-rds')
  try {
    const {DBSnapshots} = await rds.send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: id}), {abortSignal})
    return DBSnapshots?.[0]
  } catch (error) {
    if (error instanceof DBSnapshotNotFoundFault) return undefined
    throw error
  }
}

/*
 * The creates and deletes the workflows make, each safe against a lost response (see idempotent.ts): a
 * create whose retry meets "already exists" checks that the resource carries this run's id.
 */

/** What a create makes: found by kind and name, to tell a lost response from someone else's resource. */
interface Made {
  kind: 'DB instance' | 'DB snapshot'
  id: string
}

/** Sends a create command of any kind (command typing aside, the client sends them all alike). */
async function createForRun(rds: RDSClient, command: unknown, made: Made, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const find = made.kind === 'DB instance' ? findDbInstance : findDbSnapshot
  const send = () => (rds as unknown as {send(command: unknown, options: unknown): Promise<unknown>}).send(command, {abortSignal})
  await createOnce(send, async () => madeByRun(await find(rds, made.id, abortSignal) ?? {}, runId), `${made.kind} ${made.id}`)
}

export async function createDbSnapshot(rds: RDSClient, input: CreateDBSnapshotCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {CreateDBSnapshotCommand} = await import('@aws-sdk/client-rds')
  await createForRun(rds, new CreateDBSnapshotCommand(input), {kind: 'DB snapshot', id: input.DBSnapshotIdentifier!}, runId, abortSignal)
}

export async function copyDbSnapshot(rds: RDSClient, input: CopyDBSnapshotCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {CopyDBSnapshotCommand} = await import('@aws-sdk/client-rds')
  await createForRun(rds, new CopyDBSnapshotCommand(input), {kind: 'DB snapshot', id: input.TargetDBSnapshotIdentifier!}, runId, abortSignal)
}

export async function restoreDbInstanceFromSnapshot(rds: RDSClient, input: RestoreDBInstanceFromDBSnapshotCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {RestoreDBInstanceFromDBSnapshotCommand} = await import('@aws-sdk/client-rds')
  await createForRun(rds, new RestoreDBInstanceFromDBSnapshotCommand(input), {kind: 'DB instance', id: input.DBInstanceIdentifier!}, runId, abortSignal)
}

export async function restoreDbInstanceToPointInTime(rds: RDSClient, input: RestoreDBInstanceToPointInTimeCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {RestoreDBInstanceToPointInTimeCommand} = await import('@aws-sdk/client-rds')
  await createForRun(rds, new RestoreDBInstanceToPointInTimeCommand(input), {kind: 'DB instance', id: input.TargetDBInstanceIdentifier!}, runId, abortSignal)
}

export async function createDbInstanceReadReplica(rds: RDSClient, input: CreateDBInstanceReadReplicaCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {CreateDBInstanceReadReplicaCommand} = await import('@aws-sdk/client-rds')
  await createForRun(rds, new CreateDBInstanceReadReplicaCommand(input), {kind: 'DB instance', id: input.DBInstanceIdentifier!}, runId, abortSignal)
}

export async function deleteDbSnapshot(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteDBSnapshotCommand} = await import('@aws-sdk/client-rds')
  await deleteOnce(() => rds.send(new DeleteDBSnapshotCommand({DBSnapshotIdentifier: id}), {abortSignal}))
}

/** Deletes without a final snapshot (what opsctl deletes is only ever what a run made for itself). */
export async function deleteDbInstance(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteDBInstanceCommand} = await import('@aws-sdk/client-rds')
  await deleteOnce(() => rds.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true}), {abortSignal}))
}
