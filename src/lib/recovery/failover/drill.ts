import {describeAlarmStates} from '../../aws/alarms.js'
import {createDbInstanceReadReplica, deleteDbInstance, failOverDbCluster, promoteReadReplica, rebootWithFailover} from '../../aws/rds.js'
import {runTags} from '../../aws/tags.js'
import type {OutputReader, Step, StepIO, Workflow} from '../../engine/types.js'
import {FAILOVER_DRILL_WORKFLOW} from '../../engine/workflow-names.js'
import {deleteInstanceOfRun, earlierInstanceOfRun, waitForInstanceAvailable} from '../instances.js'
import {type FailoverDrillContext, type FailoverDrillOptions, replicaIdFor} from './context.js'
import {type Measurement, measureRecovery, type Transition} from './measure.js'
import {checkAlarmsStep, checkReaderStep, checkStatusStep, preflightSteps, replicaChecked} from './preflight.js'
import {drillSubject, type Placement} from './subject.js'

type DrillStep<O extends object> = Step<FailoverDrillContext, O>
/** What the disruptive step of each mode records: when it asked, and where the subject was then. */
type FailoverRequest = {requestedAt: string; before: Placement}

const replicaPollIntervalMs = 5000
const alarmPollIntervalMs = 5000

/**
 * The disruptive step of each mode: it looks at the subject, then sends the request, and records both.
 * A request whose response was lost and that RDS then refuses as "invalid state" counts as sent when
 * `underWay` sees the change it asked for begun or done.
 */
function failoverStep(
  id: string,
  title: string,
  actions: string[],
  send: (ctx: FailoverDrillContext, io: StepIO, underWay: () => Promise<boolean>) => Promise<void>,
  underWay: (now: Placement, before: Placement, io: StepIO) => boolean,
): DrillStep<FailoverRequest> {
  return {
    id,
    title,
    actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', ...actions],
    mutates: true,
    async run(ctx, io) {
      const subject = drillSubject(ctx, io.runId)
      const before = await subject.observe(io.signal)
      const requestedAt = new Date(io.clock.now()).toISOString()
      await send(ctx, io, async () => underWay(await subject.observe(io.signal), before, io))
      return {requestedAt, before}
    },
  }
}

const forceFailover = failoverStep(
  'force-failover',
  'Reboot the DB instance with a forced failover to its standby',
  ['rds:RebootDBInstance'],
  (ctx, io, underWay) => rebootWithFailover(ctx.rds, ctx.target, underWay, io.signal),
  (now, before) => now.status === 'rebooting' || now.position !== before.position,
)

const clusterFailoverTarget = (io: StepIO) => io.outputOf(checkReaderStep)!.failoverTarget

const failOverCluster = failoverStep(
  'fail-over-cluster',
  'Fail the cluster over to a reader (FailoverDBCluster)',
  ['rds:FailoverDBCluster'],
  (ctx, io, underWay) => failOverDbCluster(ctx.rds, ctx.target, clusterFailoverTarget(io), underWay, io.signal),
  (now, _before, io) => now.status === 'failing-over' || now.position === clusterFailoverTarget(io),
)

const promoteReplica = failoverStep(
  'promote-replica',
  'Promote the read replica to a standalone instance',
  ['rds:PromoteReadReplica'],
  (ctx, io, underWay) => promoteReadReplica(ctx.rds, replicaIdFor(ctx, io.runId), underWay, io.signal),
  (now, before) => now.status === 'modifying' || now.position !== before.position,
)

const replicaWait = (ctx: FailoverDrillContext) => ({rds: ctx.rds, pollIntervalMs: replicaPollIntervalMs, timeoutMs: ctx.timeoutSeconds * 1000})

