import type {
  CopyDBSnapshotCommandInput,
  CreateDBInstanceReadReplicaCommandInput,
  CreateDBSnapshotCommandInput,
  DBCluster,
  DBInstance,
  DBInstanceAutomatedBackup,
  DBSnapshot,
  Event,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommandInput,
  RestoreDBInstanceToPointInTimeCommandInput,
  SourceType,
} from '@aws-sdk/client-rds'

import {NotFoundError, UsageError} from '../errors/errors.js'
import {changeOnce, createOnce, deleteOnce} from './idempotent.js'
import {madeByRun} from './tags.js'

/*
 * The RDS calls the workflows make, each a narrow function: paginated, turning "not found" into the project's
 * NotFoundError or undefined, and every create and delete safe against a lost response (see idempotent.ts).
 * The SDK is loaded when a call is first made, so commands that only check identifiers never load it.
 */

const rdsIdentifier = /^[A-Za-z](?!.*--)[A-Za-z0-9-]*$/

function assertRdsIdentifier(kind: string, id: string, maxLength: number): string {
  if (id.length < 1 || id.length > maxLength || !rdsIdentifier.test(id) || id.endsWith('-')) {
    throw new UsageError(
      `"${id}" is not a valid ${kind} identifier: use 1–${maxLength} letters, digits and hyphens, starting with a letter, with no double or trailing hyphen.`,
      'InvalidIdentifier',
    )
  }
  return id
}

/** RDS naming rules, checked before any AWS call. */
export const assertDbInstanceIdentifier = (id: string) => assertRdsIdentifier('DB instance', id, 63)
export const assertDbSnapshotIdentifier = (id: string) => assertRdsIdentifier('DB snapshot', id, 255)
export const assertDbClusterIdentifier = (id: string) => assertRdsIdentifier('DB cluster', id, 63)

const rds = () => import('@aws-sdk/client-rds')
/** Sends any command (command typing aside, the client sends them all alike). */
const send = (client: RDSClient, command: unknown, abortSignal?: AbortSignal) =>
  (client as unknown as {send(command: unknown, options: unknown): Promise<unknown>}).send(command, {abortSignal})

const notFound = async (client: RDSClient, what: string, list: string) =>
  new NotFoundError(`No ${what} in ${await client.config.region()}; check the name with "aws rds ${list}" or pass --region.`)

/** The DB instance, or a usage error naming it and the region. */
export async function describeDbInstance(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance> {
  const found = await findDbInstance(client, id, abortSignal)
  if (!found) throw await notFound(client, `DB instance named ${id}`, 'describe-db-instances')
  return found
}

/** The DB instance, or undefined when there is none of that name. */
export async function findDbInstance(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance | undefined> {
  const {DBInstanceNotFoundFault, DescribeDBInstancesCommand} = await rds()
  try {
    return (await client.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: id}), {abortSignal})).DBInstances?.[0]
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return undefined
    throw error
  }
}

/** The Aurora DB cluster, or a usage error naming it and the region. */
export async function describeDbCluster(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBCluster> {
  const {DBClusterNotFoundFault, DescribeDBClustersCommand} = await rds()
  try {
    const {DBClusters} = await client.send(new DescribeDBClustersCommand({DBClusterIdentifier: id}), {abortSignal})
    if (DBClusters?.[0]) return DBClusters[0]
  } catch (error) {
    if (!(error instanceof DBClusterNotFoundFault)) throw error
  }
  throw await notFound(client, `DB cluster named ${id}`, 'describe-db-clusters')
}

/** The writer instance of the cluster, if it has one. */
export const clusterWriter = (cluster: DBCluster) => cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier

export function tagValue(tags: {Key?: string; Value?: string}[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value
}

/** The DB snapshot, or undefined when there is none of that name. */
export async function findDbSnapshot(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBSnapshot | undefined> {
  const {DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand} = await rds()
  try {
    return (await client.send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: id}), {abortSignal})).DBSnapshots?.[0]
  } catch (error) {
    if (error instanceof DBSnapshotNotFoundFault) return undefined
    throw error
  }
}

/** A snapshot of an instance or a cluster, as the drills and tests compare them. */
export interface SnapshotTaken {
  id: string
  createdAt?: Date
}

/** Every snapshot of the DB instance (every page), optionally only automated or manual ones. */
export async function dbSnapshotsOf(
  client: RDSClient,
  dbInstanceId: string,
  snapshotType?: 'automated' | 'manual',
  abortSignal?: AbortSignal,
): Promise<DBSnapshot[]> {
  const {paginateDescribeDBSnapshots} = await rds()
  const snapshots: DBSnapshot[] = []
  for await (const page of paginateDescribeDBSnapshots({client}, {DBInstanceIdentifier: dbInstanceId, SnapshotType: snapshotType}, {abortSignal}))
    snapshots.push(...(page.DBSnapshots ?? []))
  return snapshots
}

