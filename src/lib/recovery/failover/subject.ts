import type {SourceType} from '@aws-sdk/client-rds'

import {clusterWriter, describeDbCluster, describeDbInstance} from '../../aws/rds.js'
import {type FailoverDrillContext, replicaIdFor} from './context.js'

/** One look at the drilled resource: its status and what a failover must change. */
export interface Placement {
  status: string
  /** The primary's availability zone, the cluster's writer, or the replica's role. */
  position: string
  /** multi-az: the standby's availability zone. */
  secondary?: string
}

/** What the drill watches: how to look at it, what its position means, and where its RDS events are. */
export interface DrillSubject {
  name: string
  positionKind: 'availability zone' | 'writer' | 'role'
  events: {id: string; type: SourceType}
  /** A promotion is only over once the instance is writable; a failover may also end where it began (then the drill says so). */
  mustChange: boolean
  observe(signal?: AbortSignal): Promise<Placement>
}

export function drillSubject(ctx: FailoverDrillContext, runId: string): DrillSubject {
  switch (ctx.mode) {
    case 'multi-az':
      return {
        name: `DB instance ${ctx.target}`,
        positionKind: 'availability zone',
        events: {id: ctx.target, type: 'db-instance'},
        mustChange: false,
        async observe(signal) {
          const instance = await describeDbInstance(ctx.rds, ctx.target, signal)
          return {
            status: instance.DBInstanceStatus ?? 'unknown',
            position: instance.AvailabilityZone ?? 'unknown',
            secondary: instance.SecondaryAvailabilityZone,
          }
        },
      }
    case 'cluster':
      return {
        name: `DB cluster ${ctx.target}`,
        positionKind: 'writer',
        events: {id: ctx.target, type: 'db-cluster'},
        mustChange: false,
        async observe(signal) {
          const cluster = await describeDbCluster(ctx.rds, ctx.target, signal)
          return {status: cluster.Status ?? 'unknown', position: clusterWriter(cluster) ?? 'none'}
        },
      }
    case 'replica-promotion': {
      const replicaId = replicaIdFor(ctx, runId)
      return {
        name: `DB instance ${replicaId}`,
        positionKind: 'role',
        events: {id: replicaId, type: 'db-instance'},
        mustChange: true,
        async observe(signal) {
          const replica = await describeDbInstance(ctx.rds, replicaId, signal)
          const source = replica.ReadReplicaSourceDBInstanceIdentifier
          return {status: replica.DBInstanceStatus ?? 'unknown', position: source ? `read replica of ${source}` : 'standalone (writable)'}
        },
      }
    }
  }
}
