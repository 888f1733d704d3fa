import type {Instance} from '@aws-sdk/client-ec2'
import type {InstanceInformation} from '@aws-sdk/client-ssm'

import {runningInstances} from '../aws/ec2-instances.js'
import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {instanceInformation} from '../aws/ssm-fleet.js'
import {tagMap} from '../aws/tags.js'
import {UsageError} from '../errors/errors.js'
import type {TenantStore} from '../tenants/store.js'

/*
 * The fleet a patch command works on: the targets as typed (tags, or instance ids), resolved to the running EC2
 * instances that SSM manages, with the database cluster, shards and tenants each one serves.
 */

/** Instances of one database cluster carry the same value: they are never patched in the same wave. */
export const CLUSTER_TAG = 'opsctl:cluster'
/** The shard ids a server holds, comma-separated: its tenants are the tenants placed on them. */
export const SHARDS_TAG = 'opsctl:shards'

export interface TagTarget {
  key: string
  value: string
}

/** Instances by tags (every tag must match), or by id: exactly one of the two. */
export type TargetSpec = {kind: 'tags'; tags: TagTarget[]} | {kind: 'instances'; instanceIds: string[]}

export interface FleetInstance {
  instanceId: string
  /** The Name tag ('' when there is none). */
  name: string
  region: string
  availabilityZone: string
  cluster?: string
  shards: string[]
  tenants: string[]
}

/** The IAM actions resolving a fleet calls. */
export const FLEET_ACTIONS = ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation', 'dynamodb:Query']

/** SSM takes at most 5 targets (SendCommand, maintenance window targets, automation), so no more tags than that. */
const MAX_TAG_TARGETS = 5
const TAG_TARGET = /^tag:([^=]{1,128})=(.{1,256})$/s
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/
/** Regions, and the shards' tenant queries, read at once. */
const CONCURRENCY = 4

/** --targets tag:Key=Value (repeatable, all must match) or --instances i-… (repeatable or comma-separated), checked before any call. */
export function parseTargets(given: {targets?: string[]; instances?: string[]}): TargetSpec {
  const targets = given.targets ?? []
  const instances = (given.instances ?? [])
    .flatMap((i) => i.split(','))
    .map((i) => i.trim())
    .filter(Boolean)
  if (targets.length > 0 && instances.length > 0) throw new UsageError('Pass --targets or --instances, not both.', 'InvalidTargets')
  if (targets.length === 0 && instances.length === 0)
    throw new UsageError('Say which instances: pass --targets tag:Key=Value (repeatable) or --instances i-0123456789abcdef0.', 'InvalidTargets')
  if (instances.length > 0) {
    const bad = instances.find((id) => !INSTANCE_ID.test(id))
    if (bad !== undefined) throw new UsageError(`--instances "${bad}" is not an EC2 instance id; write it like i-0123456789abcdef0.`, 'InvalidTargets')
    return {kind: 'instances', instanceIds: [...new Set(instances)]}
  }
  if (targets.length > MAX_TAG_TARGETS)
    throw new UsageError(`--targets is given ${targets.length} times; SSM takes at most ${MAX_TAG_TARGETS} tag targets, so narrow them down.`, 'InvalidTargets')
  return {
    kind: 'tags',
    tags: targets.map((text) => {
      const match = TAG_TARGET.exec(text.trim())
      if (!match) throw new UsageError(`--targets "${text}" is not a tag target; write it like tag:Role=postgres.`, 'InvalidTargets')
      return {key: match[1], value: match[2]}
    }),
  }
}

/** The targets as the user would type them, for messages. */
export const describeTargets = (spec: TargetSpec) =>
  spec.kind === 'tags' ? `--targets ${spec.tags.map((t) => `tag:${t.key}=${t.value}`).join(' ')}` : `--instances ${spec.instanceIds.join(',')}`

/** The targets as SSM takes them (SendCommand, maintenance window targets, automation executions). */
export const ssmTargets = (spec: TargetSpec) =>
  spec.kind === 'tags' ? spec.tags.map((t) => ({Key: `tag:${t.key}`, Values: [t.value]})) : [{Key: 'InstanceIds', Values: spec.instanceIds}]

export interface FleetOptions {
  /** Default: the session's region. */
  regions?: string[]
  /** Where the tenants of each shard are read; without it the instances serve no known tenant. */
  store?: TenantStore
}

/**
 * The running instances the targets name, in every region asked (one paginated EC2 and one SSM read per region),
 * each with its cluster, shards and tenants. Targets that match nothing, or an instance SSM does not manage
 * (no agent registered, or not online), are usage errors: nothing can be read from or sent to it.
 */