const createReplica: DrillStep<{replicaId: string; created: boolean}> = {
  id: 'create-replica',
  title: 'Create a read replica of the DB instance, tagged with the run id',
  actions: ['rds:CreateDBInstanceReadReplica', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:DeleteDBInstance'],
  mutates: true,
  async run(ctx, io) {
    const replicaId = replicaIdFor(ctx, io.runId)
    // Idempotent: an earlier attempt of this run may have created it already (check-replica made sure the name is free or ours).
    if (await earlierInstanceOfRun(replicaWait(ctx), replicaId, io)) return {replicaId, created: false}
    await createDbInstanceReadReplica(
      ctx.rds,
      {DBInstanceIdentifier: replicaId, SourceDBInstanceIdentifier: ctx.target, Tags: runTags(io.runId, io.workflow)},
      io.runId,
      io.signal,
    )
    return {replicaId, created: true}
  },
  undoTimeoutMs: (ctx) => ctx.timeoutSeconds * 1000,
  async undo(ctx, io) {
    // Only ever what this run created, once RDS accepts the delete (a replica still being created does not).
    await deleteInstanceOfRun(replicaWait(ctx), replicaIdFor(ctx, io.runId), io)
  },
}

const waitReplicaAvailable: DrillStep<{replicaId: string; availabilityZone?: string}> = {
  id: 'wait-replica-available',
  title: 'Wait until the read replica is available',
  actions: ['rds:DescribeDBInstances'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutSeconds * 1000,
  async run(ctx, io) {
    const replicaId = replicaIdFor(ctx, io.runId)
    const replica = await waitForInstanceAvailable(replicaWait(ctx), replicaId, io)
    return {replicaId, availabilityZone: replica.AvailabilityZone}
  },
}

const deleteReplica: DrillStep<{replicaId: string; deleted: boolean}> = {
  id: 'delete-replica',
  title: 'Delete the promoted replica',
  actions: ['rds:DeleteDBInstance'],
  mutates: true,
  async run(ctx, io) {
    const replicaId = replicaIdFor(ctx, io.runId)
    await deleteDbInstance(ctx.rds, replicaId, io.signal)
    return {replicaId, deleted: true}
  },
}

type Measured = Measurement & {targetRtoSeconds: number; positionKind: string}

const measureStep = (request: DrillStep<FailoverRequest>): DrillStep<Measured> => ({
  id: 'measure-recovery',
  title: 'Measure the recovery: poll the status every second and read the RDS events',
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeEvents', 'cloudwatch:DescribeAlarms'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutSeconds * 1000,
  async run(ctx, io) {
    const {requestedAt, before} = io.outputOf(request)!
    const measurement = await measureRecovery(
      drillSubject(ctx, io.runId),
      {
        rds: ctx.rds,
        cloudwatch: ctx.cloudwatch,
        since: new Date(io.outputOf(checkStatusStep)!.drillStartedAt),
        requestedAt: new Date(requestedAt),
        before,
        targetRtoSeconds: ctx.targetRtoSeconds,
        alarms: io.outputOf(checkAlarmsStep)?.alarms ?? {},
      },
      io,
    )
    io.metric('rtoSeconds', measurement.rtoSeconds)
    return {...measurement, targetRtoSeconds: ctx.targetRtoSeconds, positionKind: drillSubject(ctx, io.runId).positionKind}
  },
})

/** Every mode measures its recovery under the same id; the outcome reads it by this handle. */
const measured = measureStep(forceFailover)

const waitAlarmsOk: DrillStep<{alarms: Record<string, string>; allOk: boolean; notOk: string[]}> = {
  id: 'wait-alarms-ok',
  title: 'Wait for the alarms to be OK again (up to --alarm-timeout)',
  actions: ['cloudwatch:DescribeAlarms'],
  mutates: false,
  async run(ctx, io) {
    const deadline = io.clock.now() + ctx.alarmTimeoutSeconds * 1000
    for (;;) {
      const alarms = await describeAlarmStates(ctx.cloudwatch, ctx.alarms, io.signal)
      const notOk = Object.keys(alarms).filter((name) => alarms[name] !== 'OK')
      const now = io.clock.now()
      if (notOk.length === 0 || now >= deadline) return {alarms, allOk: notOk.length === 0, notOk}
      io.progress(`waiting for ${notOk.map((name) => `${name} (${alarms[name]})`).join(', ')} to be OK`)
      await io.clock.sleep(Math.min(alarmPollIntervalMs, deadline - now), io.signal)
    }
  },
}

function modeSteps(options: FailoverDrillOptions): DrillStep<object>[] {
  switch (options.mode) {
    case 'multi-az':
      return [forceFailover, measured]
    case 'cluster':
      return [failOverCluster, measureStep(failOverCluster)]
    case 'replica-promotion':
      return [...(options.replicaId ? [] : [createReplica, waitReplicaAvailable]), promoteReplica, measureStep(promoteReplica)]
  }
}

/** What a drill found, and whether it met its objective. */
export interface FailoverDrillOutcome {
  mode: string
  target: string
  positionKind: string
  before: Placement
  after: Placement
  changed: boolean
  /** Every change of status, position and alarm state observed, in order. */
  transitions: Transition[]
  rtoSeconds: number
  rtoSource: 'events' | 'polling'
  rtoFromEventsSeconds?: number
  rtoFromPollingSeconds: number
  pollIntervalSeconds: number
  targetRtoSeconds: number
  alarms: Record<string, string>
  replicaId?: string
  replicaDeleted?: boolean
  verdict: 'met' | 'missed'
  reasons: string[]
}

function drillOutcome(outputOf: OutputReader): FailoverDrillOutcome {
  const status = outputOf(checkStatusStep)!
  const m = outputOf(measured)!
  const alarms = outputOf(waitAlarmsOk)!
  const replica = outputOf(replicaChecked)
  const reasons: string[] = []
  if (!m.changed) reasons.push(`the ${m.positionKind} did not change (${m.before.position} before and after)`)
  if (m.rtoSeconds > m.targetRtoSeconds) reasons.push(`the RTO of ${m.rtoSeconds} s (${m.rtoSource}) is above the target of ${m.targetRtoSeconds} s`)
  if (alarms.notOk.length > 0) reasons.push(`alarm ${alarms.notOk.join(', ')} did not return to OK within --alarm-timeout`)
  return {
    mode: status.mode,
    target: status.target,
    positionKind: m.positionKind,
    before: m.before,
    after: m.after,
    changed: m.changed,
    transitions: m.transitions,
    rtoSeconds: m.rtoSeconds,
    rtoSource: m.rtoSource,
    rtoFromEventsSeconds: m.rtoFromEventsSeconds,
    rtoFromPollingSeconds: m.rtoFromPollingSeconds,
    pollIntervalSeconds: m.pollIntervalSeconds,
    targetRtoSeconds: m.targetRtoSeconds,
    alarms: alarms.alarms,
    replicaId: replica?.replicaId,
    replicaDeleted: replica ? outputOf(deleteReplica)?.deleted === true : undefined,
    verdict: reasons.length === 0 ? 'met' : 'missed',
    reasons,
  }
}

/**
 * Preflight checks (read-only, exit 2 on a refusal), the failover itself, the measurement of the
 * recovery (its timeout fails the run with exit 1), the alarms' return to OK, and for a promotion the
 * replica's removal. The outcome carries the verdict; its reasons are the objective, so a miss exits 4.
 */
export function failoverDrillWorkflow(options: FailoverDrillOptions): Workflow<FailoverDrillContext, FailoverDrillOutcome> {
  const removeReplica = options.mode === 'replica-promotion' && !options.keepReplica
  return {
    name: FAILOVER_DRILL_WORKFLOW,
    steps: [...preflightSteps(options), ...modeSteps(options), waitAlarmsOk, ...(removeReplica ? [deleteReplica] : [])],
    outcome: drillOutcome,
    // RTO above target, nothing changed, alarms still firing: the drill ran but missed its objective (exit 4).
    objective: (outcome) => outcome.reasons,
  }
}
