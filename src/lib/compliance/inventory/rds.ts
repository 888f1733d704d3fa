import type {DBCluster, DBClusterSnapshot, DBInstance, DBSnapshot} from '@aws-sdk/client-rds'

import {collectPages, mapWithLimit} from '../../aws/paginate.js'
import {tagMap} from '../../aws/tags.js'
import {type CollectorContext, SERVICE_CONCURRENCY} from './collector.js'

export interface RdsInventory {
  instances: DBInstance[]
  clusters: DBCluster[]
  snapshots: DBSnapshot[]
  clusterSnapshots: DBClusterSnapshot[]
  /** Manual snapshot ARN → the accounts allowed to restore it ("all" means public). */
  restoreAccess: Map<string, string[]>
}

const PAGE = {MaxRecords: 100}

export async function collectRds({session}: CollectorContext): Promise<RdsInventory> {
  const {
    DescribeDBClusterSnapshotAttributesCommand,
    DescribeDBSnapshotAttributesCommand,
    paginateDescribeDBClusters,
    paginateDescribeDBClusterSnapshots,
    paginateDescribeDBInstances,
    paginateDescribeDBSnapshots,
    RDSClient,
  } = await import('@aws-sdk/client-rds')
  const client = session.client(RDSClient)
  const [instances, clusters, snapshots, clusterSnapshots] = await Promise.all([
    collectPages(paginateDescribeDBInstances({client}, PAGE), (p) => p.DBInstances),
    collectPages(paginateDescribeDBClusters({client}, PAGE), (p) => p.DBClusters),
    collectPages(paginateDescribeDBSnapshots({client}, PAGE), (p) => p.DBSnapshots),
    collectPages(paginateDescribeDBClusterSnapshots({client}, PAGE), (p) => p.DBClusterSnapshots),
  ])
  // Only manual snapshots can be shared, so only they need their restore attribute read.
  const restoreAccess = new Map<string, string[]>()
  const restoreValues = (attributes: {AttributeName?: string; AttributeValues?: string[]}[] | undefined) =>
    attributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? []
  await Promise.all([
    mapWithLimit(
      snapshots.filter((s) => s.SnapshotType === 'manual'),
      SERVICE_CONCURRENCY,
      async (s) => {
        const {DBSnapshotAttributesResult} = await client.send(new DescribeDBSnapshotAttributesCommand({DBSnapshotIdentifier: s.DBSnapshotIdentifier}))
        restoreAccess.set(s.DBSnapshotArn!, restoreValues(DBSnapshotAttributesResult?.DBSnapshotAttributes))
      },
    ),
    mapWithLimit(
      clusterSnapshots.filter((s) => s.SnapshotType === 'manual'),
      SERVICE_CONCURRENCY,
      async (s) => {
        const {DBClusterSnapshotAttributesResult} = await client.send(
          new DescribeDBClusterSnapshotAttributesCommand({DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier}),
        )
        restoreAccess.set(s.DBClusterSnapshotArn!, restoreValues(DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes))
      },
    ),
  ])
  return {instances, clusters, snapshots, clusterSnapshots, restoreAccess}
}

export const instanceResource = (i: DBInstance) => ({type: 'AWS::RDS::DBInstance', id: i.DBInstanceIdentifier!, arn: i.DBInstanceArn, tags: tagMap(i.TagList)})
export const clusterResource = (c: DBCluster) => ({type: 'AWS::RDS::DBCluster', id: c.DBClusterIdentifier!, arn: c.DBClusterArn, tags: tagMap(c.TagList)})
export const snapshotResource = (s: DBSnapshot) => ({type: 'AWS::RDS::DBSnapshot', id: s.DBSnapshotIdentifier!, arn: s.DBSnapshotArn, tags: tagMap(s.TagList)})
export const clusterSnapshotResource = (s: DBClusterSnapshot) => ({
  type: 'AWS::RDS::DBClusterSnapshot',
  id: s.DBClusterSnapshotIdentifier!,
  arn: s.DBClusterSnapshotArn,
  tags: tagMap(s.TagList),
})

/** Aurora instances share their cluster's storage, backups and failover: judge the cluster, not them. */
export const isClusterMember = (i: DBInstance) => Boolean(i.DBClusterIdentifier)
export const isReadReplica = (i: DBInstance) => Boolean(i.ReadReplicaSourceDBInstanceIdentifier || i.ReadReplicaSourceDBClusterIdentifier)

/** Instances that own their backups and failover: neither Aurora members nor read replicas. */
export const primaryInstances = (rds: RdsInventory) => rds.instances.filter((i) => !isClusterMember(i) && !isReadReplica(i))