export async function resolveFleet(session: AwsSession, spec: TargetSpec, options: FleetOptions, signal?: AbortSignal): Promise<FleetInstance[]> {
  const regions = options.regions ?? [session.region]
  const {EC2Client} = await import('@aws-sdk/client-ec2')
  const {SSMClient} = await import('@aws-sdk/client-ssm')
  const perRegion = await mapWithLimit(regions, CONCURRENCY, async (region) => {
    const regional = session.inRegion(region)
    const instances = (await runningInstances(regional.client(EC2Client), ec2Match(spec), signal)).sort((a, b) => a.InstanceId!.localeCompare(b.InstanceId!))
    const managed = await instanceInformation(
      regional.client(SSMClient),
      instances.map((i) => i.InstanceId!),
      signal,
    )
    return {region, instances, managed}
  })
  const found = perRegion.flatMap(({region, instances}) => instances.map((instance) => ({region, instance})))
  assertAllFound(spec, found, regions)
  assertManaged(perRegion)
  const fleet = found.map(({region, instance}) => fleetInstance(region, instance))
  return withTenants(fleet, options.store, signal)
}

const ec2Match = (spec: TargetSpec) =>
  spec.kind === 'tags' ? {filters: spec.tags.map((t) => ({Name: `tag:${t.key}`, Values: [t.value]}))} : {instanceIds: spec.instanceIds}

const regionList = (regions: string[]) => `${regions.join(', ')} (--regions)`

/** At most this many instances are named in a message; the rest are counted. */
const NAMED = 10
const listed = (items: string[]) => `${items.slice(0, NAMED).join(', ')}${items.length > NAMED ? ` and ${items.length - NAMED} more` : ''}`

function assertAllFound(spec: TargetSpec, found: {instance: Instance}[], regions: string[]): void {
  if (spec.kind === 'tags') {
    if (found.length > 0) return
    throw new UsageError(
      `${describeTargets(spec)} matches no running instance in ${regionList(regions)}; check the tags, or pass --regions with the instances' regions.`,
      'NoTargets',
    )
  }
  const ids = new Set(found.map((f) => f.instance.InstanceId))
  const missing = spec.instanceIds.filter((id) => !ids.has(id))
  if (missing.length === 0) return
  throw new UsageError(
    `--instances ${listed(missing)} matches no running instance in ${regionList(regions)}; check the ids and their state, or pass --regions with their regions.`,
    'NoTargets',
  )
}

/** Why SSM cannot reach an instance, or undefined when it can. */
function unmanagedBecause(information: InstanceInformation | undefined): string | undefined {
  if (!information) return 'no SSM Agent registered'
  if (information.PingStatus !== 'Online') return `SSM Agent ${information.PingStatus ?? 'not reporting'}`
  return undefined
}

function assertManaged(perRegion: {region: string; instances: Instance[]; managed: InstanceInformation[]}[]): void {
  const unmanaged = perRegion.flatMap(({region, instances, managed}) => {
    const byId = new Map(managed.map((m) => [m.InstanceId, m]))
    return instances.flatMap((instance) => {
      const why = unmanagedBecause(byId.get(instance.InstanceId))
      return why ? [`${instance.InstanceId} in ${region} (${why})`] : []
    })
  })
  if (unmanaged.length === 0) return
  throw new UsageError(
    `Not managed by SSM: ${listed(unmanaged)}; start the SSM Agent with an instance profile that allows SSM, or leave the instance out of the targets.`,
    'NotManaged',
  )
}

function fleetInstance(region: string, instance: Instance): FleetInstance {
  const tags = tagMap(instance.Tags)
  return {
    instanceId: instance.InstanceId!,
    name: tags.Name ?? '',
    region,
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    ...(tags[CLUSTER_TAG] ? {cluster: tags[CLUSTER_TAG]} : {}),
    shards: [
      ...new Set(
        (tags[SHARDS_TAG] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ],
    tenants: [],
  }
}

/** Each shard's tenants read once (a query of the shard index), however many instances hold it. */
async function withTenants(fleet: FleetInstance[], store: TenantStore | undefined, signal?: AbortSignal): Promise<FleetInstance[]> {
  if (!store) return fleet
  const shards = [...new Set(fleet.flatMap((i) => i.shards))]
  const tenants = await mapWithLimit(shards, CONCURRENCY, async (shard) => (await store.tenantsOnShard(shard, signal)).tenantIds)
  const byShard = new Map(shards.map((shard, i) => [shard, tenants[i]]))
  return fleet.map((instance) => ({...instance, tenants: [...new Set(instance.shards.flatMap((s) => byShard.get(s) ?? []))].sort()}))
}
