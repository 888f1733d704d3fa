import type {MaintenanceWindowIdentity, SSMClient, Target} from '@aws-sdk/client-ssm'

import {deleteOnce} from '../aws/idempotent.js'
import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {documentExists, maintenanceWindows, maintenanceWindowTags, maintenanceWindowTargets, maintenanceWindowTasks} from '../aws/ssm-maintenance-windows.js'
import {RUN_ID_TAG, runTags} from '../aws/tags.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {PATCH_SCHEDULE_WORKFLOW} from '../engine/workflow-names.js'
import {UsageError} from '../errors/errors.js'
import {formatFleetShare, parseMaxErrors, parseWaveSize} from './plan.js'
import {PATCH_RUNBOOK} from './procedure.js'
import {parseSchedule} from './schedule-expression.js'
import {resolveFleet, ssmTargets, type TargetSpec} from './targets.js'
import {formatVersion, parseVersion} from './version.js'

/*
 * `opsctl patch schedule`: one SSM maintenance window per region where the targets have instances, each with the
 * targets and an Automation task that runs the patch runbook on them, created or brought up to date by name.
 */

/** The runbook the window's task runs (runbooks/opsctl-PatchPostgreSQL.yaml, published with `opsctl runbook publish`). */
export const DEFAULT_WINDOW_NAME = 'opsctl-patch-postgresql'
/** Windows opsctl made carry this tag with the workflow's name: only those are updated, listed or removed. */
const OWNER_TAG = 'opsctl:workflow'
/** opsctl's target and task in its window, by name: anything else registered there is left alone. */
const TARGET_NAME = 'opsctl-patch-targets'
const TASK_NAME = 'opsctl-patch-postgresql'
const REGION_CONCURRENCY = 4

const SCHEDULE_ACTIONS = [
  'ssm:DescribeMaintenanceWindows',
  'ssm:ListTagsForResource',
  'ssm:DescribeMaintenanceWindowTargets',
  'ssm:DescribeMaintenanceWindowTasks',
]

/** What the window, its target and its task should be, checked before any call. */
export interface ScheduleRequest {
  name: string
  targets: TargetSpec & {kind: 'tags'}
  schedule: string
  durationHours: number
  cutoffHours: number
  minVersion: string
  maxConcurrency: string
  maxErrors: string
  /** Where to look for the targets' instances; default: the session's region. */
  regions?: string[]
}

export interface ScheduleFlags {
  name: string
  targets: TargetSpec
  cron?: string
  duration?: number
  cutoff?: number
  minVersion?: string
  maxConcurrency: string
  maxErrors: string
  regions?: string[]
}

const WINDOW_NAME = /^[a-zA-Z0-9_.-]{3,128}$/

/** A window name SSM takes (3 to 128 letters, digits, _ - .). */
export function parseWindowName(name: string): string {
  if (!WINDOW_NAME.test(name))
    throw new UsageError(
      `--name "${name}" is not a maintenance window name; use 3 to 128 letters, digits, _, - or ., like ${DEFAULT_WINDOW_NAME}.`,
      'InvalidName',
    )
  return name
}

/** Every flag of a schedule checked, in the order they are typed, before anything is read or written. */
export function resolveScheduleRequest(flags: ScheduleFlags): ScheduleRequest {
  const name = parseWindowName(flags.name)
  if (flags.targets.kind !== 'tags')
    throw new UsageError('A schedule patches instances by tags: pass --targets tag:Key=Value, not --instances.', 'InvalidTargets')
  if (flags.cron === undefined || flags.duration === undefined || flags.cutoff === undefined || flags.minVersion === undefined)
    throw new UsageError('A schedule needs --cron, --duration, --cutoff and --min-version (or pass --list or --remove).', 'MissingSchedule')
  const schedule = parseSchedule(flags.cron)
  if (!Number.isInteger(flags.duration) || flags.duration < 1 || flags.duration > 24)
    throw new UsageError(`--duration ${flags.duration} is outside what SSM allows; give 1 to 24 hours.`, 'InvalidDuration')
  if (!Number.isInteger(flags.cutoff) || flags.cutoff < 0 || flags.cutoff >= flags.duration)
    throw new UsageError(
      `--cutoff ${flags.cutoff} must be 0 or more hours and less than --duration ${flags.duration}, so tasks can start at all.`,
      'InvalidCutoff',
    )
  return {
    name,
    targets: flags.targets,
    schedule,
    durationHours: flags.duration,
    cutoffHours: flags.cutoff,
    minVersion: formatVersion(parseVersion(flags.minVersion)),
    maxConcurrency: formatFleetShare(parseWaveSize(flags.maxConcurrency, '--max-concurrency')),
    maxErrors: formatFleetShare(parseMaxErrors(flags.maxErrors)),
    ...(flags.regions ? {regions: flags.regions} : {}),
  }
}

