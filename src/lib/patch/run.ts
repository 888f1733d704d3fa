import type {Target, TargetLocation} from '@aws-sdk/client-ssm'
import {describeAlarmStates} from '../aws/alarms.js'

import type {RunRecord, Step, StepIO, Workflow} from '../engine/types.js'
import {PATCH_RUN_WORKFLOW} from '../engine/workflow-names.js'
import {NotFoundError, OpsctlError} from '../errors/errors.js'
import {type InstanceProgress, type InstanceResult, type LocationsProgress, PatchLedger} from './ledger.js'
import {LocalPatchEngine, type PatchRequest} from './local-engine.js'
import {notify} from './notify.js'
import {type FleetShare, formatFleetShare, instancesIn, planWaves, type Wave, type WaveSize} from './plan.js'
import type {PatchProcedure} from './procedure.js'
import {type PatchScanContext, readByCommandStep, readInventoryStep, resolveFleetStep, type ScannedInstance, scannedInstances} from './scan.js'
import {SsmPatchEngine} from './ssm-engine.js'
import {ssmTargets} from './targets.js'
import {formatVersion} from './version.js'

/*
 * `opsctl patch run`: the fleet below a minimum version patched canary first, then in waves, with a health gate after
 * each wave. The read-only steps find the fleet and its versions (as `patch scan` does), check the alarms and the
 * topic, and plan the waves; one mutating step then patches wave after wave, journalling each instance's progress, so
 * a resumed run continues with the first instance not finished and an interrupted one rolls back the instances it
 * was in the middle of.
 */

export type PatchEngine = 'local' | 'ssm'

export interface PatchRunOptions {
  /** local: opsctl sends the runbook's steps by Run Command, a wave at a time; ssm: SSM runs the runbook, an Automation execution a wave. */
  engine: PatchEngine
  canary: number
  wave: WaveSize
  maxErrors: FleetShare
  healthAlarms: string[]
  request: PatchRequest
  /** Other accounts and regions, patched by SSM's own fan-out once every wave here passed (--engine ssm, tag targets). */
  targetLocations?: TargetLocation[]
}

export interface PatchRunContext extends PatchScanContext {
  procedure: PatchProcedure
  run: PatchRunOptions
}

export interface PlannedInstance {
  instanceId: string
  name: string
  region: string
  cluster?: string
  tenants: string[]
  version?: string
}

export interface PatchPlan {
  waves: Wave[]
  /** At or above the minimum already: not touched. */
  notNeeded: PlannedInstance[]
  /** Their version could not be read (the agent did not answer): not touched. */
  skipped: (PlannedInstance & {reason: string})[]
  /** The most instances that may fail before the remaining waves are called off. */
  maxErrors: number
}

const planned = (i: ScannedInstance): PlannedInstance => ({
  instanceId: i.instanceId,
  name: i.name,
  region: i.region,
  cluster: i.cluster,
  tenants: i.tenants,
  version: i.version,
})

export const checkGateStep: Step<PatchRunContext, {alarms: Record<string, string>; notifyTopic?: string}> = {
  id: 'check-gate',
  title: 'Check that the health alarms and the notification topic exist',
  actions: ['cloudwatch:DescribeAlarms', 'sns:GetTopicAttributes'],
  mutates: false,
  async run(ctx, io) {
    const alarms = ctx.run.healthAlarms.length > 0 ? await describeAlarmStates(await cloudwatchOf(ctx), ctx.run.healthAlarms, io.signal) : {}
    const topic = ctx.run.request.notifyTopic
    if (topic) await assertTopic(ctx, topic, io.signal)
    return {alarms, notifyTopic: topic}
  },
}

async function cloudwatchOf(ctx: PatchRunContext) {
  const {CloudWatchClient} = await import('@aws-sdk/client-cloudwatch')
  return ctx.session.client(CloudWatchClient)
}

async function assertTopic(ctx: PatchRunContext, topic: string, signal: AbortSignal): Promise<void> {
  const {GetTopicAttributesCommand, SNSClient} = await import('@aws-sdk/client-sns')
  try {
    await ctx.session
      .inRegion(topic.split(':')[3])
      .client(SNSClient)
      .send(new GetTopicAttributesCommand({TopicArn: topic}), {abortSignal: signal})
  } catch (error) {
    if ((error as Error).name === 'NotFoundException' || (error as Error).name === 'NotFound')
      throw new NotFoundError(`No SNS topic ${topic}; check --notify-topic with "aws sns list-topics".`)
    throw error
  }
}

export const planWavesStep: Step<PatchRunContext, PatchPlan> = {
  id: 'plan-waves',
  title: 'Plan the waves: the canary first, then waves of the given size, never two servers of one cluster together',
  actions: [],
  mutates: false,
  async run(ctx, io) {
    const instances = scannedInstances(io.outputOf, ctx.minVersion)
    const below = instances.filter((i) => i.verdict === 'non-compliant')
    const waves = planWaves(below, {canary: ctx.run.canary, wave: ctx.run.wave})
    io.progress(`${below.length} instance(s) below ${formatVersion(ctx.minVersion)} in ${waves.length} wave(s)`)
    return {
      waves,
      notNeeded: instances.filter((i) => i.verdict === 'compliant').map(planned),
      skipped: instances.filter((i) => i.verdict === 'unknown').map((i) => ({...planned(i), reason: i.reason ?? 'version unknown'})),
      maxErrors: instancesIn(ctx.run.maxErrors, below.length),
    }
  },
}

