import {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import {RDSClient} from '@aws-sdk/client-rds'

import {assertDbClusterIdentifier, assertDbInstanceIdentifier} from '../../aws/rds.js'
import type {AwsSession} from '../../aws/session.js'
import {UsageError} from '../../errors/errors.js'

export const failoverModes = ['multi-az', 'cluster', 'replica-promotion'] as const
export type FailoverMode = (typeof failoverModes)[number]

/** What a drill was asked to do; recorded as the run's parameters, so history and resume can read it. */
export interface FailoverDrillOptions {
  mode: FailoverMode
  /** The DB instance (multi-az, replica-promotion) or the Aurora DB cluster (cluster) under drill. */
  target: string
  /** cluster mode: the reader to promote; otherwise RDS picks one. */
  targetInstanceId?: string
  /** replica-promotion mode: an existing read replica of the target to promote instead of creating one. */
  replicaId?: string
  keepReplica: boolean
  alarms: string[]
  targetRtoSeconds: number
  timeoutSeconds: number
  alarmTimeoutSeconds: number
}

export interface FailoverDrillContext extends FailoverDrillOptions {
  rds: RDSClient
  cloudwatch: CloudWatchClient
  /** The AWS emulator the clients reach (the sandbox's moto_server), which cannot fail a DB instance over. */
  emulator?: string
}

export function failoverDrillContext(session: AwsSession, options: FailoverDrillOptions): FailoverDrillContext {
  // Emulators are reached through AWS_ENDPOINT_URL and AWS through the SDK's own endpoints (DESIGN.md: no endpoint in code).
  return {...options, rds: session.client(RDSClient), cloudwatch: session.client(CloudWatchClient), emulator: process.env.AWS_ENDPOINT_URL || undefined}
}

export interface DrillInput {
  dbInstance?: string
  cluster?: string
  mode?: FailoverMode
  targetInstance?: string
  replica?: string
  keep: boolean
  alarms: string[]
  targetRtoSeconds: number
  timeoutSeconds: number
  alarmTimeoutSeconds: number
}

/** The drill the flags describe, or a usage error saying which flags do not fit together. Makes no AWS call. */
export function resolveDrillOptions(input: DrillInput): FailoverDrillOptions {
  if (input.dbInstance && input.cluster) throw new UsageError('Give either a DB instance or --cluster, not both.')
  if (!input.dbInstance && !input.cluster) throw new UsageError('Name what to drill: a DB instance (multi-az, replica-promotion) or --cluster <id> (cluster).')
  const mode = input.mode ?? (input.cluster ? 'cluster' : 'multi-az')
  if (mode === 'cluster' && !input.cluster) {
    throw new UsageError(`--mode cluster fails over an Aurora DB cluster: pass --cluster <id> instead of the DB instance ${input.dbInstance}.`)
  }
  if (mode !== 'cluster' && input.cluster) {
    throw new UsageError(
      `--cluster ${input.cluster} names an Aurora DB cluster, which only --mode cluster drills; for --mode ${mode} pass a DB instance instead.`,
    )
  }
  if (input.targetInstance && mode !== 'cluster')
    throw new UsageError('--target-instance chooses the new writer of a cluster; it only applies to --mode cluster.')
  if ((input.replica || input.keep) && mode !== 'replica-promotion') throw new UsageError('--replica and --keep only apply to --mode replica-promotion.')
  for (const alarm of input.alarms) {
    if (alarm.trim() === '' || alarm.length > 255) throw new UsageError(`"${alarm}" is not a CloudWatch alarm name: use 1–255 characters.`)
  }
  const target = mode === 'cluster' ? assertDbClusterIdentifier(input.cluster!) : assertDbInstanceIdentifier(input.dbInstance!)
  const replicaId = input.replica === undefined ? undefined : assertDbInstanceIdentifier(input.replica)
  if (replicaId === target) throw new UsageError(`--replica ${replicaId} is the source instance itself; pass a read replica of ${target}.`)
  return {
    mode,
    target,
    targetInstanceId: input.targetInstance === undefined ? undefined : assertDbInstanceIdentifier(input.targetInstance),
    replicaId,
    keepReplica: input.keep,
    alarms: [...new Set(input.alarms)],
    targetRtoSeconds: input.targetRtoSeconds,
    timeoutSeconds: input.timeoutSeconds,
    alarmTimeoutSeconds: input.alarmTimeoutSeconds,
  }
}

/** The replica a drill creates: named after the source and the run, so a resumed run finds it. */
export function replicaIdFor(options: FailoverDrillOptions, runId: string): string {
  return options.replicaId ?? `${options.target.slice(0, 48).replace(/-+$/, '')}-drill-${runId.slice(-6)}`
}