export interface ScheduleContext {
  session: AwsSession
  request: ScheduleRequest
}

const ssmIn = async (session: AwsSession, region: string): Promise<SSMClient> => {
  const {SSMClient} = await import('@aws-sdk/client-ssm')
  return session.inRegion(region).client(SSMClient)
}

/** An opsctl window as it is in SSM, with opsctl's target and task in it when they are there. */
interface ExistingWindow {
  identity: MaintenanceWindowIdentity
  tags: Record<string, string>
  target?: {id: string; targets: Target[]}
  task?: {id: string; description: string; maxConcurrency: string; maxErrors: string; runbook: string; targets: Target[]}
}

/** The window of that name opsctl made in the region, if any; one of that name opsctl did not make is a usage error. */
async function existingWindow(ssm: SSMClient, name: string, region: string, signal?: AbortSignal): Promise<ExistingWindow | undefined> {
  const named = await maintenanceWindows(ssm, name, signal)
  const tagged = await Promise.all(named.map(async (identity) => ({identity, tags: await maintenanceWindowTags(ssm, identity.WindowId!, signal)})))
  const foreign = tagged.find((w) => w.tags[OWNER_TAG] !== PATCH_SCHEDULE_WORKFLOW)
  if (foreign)
    throw new UsageError(
      `Maintenance window ${name} (${foreign.identity.WindowId}) in ${region} was not made by opsctl, which leaves it alone; choose another --name.`,
      'ForeignWindow',
    )
  return tagged[0] && withTargetAndTask(ssm, tagged[0], signal)
}

async function withTargetAndTask(ssm: SSMClient, window: ExistingWindow, signal?: AbortSignal): Promise<ExistingWindow> {
  const windowId = window.identity.WindowId!
  const [targets, tasks] = await Promise.all([maintenanceWindowTargets(ssm, windowId, signal), maintenanceWindowTasks(ssm, windowId, signal)])
  const target = targets.find((t) => t.Name === TARGET_NAME)
  const task = tasks.find((t) => t.Name === TASK_NAME)
  return {
    ...window,
    ...(target ? {target: {id: target.WindowTargetId!, targets: target.Targets ?? []}} : {}),
    ...(task
      ? {
          task: {
            id: task.WindowTaskId!,
            description: task.Description ?? '',
            maxConcurrency: task.MaxConcurrency ?? '',
            maxErrors: task.MaxErrors ?? '',
            runbook: task.TaskArn ?? '',
            targets: task.Targets ?? [],
          },
        }
      : {}),
  }
}

/** The task's description says the version it patches to: the one setting of its runbook parameters SSM lists back. */
const taskDescription = (request: ScheduleRequest) => `Patch PostgreSQL to ${request.minVersion} or later with ${PATCH_RUNBOOK} (opsctl patch schedule).`
const sameTargets = (a: Target[], b: Target[]) => JSON.stringify(normalTargets(a)) === JSON.stringify(normalTargets(b))
const normalTargets = (targets: Target[]) => targets.map((t) => [t.Key, [...(t.Values ?? [])].sort()]).sort()

/** What would change to bring a region's window up to the request, by what changes: all empty when it already is. */
interface WindowChanges {
  window: string[]
  target: string[]
  task: string[]
}