/** Every snapshot of the DB instance or Aurora cluster, with its creation time. */
export async function snapshotsTaken(client: RDSClient, source: {instance: string} | {cluster: string}, abortSignal?: AbortSignal): Promise<SnapshotTaken[]> {
  if ('instance' in source)
    return (await dbSnapshotsOf(client, source.instance, undefined, abortSignal)).map((s) => ({id: s.DBSnapshotIdentifier!, createdAt: s.SnapshotCreateTime}))
  const {paginateDescribeDBClusterSnapshots} = await rds()
  const taken: SnapshotTaken[] = []
  for await (const page of paginateDescribeDBClusterSnapshots({client}, {DBClusterIdentifier: source.cluster}, {abortSignal})) {
    taken.push(...(page.DBClusterSnapshots ?? []).map((s) => ({id: s.DBClusterSnapshotIdentifier!, createdAt: s.SnapshotCreateTime})))
  }
  return taken
}

/** An RDS database a workflow can place data on: a DB instance or an Aurora cluster, with its tags. */
export interface RdsDatabase {
  id: string
  kind: 'instance' | 'cluster'
  arn?: string
  status?: string
  kmsKeyId?: string
  tags: Record<string, string>
}

/** Every DB instance (outside clusters) and every Aurora cluster of the region that carries the tag key. */
export async function databasesTagged(client: RDSClient, tagKey: string, abortSignal?: AbortSignal): Promise<RdsDatabase[]> {
  return (await rdsDatabases(client, abortSignal)).filter((d) => tagKey in d.tags)
}

/** Every DB instance outside a cluster and every Aurora cluster of the region (a cluster's members are its cluster). */
export async function rdsDatabases(client: RDSClient, abortSignal?: AbortSignal): Promise<RdsDatabase[]> {
  const {paginateDescribeDBClusters, paginateDescribeDBInstances} = await rds()
  const found: RdsDatabase[] = []
  const tagsOf = (list?: {Key?: string; Value?: string}[]) => Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']))
  for await (const page of paginateDescribeDBInstances({client}, {}, {abortSignal})) {
    for (const i of page.DBInstances ?? []) {
      if (!i.DBClusterIdentifier)
        found.push({
          id: i.DBInstanceIdentifier!,
          kind: 'instance',
          arn: i.DBInstanceArn,
          status: i.DBInstanceStatus,
          kmsKeyId: i.KmsKeyId,
          tags: tagsOf(i.TagList),
        })
    }
  }
  for await (const page of paginateDescribeDBClusters({client}, {}, {abortSignal})) {
    for (const c of page.DBClusters ?? [])
      found.push({id: c.DBClusterIdentifier!, kind: 'cluster', arn: c.DBClusterArn, status: c.Status, kmsKeyId: c.KmsKeyId, tags: tagsOf(c.TagList)})
  }
  return found
}

/** The instance's active automated backup, which holds its restore window. */
export async function activeAutomatedBackup(
  client: RDSClient,
  dbInstanceId: string,
  abortSignal?: AbortSignal,
): Promise<DBInstanceAutomatedBackup | undefined> {
  const {DescribeDBInstanceAutomatedBackupsCommand} = await rds()
  const {DBInstanceAutomatedBackups} = await client.send(new DescribeDBInstanceAutomatedBackupsCommand({DBInstanceIdentifier: dbInstanceId}), {abortSignal})
  return DBInstanceAutomatedBackups?.find((b) => b.Status === 'active')
}

/** The RDS events of one source (a DB instance or cluster) since `since`, oldest first, every page. */
export async function rdsEventsSince(client: RDSClient, source: {id: string; type: SourceType}, since: Date, abortSignal?: AbortSignal): Promise<Event[]> {
  const {DescribeEventsCommand} = await rds()
  const events: Event[] = []
  let Marker: string | undefined
  do {
    const page = await client.send(new DescribeEventsCommand({SourceIdentifier: source.id, SourceType: source.type, StartTime: since, Marker}), {abortSignal})
    events.push(...(page.Events ?? []))
    Marker = page.Marker
  } while (Marker)
  // Filtered here too: not every endpoint honours StartTime (moto returns the whole history).
  return events.filter((e) => e.Date && e.Date.getTime() >= since.getTime()).sort((a, b) => a.Date!.getTime() - b.Date!.getTime())
}

export async function setDeletionProtection(client: RDSClient, dbInstanceId: string, on: boolean, abortSignal?: AbortSignal): Promise<void> {
  const {ModifyDBInstanceCommand} = await rds()
  await client.send(new ModifyDBInstanceCommand({DBInstanceIdentifier: dbInstanceId, DeletionProtection: on, ApplyImmediately: true}), {abortSignal})
}

