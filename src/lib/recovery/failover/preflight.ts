import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import {describeAlarmStates} from '../../aws/alarms.js'
import {clusterWriter, describeDbCluster, describeDbInstance, findDbInstance, snapshotsTaken} from '../../aws/rds.js'
import {madeByRun} from '../../aws/tags.js'
import type {Step, StepIO, StepOf} from '../../engine/types.js'
import {NotFoundError, UsageError} from '../../errors/errors.js'
import {DAY_MS} from '../../time/clock.js'
import {type FailoverDrillContext, type FailoverDrillOptions, replicaIdFor} from './context.js'

type DrillStep<O extends object> = Step<FailoverDrillContext, O>

/** A snapshot older than this draws a warning: the platform takes one every day. */
const recentSnapshotMs = DAY_MS

/**
 * The resource `lookup` finds; when there is none, but `lookupOtherKind` finds a resource of the other kind
 * (a cluster named like the instance asked for, or the reverse), a refusal that says which mode to use.
 */
async function orWrongMode<T>(lookup: () => Promise<T>, lookupOtherKind: () => Promise<unknown>, refusal: string): Promise<T> {
  try {
    return await lookup()
  } catch (error) {
    const otherKindExists =
      error instanceof NotFoundError &&
      (await lookupOtherKind().then(
        () => true,
        () => false,
      ))
    throw otherKindExists ? new UsageError(refusal, 'WrongMode') : error
  }
}

function assertAvailable(name: string, status: string | undefined): void {
  if (status === 'rebooting') throw new UsageError(`${name} is already rebooting; wait until it is available and run the drill again.`, 'WrongState')
  if (status !== 'available') throw new UsageError(`${name} is ${status}, not available; wait until it is available and run the drill again.`, 'WrongState')
}

/** The drilled Aurora cluster, refusing a name that is a DB instance's; it and its instances must be available. */
async function drilledCluster(ctx: FailoverDrillContext, io: StepIO): Promise<DBCluster> {
  const cluster = await orWrongMode(
    () => describeDbCluster(ctx.rds, ctx.target, io.signal),
    () => describeDbInstance(ctx.rds, ctx.target, io.signal),
    `${ctx.target} is a DB instance, not an Aurora DB cluster; drill it without --cluster (--mode multi-az or replica-promotion).`,
  )
  assertAvailable(`DB cluster ${ctx.target}`, cluster.Status)
  for (const member of cluster.DBClusterMembers ?? []) {
    const instance = await describeDbInstance(ctx.rds, member.DBInstanceIdentifier!, io.signal)
    assertAvailable(`DB instance ${member.DBInstanceIdentifier} of cluster ${ctx.target}`, instance.DBInstanceStatus)
  }
  return cluster
}

/** The drilled DB instance, refusing one that belongs to an Aurora cluster (or a name that is a cluster's); it must be available. */
async function drilledInstance(ctx: FailoverDrillContext, io: StepIO): Promise<DBInstance> {
  const instance = await orWrongMode(
    () => describeDbInstance(ctx.rds, ctx.target, io.signal),
    () => describeDbCluster(ctx.rds, ctx.target, io.signal),
    `${ctx.target} is an Aurora DB cluster, not a DB instance; drill it with --cluster ${ctx.target} --mode cluster.`,
  )
  if (instance.DBClusterIdentifier) {
    throw new UsageError(
      `DB instance ${ctx.target} is a member of Aurora DB cluster ${instance.DBClusterIdentifier}; drill the cluster with --cluster ${instance.DBClusterIdentifier} --mode cluster.`,
      'WrongMode',
    )
  }
  assertAvailable(`DB instance ${ctx.target}`, instance.DBInstanceStatus)
  return instance
}

export interface DrillStart {
  drillStartedAt: string
  mode: string
  target: string
  status?: string
  engine?: string
  /** cluster mode: the writer before the drill. */
  writer?: string
  /** multi-az and replica-promotion: the instance's availability zone before the drill. */
  availabilityZone?: string
}

export const checkStatusStep: DrillStep<DrillStart> = {
  id: 'check-status',
  title: 'Check that the DB instance exists and is available',
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: false,
  async run(ctx, io) {
    const start = {drillStartedAt: new Date(io.clock.now()).toISOString(), mode: ctx.mode, target: ctx.target}
    if (ctx.mode === 'cluster') {
      const cluster = await drilledCluster(ctx, io)
      return {...start, status: cluster.Status, engine: cluster.Engine, writer: clusterWriter(cluster)}
    }
    const instance = await drilledInstance(ctx, io)
    return {...start, status: instance.DBInstanceStatus, engine: instance.Engine, availabilityZone: instance.AvailabilityZone}
  },
}