function scheduleChanges(existing: ExistingWindow | undefined, request: ScheduleRequest): WindowChanges {
  const w = existing?.identity
  const window = !w
    ? ['create the window']
    : [
        ...(w.Schedule !== request.schedule ? [`schedule ${w.Schedule} → ${request.schedule}`] : []),
        ...(w.Duration !== request.durationHours ? [`duration ${w.Duration} h → ${request.durationHours} h`] : []),
        ...(w.Cutoff !== request.cutoffHours ? [`cutoff ${w.Cutoff} h → ${request.cutoffHours} h`] : []),
      ]
  const targets = ssmTargets(request.targets)
  const target = !existing?.target
    ? ['register the target']
    : sameTargets(existing.target.targets, targets)
      ? []
      : [`targets ${describeTagTargets(existing.target.targets)} → ${describeTagTargets(targets)}`]
  const task = existing?.task
  const taskChanges = !task
    ? ['register the Automation task']
    : [
        ...(task.description !== taskDescription(request) || task.runbook !== PATCH_RUNBOOK ? [`task → ${taskDescription(request)}`] : []),
        ...(task.maxConcurrency !== request.maxConcurrency ? [`max concurrency ${task.maxConcurrency} → ${request.maxConcurrency}`] : []),
        ...(task.maxErrors !== request.maxErrors ? [`max errors ${task.maxErrors} → ${request.maxErrors}`] : []),
      ]
  return {window, target, task: taskChanges}
}

const listOf = (changes: WindowChanges) => [...changes.window, ...changes.target, ...changes.task]

/** tag:Role=postgres, as SSM's targets read back. */
const describeTagTargets = (targets: Target[]) => targets.map((t) => `${t.Key}=${(t.Values ?? []).join(',')}`).join(' ')

type ScheduleStep<O extends object> = Step<ScheduleContext, O>

interface RegionFleet {
  region: string
  instances: number
}

const findTargetsStep: ScheduleStep<{regions: RegionFleet[]}> = {
  id: 'find-targets',
  title: "Find the targets' running, SSM-managed instances and the regions they are in",
  actions: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation'],
  mutates: false,
  async run(ctx, io) {
    const fleet = await resolveFleet(ctx.session, ctx.request.targets, {regions: ctx.request.regions}, io.signal)
    const counts = new Map<string, number>()
    for (const instance of fleet) counts.set(instance.region, (counts.get(instance.region) ?? 0) + 1)
    return {regions: [...counts].map(([region, instances]) => ({region, instances})).sort((a, b) => a.region.localeCompare(b.region))}
  },
}

const regionsOf = (io: StepIO) => io.outputOf(findTargetsStep)!.regions.map((r) => r.region)

const checkRunbookStep: ScheduleStep<{runbook: string}> = {
  id: 'check-runbook',
  title: `Check that the runbook ${PATCH_RUNBOOK} is published in each of those regions`,
  actions: ['ssm:DescribeDocument'],
  mutates: false,
  async run(ctx, io) {
    const missing = (
      await mapWithLimit(regionsOf(io), REGION_CONCURRENCY, async (region) =>
        (await documentExists(await ssmIn(ctx.session, region), PATCH_RUNBOOK, io.signal)) ? [] : [region],
      )
    ).flat()
    if (missing.length > 0)
      throw new UsageError(
        `The runbook ${PATCH_RUNBOOK} is not published in ${missing.join(', ')}; publish it there first with "opsctl runbook publish runbooks/${PATCH_RUNBOOK}.yaml --region ${missing[0]}".`,
        'RunbookNotPublished',
      )
    return {runbook: PATCH_RUNBOOK}
  },
}

interface RegionChanges {
  region: string
  windowId?: string
  changes: string[]
}