/** Why the run stopped before its last wave, or nothing. */
function reasonToStop(plan: PatchPlan, wave: Wave, ledger: PatchLedger, alarms: Record<string, string>): string | undefined {
  const failed = ledger.all().filter((p) => (p.result === 'failed' || p.result === 'rolled-back') && !p.interrupted)
  const inWave = failed.filter((p) => p.wave === wave.index)
  const notOk = Object.entries(alarms).filter(([, state]) => state !== 'OK')
  const what = wave.canary ? 'the canary wave' : `wave ${wave.index}`
  if (wave.canary && inWave.length > 0) return `the canary ${inWave.map((p) => p.instanceId).join(', ')} failed (${inWave[0].reason})`
  if (notOk.length > 0) return `the health gate after ${what} failed: ${notOk.map(([name, state]) => `alarm ${name} is ${state}`).join(', ')}`
  if (failed.length > plan.maxErrors)
    return `${failed.length} instance(s) failed, more than --max-errors ${plan.maxErrors} (last: ${inWave[0]?.instanceId ?? failed.at(-1)!.instanceId}, ${(inWave[0] ?? failed.at(-1)!).reason})`
  return undefined
}

/** The other accounts and regions, once the waves here passed: a run whose fan-out did not succeed stops (exit 1) and tells the topic. */
async function patchTargetLocations(ctx: PatchRunContext, engine: WaveEngine, io: StepIO): Promise<LocationsProgress> {
  const rate = {maxConcurrency: formatFleetShare(ctx.run.wave), maxErrors: formatFleetShare(ctx.run.maxErrors)}
  const locations = await engine.patchLocations!(ctx.run.targetLocations!, ssmTargets(ctx.spec), rate)
  if (locations.status === 'Success') return locations
  const failed = (locations.children ?? []).filter((c) => c.status !== 'Success').map((c) => `${c.target ?? c.executionId} ${c.status}`)
  const message = `The patch of the target locations ended ${locations.status}${failed.length > 0 ? ` (${failed.join(', ')})` : ''}: see automation execution ${locations.executionId}.`
  await notify(ctx.session, ctx.run.request.notifyTopic, {subject: `PostgreSQL patch run ${io.runId}: target locations failed`, message}, io)
  throw new OpsctlError(message, undefined, 'PatchStopped')
}

/** What patches a wave, whichever engine: both journal each instance's progress in the ledger. */
interface WaveEngine {
  patchWave(wave: number, members: {instanceId: string; region: string; fromVersion?: string}[]): Promise<void>
  /** --target-locations (the SSM engine only). */
  patchLocations?(locations: TargetLocation[], targets: Target[], rate: {maxConcurrency: string; maxErrors: string}): Promise<LocationsProgress>
  /** Instances an earlier attempt (or this one, interrupted) left half-done: put right, each with a result. */
  settleUnfinished(interrupted: boolean): Promise<void>
}

function engineFor(ctx: PatchRunContext, io: StepIO): {engine: WaveEngine; ledger: PatchLedger} {
  const ledger = new PatchLedger(io)
  const {session, procedure, run} = ctx
  const engine =
    run.engine === 'ssm'
      ? new SsmPatchEngine({session, runbook: procedure.runbook, request: run.request}, io, ledger)
      : new LocalPatchEngine({session, procedure, request: run.request}, io, ledger)
  return {engine, ledger}
}