export const checkMultiAzStep: DrillStep<{availabilityZone?: string; secondaryAvailabilityZone?: string}> = {
  id: 'check-multi-az',
  title: 'Check that Multi-AZ is on, so there is a standby to fail over to',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const instance = await describeDbInstance(ctx.rds, ctx.target, io.signal)
    if (!instance.MultiAZ) {
      throw new UsageError(
        `DB instance ${ctx.target} is not Multi-AZ, so it has no standby to fail over to; enable it with "aws rds modify-db-instance --db-instance-identifier ${ctx.target} --multi-az --apply-immediately" and run the drill again.`,
        'NotMultiAz',
      )
    }
    // Said up front: the emulator accepts the reboot but never moves the instance, so the drill would only poll until --timeout.
    if (ctx.emulator) {
      throw new UsageError(
        `The endpoint ${ctx.emulator} (AWS_ENDPOINT_URL) is an emulator, which cannot fail a DB instance over (a reboot with ForceFailover leaves it where it was), so this drill could only wait until --timeout; drill an Aurora cluster there (--cluster <id>), or unset AWS_ENDPOINT_URL to drill ${ctx.target} on AWS.`,
        'EmulatorCannotFailOver',
      )
    }
    return {availabilityZone: instance.AvailabilityZone, secondaryAvailabilityZone: instance.SecondaryAvailabilityZone}
  },
}

export const checkReaderStep: DrillStep<{writer?: string; readers: string[]; failoverTarget: string}> = {
  id: 'check-reader',
  title: 'Check that the cluster has a reader to promote to writer',
  actions: ['rds:DescribeDBClusters'],
  mutates: false,
  async run(ctx, io) {
    const cluster = await describeDbCluster(ctx.rds, ctx.target, io.signal)
    const members = (cluster.DBClusterMembers ?? []).filter((m) => !m.IsClusterWriter)
    const readers = members.map((m) => m.DBInstanceIdentifier!)
    if (readers.length === 0) {
      throw new UsageError(
        `DB cluster ${ctx.target} has no reader instance to fail over to; add one with "aws rds create-db-instance --db-cluster-identifier ${ctx.target} ..." and run the drill again.`,
        'NoReader',
      )
    }
    if (ctx.targetInstanceId && !readers.includes(ctx.targetInstanceId)) {
      throw new UsageError(
        `--target-instance ${ctx.targetInstanceId} is not a reader of DB cluster ${ctx.target}; choose one of ${readers.join(', ')}.`,
        'NotAReader',
      )
    }
    // Named in the request even when RDS could choose, so that a request sent again after a lost response asks for the same failover.
    const byPriority = [...members].sort((a, b) => (a.PromotionTier ?? 1) - (b.PromotionTier ?? 1))
    return {writer: clusterWriter(cluster), readers, failoverTarget: ctx.targetInstanceId ?? byPriority[0].DBInstanceIdentifier!}
  },
}

/** The replica a promotion drill promotes: given, or the name of the one it creates. */
export const replicaChecked: StepOf<{replicaId: string; replicaGiven: boolean}> = {id: 'check-replica'}

const checkReplicaStep = (options: FailoverDrillOptions): DrillStep<{replicaId: string; replicaGiven: boolean}> => ({
  ...replicaChecked,
  title: options.replicaId
    ? 'Check that the given replica is an available read replica of this instance'
    : 'Check that the name of the replica to create is free',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  async run(ctx, io) {
    const replicaId = replicaIdFor(ctx, io.runId)
    if (ctx.replicaId) {
      const replica = await describeDbInstance(ctx.rds, replicaId, io.signal)
      const source = replica.ReadReplicaSourceDBInstanceIdentifier
      if (source !== ctx.target && !source?.endsWith(`:db:${ctx.target}`)) {
        throw new UsageError(
          `DB instance ${replicaId} is ${source ? `a read replica of ${source}` : 'not a read replica'}, not of ${ctx.target}; pass a read replica of ${ctx.target}, or leave out --replica to have one created.`,
          'WrongReplica',
        )
      }
      assertAvailable(`Read replica ${replicaId}`, replica.DBInstanceStatus)
      return {replicaId, replicaGiven: true}
    }
    const existing = await findDbInstance(ctx.rds, replicaId, io.signal)
    if (existing && !madeByRun(existing, io.runId)) {
      throw new UsageError(
        `A DB instance named ${replicaId} already exists; delete it or pass it with --replica if it is a read replica of ${ctx.target}.`,
        'AlreadyExists',
      )
    }
    return {replicaId, replicaGiven: false}
  },
})