const compareWindowsStep: ScheduleStep<{regions: RegionChanges[]}> = {
  id: 'compare-windows',
  title: 'Read the maintenance window of that name in each region and what would change in it',
  actions: SCHEDULE_ACTIONS,
  mutates: false,
  async run(ctx, io) {
    const regions = await mapWithLimit(regionsOf(io), REGION_CONCURRENCY, async (region) => {
      const existing = await existingWindow(await ssmIn(ctx.session, region), ctx.request.name, region, io.signal)
      return {region, ...(existing ? {windowId: existing.identity.WindowId!} : {}), changes: listOf(scheduleChanges(existing, ctx.request))}
    })
    return {regions}
  },
}

export interface ScheduledWindow {
  region: string
  windowId: string
  instances: number
  /** What this run changed; empty when the window already was as asked. */
  changes: string[]
}

const putWindowsStep: ScheduleStep<{windows: ScheduledWindow[]}> = {
  id: 'put-windows',
  title: 'Create or update the window, its target and its Automation task in each region',
  actions: [
    ...SCHEDULE_ACTIONS,
    'ssm:CreateMaintenanceWindow',
    'ssm:AddTagsToResource',
    'ssm:UpdateMaintenanceWindow',
    'ssm:RegisterTargetWithMaintenanceWindow',
    'ssm:UpdateMaintenanceWindowTarget',
    'ssm:RegisterTaskWithMaintenanceWindow',
    'ssm:UpdateMaintenanceWindowTask',
    'iam:PassRole',
  ],
  mutates: true,
  async run(ctx, io) {
    const fleets = io.outputOf(findTargetsStep)!.regions
    const windows = await mapWithLimit(fleets, REGION_CONCURRENCY, async ({region, instances}) => ({
      region,
      instances,
      ...(await putWindow(await ssmIn(ctx.session, region), region, ctx.request, io)),
    }))
    return {windows}
  },
  // Only windows this run created are deleted; one that existed keeps what was changed (a new run brings it up to date).
  async undo(ctx, io) {
    await mapWithLimit(regionsOf(io), REGION_CONCURRENCY, async (region) => {
      const ssm = await ssmIn(ctx.session, region)
      for (const window of await maintenanceWindows(ssm, ctx.request.name, io.signal)) {
        if ((await maintenanceWindowTags(ssm, window.WindowId!, io.signal))[RUN_ID_TAG] === io.runId) await deleteWindow(ssm, window.WindowId!, io.signal)
      }
    })
  },
}

/** Brings one region's window up to the request: creates what is missing, updates what differs, leaves the rest. */
async function putWindow(ssm: SSMClient, region: string, request: ScheduleRequest, io: StepIO): Promise<{windowId: string; changes: string[]}> {
  const existing = await existingWindow(ssm, request.name, region, io.signal)
  const changes = scheduleChanges(existing, request)
  const sdk = await import('@aws-sdk/client-ssm')
  const options = {abortSignal: io.signal}
  const windowId = existing?.identity.WindowId ?? (await createWindow(ssm, request, io))
  if (existing && changes.window.length > 0)
    await ssm.send(
      new sdk.UpdateMaintenanceWindowCommand({WindowId: windowId, Schedule: request.schedule, Duration: request.durationHours, Cutoff: request.cutoffHours}),
      options,
    )
  const Targets = ssmTargets(request.targets)
  let targetId = existing?.target?.id
  if (!targetId) {
    const input = {WindowId: windowId, ResourceType: 'INSTANCE' as const, Targets, Name: TARGET_NAME, ClientToken: `${io.runId}-target`}
    targetId = (await ssm.send(new sdk.RegisterTargetWithMaintenanceWindowCommand(input), options)).WindowTargetId!
  } else if (changes.target.length > 0)
    await ssm.send(new sdk.UpdateMaintenanceWindowTargetCommand({WindowId: windowId, WindowTargetId: targetId, Targets}), options)
  const task = taskInput(windowId, targetId, request)
  if (!existing?.task) await ssm.send(new sdk.RegisterTaskWithMaintenanceWindowCommand({...task, ClientToken: `${io.runId}-task`}), options)
  else if (changes.task.length > 0) await ssm.send(new sdk.UpdateMaintenanceWindowTaskCommand({...task, WindowTaskId: existing.task.id}), options)
  return {windowId, changes: listOf(changes)}
}