export const patchWavesStep: Step<PatchRunContext, {instances: InstanceProgress[]; locations?: LocationsProgress}> = {
  id: 'patch-waves',
  title: 'Patch wave after wave (stop, snapshot, upgrade, start, verify; roll back from the snapshot on failure), a health gate after each',
  actions: [
    'ec2:CreateTags',
    'ec2:DeleteTags',
    'ec2:DescribeVolumes',
    'ec2:CreateSnapshot',
    'ec2:DescribeSnapshots',
    'ec2:CreateVolume',
    'ec2:DetachVolume',
    'ec2:AttachVolume',
    'ssm:SendCommand',
    'ssm:ListCommandInvocations',
    'ssm:CancelCommand',
    'ssm:PutComplianceItems',
    'cloudwatch:DescribeAlarms',
    'sns:Publish',
    // --engine ssm
    'ssm:GetDocument',
    'ssm:CreateDocument',
    'ssm:UpdateDocument',
    'ssm:UpdateDocumentDefaultVersion',
    'ssm:StartAutomationExecution',
    'ssm:GetAutomationExecution',
    'ssm:DescribeAutomationExecutions',
    'ssm:StopAutomationExecution',
  ],
  mutates: true,
  async run(ctx, io) {
    const plan = io.outputOf(planWavesStep)!
    const {engine, ledger} = engineFor(ctx, io)
    await engine.settleUnfinished(false)
    const fleet = new Map(scannedInstances(io.outputOf, ctx.minVersion).map((i) => [i.instanceId, i]))
    for (const wave of plan.waves) {
      const todo = wave.instanceIds.filter((id) => !ledger.isDone(id)).map((id) => fleet.get(id)!)
      if (todo.length > 0)
        await engine.patchWave(
          wave.index,
          todo.map(({instanceId, region, version}) => ({instanceId, region, fromVersion: version})),
        )
      const alarms = ctx.run.healthAlarms.length > 0 ? await describeAlarmStates(await cloudwatchOf(ctx), ctx.run.healthAlarms, io.signal) : {}
      const stop = reasonToStop(plan, wave, ledger, alarms)
      io.progress(`wave ${wave.index + 1} of ${plan.waves.length} done`)
      if (stop) {
        const left = plan.waves.length - wave.index - 1
        const message = `The patch stopped: ${stop}; ${left} remaining wave(s) not started. See "opsctl runs show ${io.runId}".`
        await notify(ctx.session, ctx.run.request.notifyTopic, {subject: `PostgreSQL patch run ${io.runId} stopped`, message}, io)
        throw new OpsctlError(message, undefined, 'PatchStopped')
      }
    }
    const locations = ctx.run.targetLocations && (await patchTargetLocations(ctx, engine, io))
    return {instances: ledger.all(), ...(locations ? {locations} : {})}
  },
  // Ctrl-C (or a kill, then --resume): the instances in the middle of their patch are rolled back from their snapshot.
  async undo(ctx, io) {
    const {engine} = engineFor(ctx, io)
    await engine.settleUnfinished(true)
  },
}

export interface PatchedInstance {
  instanceId: string
  region: string
  wave: number
  result: InstanceResult
  reason?: string
  fromVersion?: string
  toVersion?: string
  snapshotId?: string
  restoredVolumeId?: string
  finishedAt?: string
}

export interface PatchRunOutcome {
  plan: PatchPlan
  instances: PatchedInstance[]
  counts: Record<InstanceResult, number>
  /** --target-locations: the execution SSM fanned out to the other accounts and regions. */
  locations?: LocationsProgress
}

/** Each instance of the plan with what became of it: from the outcome, or from a failed run's journalled progress. */
export function patchRunOutcome(plan: PatchPlan, progress: InstanceProgress[], locations?: LocationsProgress): PatchRunOutcome {
  const byId = new Map(progress.map((p) => [p.instanceId, p]))
  const instances: PatchedInstance[] = [
    ...plan.waves.flatMap((wave) =>
      wave.instanceIds.map((instanceId): PatchedInstance => {
        const p = byId.get(instanceId)
        return p?.result
          ? {...pick(p), result: p.result}
          : {instanceId, region: p?.region ?? '', wave: wave.index, result: 'skipped', reason: 'its wave was not reached'}
      }),
    ),
    ...plan.notNeeded.map((i) => ({instanceId: i.instanceId, region: i.region, wave: -1, result: 'not-needed' as const, fromVersion: i.version})),
    ...plan.skipped.map((i) => ({instanceId: i.instanceId, region: i.region, wave: -1, result: 'skipped' as const, reason: i.reason})),
  ]
  const counts = Object.fromEntries(
    (['patched', 'rolled-back', 'failed', 'not-needed', 'skipped'] as const).map((r) => [r, instances.filter((i) => i.result === r).length]),
  ) as Record<InstanceResult, number>
  return {plan, instances, counts, ...(locations ? {locations} : {})}
}

const pick = (p: InstanceProgress) => ({
  instanceId: p.instanceId,
  region: p.region,
  wave: p.wave,
  reason: p.reason,
  fromVersion: p.fromVersion,
  toVersion: p.toVersion,
  snapshotId: p.snapshotId,
  restoredVolumeId: p.restoredVolumeId,
  finishedAt: p.finishedAt,
})

/** What a patch run did, whether it finished or stopped (a stopped run has no outcome: its progress is in the journal). */
export function patchRunResults(record: RunRecord): PatchRunOutcome | undefined {
  if (record.outcome) return record.outcome as unknown as PatchRunOutcome
  const plan = record.steps.find((s) => s.id === planWavesStep.id)?.outputs as PatchPlan | undefined
  const waves = record.steps.find((s) => s.id === patchWavesStep.id)
  const progress = waves?.checkpoint ?? {}
  return plan ? patchRunOutcome(plan, (progress.instances ?? []) as InstanceProgress[], progress.locations as LocationsProgress | undefined) : undefined
}

export const patchRunWorkflow: Workflow<PatchRunContext, PatchRunOutcome> = {
  name: PATCH_RUN_WORKFLOW,
  steps: [resolveFleetStep, readInventoryStep, readByCommandStep, checkGateStep, planWavesStep, patchWavesStep] as Step<PatchRunContext, object>[],
  outcome: (outputOf) => {
    const {instances, locations} = outputOf(patchWavesStep)!
    return patchRunOutcome(outputOf(planWavesStep)!, instances, locations)
  },
}