/**
 * The failovers and the promotion a drill makes. "Invalid state" after a lost response means the change is
 * under way when `underWay` sees it begun or done; otherwise it is a real refusal and is thrown.
 */
export async function rebootWithFailover(client: RDSClient, dbInstanceId: string, underWay: () => Promise<boolean>, abortSignal?: AbortSignal): Promise<void> {
  const {RebootDBInstanceCommand} = await rds()
  await changeOnce(() => client.send(new RebootDBInstanceCommand({DBInstanceIdentifier: dbInstanceId, ForceFailover: true}), {abortSignal}), underWay)
}

export async function failOverDbCluster(
  client: RDSClient,
  clusterId: string,
  targetInstanceId: string,
  underWay: () => Promise<boolean>,
  abortSignal?: AbortSignal,
): Promise<void> {
  const {FailoverDBClusterCommand} = await rds()
  await changeOnce(
    () => client.send(new FailoverDBClusterCommand({DBClusterIdentifier: clusterId, TargetDBInstanceIdentifier: targetInstanceId}), {abortSignal}),
    underWay,
  )
}

export async function promoteReadReplica(client: RDSClient, dbInstanceId: string, underWay: () => Promise<boolean>, abortSignal?: AbortSignal): Promise<void> {
  const {PromoteReadReplicaCommand} = await rds()
  await changeOnce(() => client.send(new PromoteReadReplicaCommand({DBInstanceIdentifier: dbInstanceId}), {abortSignal}), underWay)
}

/** What a create makes: found by kind and name, to tell a lost response from someone else's resource. */
interface Made {
  kind: 'DB instance' | 'DB snapshot'
  id: string
}

/** Sends a create; "already exists" on what carries this run's id means its response was lost, and it carries on. */
async function createForRun(client: RDSClient, command: unknown, made: Made, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const find = made.kind === 'DB instance' ? findDbInstance : findDbSnapshot
  await createOnce(
    () => send(client, command, abortSignal),
    async () => madeByRun((await find(client, made.id, abortSignal)) ?? {}, runId),
    `${made.kind} ${made.id}`,
  )
}

export async function createDbSnapshot(client: RDSClient, input: CreateDBSnapshotCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {CreateDBSnapshotCommand} = await rds()
  await createForRun(client, new CreateDBSnapshotCommand(input), {kind: 'DB snapshot', id: input.DBSnapshotIdentifier!}, runId, abortSignal)
}

export async function copyDbSnapshot(client: RDSClient, input: CopyDBSnapshotCommandInput, runId: string, abortSignal?: AbortSignal): Promise<void> {
  const {CopyDBSnapshotCommand} = await rds()
  await createForRun(client, new CopyDBSnapshotCommand(input), {kind: 'DB snapshot', id: input.TargetDBSnapshotIdentifier!}, runId, abortSignal)
}

export async function restoreDbInstanceFromSnapshot(
  client: RDSClient,
  input: RestoreDBInstanceFromDBSnapshotCommandInput,
  runId: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const {RestoreDBInstanceFromDBSnapshotCommand} = await rds()
  await createForRun(client, new RestoreDBInstanceFromDBSnapshotCommand(input), {kind: 'DB instance', id: input.DBInstanceIdentifier!}, runId, abortSignal)
}

export async function restoreDbInstanceToPointInTime(
  client: RDSClient,
  input: RestoreDBInstanceToPointInTimeCommandInput,
  runId: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const {RestoreDBInstanceToPointInTimeCommand} = await rds()
  await createForRun(client, new RestoreDBInstanceToPointInTimeCommand(input), {kind: 'DB instance', id: input.TargetDBInstanceIdentifier!}, runId, abortSignal)
}

export async function createDbInstanceReadReplica(
  client: RDSClient,
  input: CreateDBInstanceReadReplicaCommandInput,
  runId: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const {CreateDBInstanceReadReplicaCommand} = await rds()
  await createForRun(client, new CreateDBInstanceReadReplicaCommand(input), {kind: 'DB instance', id: input.DBInstanceIdentifier!}, runId, abortSignal)
}

export async function deleteDbSnapshot(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteDBSnapshotCommand} = await rds()
  await deleteOnce(() => client.send(new DeleteDBSnapshotCommand({DBSnapshotIdentifier: id}), {abortSignal}))
}

/** Deletes without a final snapshot (what opsctl deletes is only ever what a run made for itself). */
export async function deleteDbInstance(client: RDSClient, id: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteDBInstanceCommand} = await rds()
  await deleteOnce(() =>
    client.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true}), {abortSignal}),
  )
}