async function createWindow(ssm: SSMClient, request: ScheduleRequest, io: StepIO): Promise<string> {
  const {CreateMaintenanceWindowCommand} = await import('@aws-sdk/client-ssm')
  const created = await ssm.send(
    new CreateMaintenanceWindowCommand({
      Name: request.name,
      Description: `Patches PostgreSQL with ${PATCH_RUNBOOK}; managed by opsctl patch schedule.`,
      Schedule: request.schedule,
      Duration: request.durationHours,
      Cutoff: request.cutoffHours,
      AllowUnassociatedTargets: false,
      // A create sent again after its response was lost gets the same window back.
      ClientToken: `${io.runId}-window`,
      Tags: runTags(io.runId, PATCH_SCHEDULE_WORKFLOW),
    }),
    {abortSignal: io.signal},
  )
  return created.WindowId!
}

/** The Automation task: the runbook on each target instance ({{RESOURCE_ID}}), at most MaxConcurrency at once, stopping after MaxErrors. */
const taskInput = (windowId: string, targetId: string, request: ScheduleRequest) => ({
  WindowId: windowId,
  Name: TASK_NAME,
  Description: taskDescription(request),
  TaskType: 'AUTOMATION' as const,
  TaskArn: PATCH_RUNBOOK,
  Targets: [{Key: 'WindowTargetIds', Values: [targetId]}],
  MaxConcurrency: request.maxConcurrency,
  MaxErrors: request.maxErrors,
  Priority: 1,
  // A patch under way when the cutoff comes finishes (or rolls back): cancelling it half-way could skip the rollback.
  CutoffBehavior: 'CONTINUE_TASK' as const,
  TaskInvocationParameters: {
    Automation: {DocumentVersion: '$DEFAULT', Parameters: {InstanceId: ['{{RESOURCE_ID}}'], TargetVersion: [request.minVersion]}},
  },
})

async function deleteWindow(ssm: SSMClient, windowId: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteMaintenanceWindowCommand} = await import('@aws-sdk/client-ssm')
  await deleteOnce(() => ssm.send(new DeleteMaintenanceWindowCommand({WindowId: windowId}), {abortSignal}))
}

export interface ScheduleOutcome {
  name: string
  schedule: string
  windows: ScheduledWindow[]
}

/** Creates or updates the windows of a schedule: the read-only steps first (a dry run shows what would change), one change last. */
export const patchScheduleWorkflow = (request: ScheduleRequest): Workflow<ScheduleContext, ScheduleOutcome> => ({
  name: PATCH_SCHEDULE_WORKFLOW,
  steps: [findTargetsStep, checkRunbookStep, compareWindowsStep, putWindowsStep],
  outcome: (outputOf) => ({name: request.name, schedule: request.schedule, windows: outputOf(putWindowsStep)!.windows}),
})

/** Removing a schedule: its name, and the regions to remove it from (default: the session's region). */
export interface RemoveRequest {
  name: string
  regions?: string[]
}

export interface RemoveContext {
  session: AwsSession
  request: RemoveRequest
}

interface OwnWindow {
  region: string
  windowId: string
}

const regionsAsked = (ctx: {session: AwsSession; request: {regions?: string[]}}) => ctx.request.regions ?? [ctx.session.region]

/** The windows of that name opsctl made in the regions: windows of that name it did not make are not its to remove. */
async function ownWindowsNamed(ctx: RemoveContext, signal: AbortSignal): Promise<OwnWindow[]> {
  const perRegion = await mapWithLimit(regionsAsked(ctx), REGION_CONCURRENCY, async (region) => {
    const ssm = await ssmIn(ctx.session, region)
    const named = await maintenanceWindows(ssm, ctx.request.name, signal)
    const tags = await Promise.all(named.map((w) => maintenanceWindowTags(ssm, w.WindowId!, signal)))
    return named.filter((_, i) => tags[i][OWNER_TAG] === PATCH_SCHEDULE_WORKFLOW).map((w) => ({region, windowId: w.WindowId!}))
  })
  return perRegion.flat()
}

const findOwnWindowsStep: Step<RemoveContext, {windows: OwnWindow[]}> = {
  id: 'find-windows',
  title: 'Find the maintenance windows of that name that opsctl made',
  actions: ['ssm:DescribeMaintenanceWindows', 'ssm:ListTagsForResource'],
  mutates: false,
  async run(ctx, io) {
    const windows = await ownWindowsNamed(ctx, io.signal)
    if (windows.length === 0)
      throw new UsageError(
        `No maintenance window named ${ctx.request.name} that opsctl made in ${regionsAsked(ctx).join(', ')}; see "opsctl patch schedule --list" for the ones there are.`,
        'NotFound',
      )
    return {windows}
  },
}

const deleteWindowsStep: Step<RemoveContext, {removed: OwnWindow[]}> = {
  id: 'delete-windows',
  title: 'Delete those windows (with their targets and tasks)',
  actions: ['ssm:DeleteMaintenanceWindow'],
  mutates: true,
  async run(ctx, io) {
    const {windows} = io.outputOf(findOwnWindowsStep)!
    await mapWithLimit(windows, REGION_CONCURRENCY, async ({region, windowId}) => deleteWindow(await ssmIn(ctx.session, region), windowId, io.signal))
    return {removed: windows}
  },
}

export interface RemoveOutcome {
  name: string
  removed: OwnWindow[]
}

export const removeScheduleWorkflow = (request: RemoveRequest): Workflow<RemoveContext, RemoveOutcome> => ({
  name: PATCH_SCHEDULE_WORKFLOW,
  steps: [findOwnWindowsStep, deleteWindowsStep],
  outcome: (outputOf) => ({name: request.name, removed: outputOf(deleteWindowsStep)!.removed}),
})

/** A window opsctl made, as --list shows it. */
export interface ListedWindow {
  region: string
  name: string
  windowId: string
  enabled: boolean
  schedule: string
  durationHours: number
  cutoffHours: number
  /** As SSM holds them: tag:Role=postgres. */
  targets: string
  task?: {runbook: string; description: string; maxConcurrency: string; maxErrors: string}
  /** When SSM reports it. */
  nextExecutionTime?: string
}

/** The windows opsctl made in the regions (default: the session's region), with their targets and tasks. Nothing is changed. */
export async function listSchedules(session: AwsSession, regions: string[] = [session.region], signal?: AbortSignal): Promise<{windows: ListedWindow[]}> {
  const perRegion = await mapWithLimit(regions, REGION_CONCURRENCY, async (region) => {
    const ssm = await ssmIn(session, region)
    const all = await maintenanceWindows(ssm, undefined, signal)
    const tagged = await mapWithLimit(all, REGION_CONCURRENCY, async (identity) => ({
      identity,
      tags: await maintenanceWindowTags(ssm, identity.WindowId!, signal),
    }))
    const own = tagged.filter((w) => w.tags[OWNER_TAG] === PATCH_SCHEDULE_WORKFLOW)
    return Promise.all(own.map(async (w) => listedWindow(region, await withTargetAndTask(ssm, w, signal))))
  })
  return {windows: perRegion.flat().sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name))}
}

function listedWindow(region: string, {identity: w, target, task}: ExistingWindow): ListedWindow {
  return {
    region,
    name: w.Name ?? '',
    windowId: w.WindowId!,
    enabled: w.Enabled ?? false,
    schedule: w.Schedule ?? '',
    durationHours: w.Duration ?? 0,
    cutoffHours: w.Cutoff ?? 0,
    targets: describeTagTargets(target?.targets ?? []),
    ...(task ? {task: {runbook: task.runbook, description: task.description, maxConcurrency: task.maxConcurrency, maxErrors: task.maxErrors}} : {}),
    ...(w.NextExecutionTime ? {nextExecutionTime: w.NextExecutionTime} : {}),
  }
}