const checkPendingChanges: DrillStep<{pendingModifications: string[]}> = {
  id: 'check-pending-changes',
  title: 'Check that no modifications are pending (the failover would apply them)',
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: false,
  async run(ctx, io) {
    const cluster = ctx.mode === 'cluster'
    const pending = cluster
      ? (await describeDbCluster(ctx.rds, ctx.target, io.signal)).PendingModifiedValues
      : (await describeDbInstance(ctx.rds, ctx.target, io.signal)).PendingModifiedValues
    const names = Object.entries(pending ?? {})
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name]) => name)
    if (names.length > 0) {
      const apply = cluster
        ? `aws rds modify-db-cluster --db-cluster-identifier ${ctx.target} --apply-immediately`
        : `aws rds modify-db-instance --db-instance-identifier ${ctx.target} --apply-immediately`
      throw new UsageError(
        `DB ${cluster ? 'cluster' : 'instance'} ${ctx.target} has pending modifications (${names.join(', ')}) that the failover would apply; apply them first ("${apply}") or wait for the maintenance window, then run the drill.`,
        'PendingModifications',
      )
    }
    return {pendingModifications: names}
  },
}

export const checkAlarmsStep: DrillStep<{alarms: Record<string, string>}> = {
  id: 'check-alarms',
  title: 'Check that the given CloudWatch alarms are OK',
  actions: ['cloudwatch:DescribeAlarms'],
  mutates: false,
  async run(ctx, io) {
    const alarms = await describeAlarmStates(ctx.cloudwatch, ctx.alarms, io.signal)
    const notOk = Object.entries(alarms).filter(([, state]) => state !== 'OK')
    if (notOk.length > 0) {
      throw new UsageError(
        `A drill starts from a healthy state, but ${notOk.map(([name, state]) => `alarm ${name} is ${state}`).join(' and ')}; resolve it first or leave it out of --alarm.`,
        'AlarmNotOk',
      )
    }
    return {alarms}
  },
}

const checkRecentSnapshot: DrillStep<{latestSnapshotId?: string; latestSnapshotAt?: string; recent: boolean}> = {
  id: 'check-recent-snapshot',
  title: 'Check that a snapshot from the last 24 hours exists',
  actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
  mutates: false,
  async run(ctx, io) {
    const cluster = ctx.mode === 'cluster'
    const snapshots = await snapshotsTaken(ctx.rds, cluster ? {cluster: ctx.target} : {instance: ctx.target}, io.signal)
    const latest = snapshots.filter((s) => s.createdAt).sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime())[0]
    const recent = latest !== undefined && io.clock.now() - latest.createdAt!.getTime() <= recentSnapshotMs
    if (!recent) {
      const take = cluster
        ? `aws rds create-db-cluster-snapshot --db-cluster-identifier ${ctx.target} --db-cluster-snapshot-identifier <name>`
        : `opsctl snapshot create ${ctx.target}`
      io.warn(
        `No snapshot of ${ctx.target} from the last 24 hours${latest ? ` (the latest, ${latest.id}, is from ${latest.createdAt!.toISOString()})` : ''}; take one before the drill with "${take}".`,
      )
    }
    return {latestSnapshotId: latest?.id, latestSnapshotAt: latest?.createdAt?.toISOString(), recent}
  },
}

/** The check that there is something to fail over to: a standby, a reader, or a replica. */
const checkStandby = (options: FailoverDrillOptions): DrillStep<object> =>
  options.mode === 'multi-az' ? checkMultiAzStep : options.mode === 'cluster' ? checkReaderStep : checkReplicaStep(options)

const checkStatus = (options: FailoverDrillOptions): DrillStep<DrillStart> =>
  options.mode === 'cluster' ? {...checkStatusStep, title: 'Check that the DB cluster exists and it and its instances are available'} : checkStatusStep

/** Read-only checks, each its own step: a failed one stops the drill with exit 2 before anything changes. */
export const preflightSteps = (options: FailoverDrillOptions): DrillStep<object>[] => [
  checkStatus(options),
  checkStandby(options),
  checkPendingChanges,
  checkAlarmsStep,
  checkRecentSnapshot,
]
