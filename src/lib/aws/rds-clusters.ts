import {type DBCluster, DBClusterNotFoundFault, DescribeDBClustersCommand, type RDSClient} from '@aws-sdk/client-rds'

import {NotFoundError} from '../errors/errors.js'

/** The Aurora DB cluster, or a usage error naming it and the region. */
export async function describeDbCluster(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBCluster> {
  try {
    const {DBClusters} = await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: id}), {abortSignal})
    if (DBClusters?.[0]) return DBClusters[0]
  } catch (error) {
    if (!(error instanceof DBClusterNotFoundFault)) throw error
  }
  throw new NotFoundError(`No DB cluster named ${id} in ${await rds.config.region()}; check the name with "aws rds describe-db-clusters" or pass --region.`)
}

/** The writer instance of the cluster, if it has one. */
export const clusterWriter = (cluster: DBCluster) => cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier
