import {CreateTagsCommand, DeleteTagsCommand, EC2Client, type Filter, paginateDescribeInstances} from '@aws-sdk/client-ec2'
import {InvalidInstanceId, type SSMClient} from '@aws-sdk/client-ssm'

import {collectPages} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {tagMap} from '../aws/tags.js'
import {OpsctlError} from '../errors/errors.js'
import {STAND_IN_TAGS} from './ssm-agent-tags.js'

/** What the stand-in answers with: EC2 in moto for the instances, and the SSM client it stands in for, to reach moto. */
export interface StandInContext {
  ec2: EC2Client
  ssm: SSMClient
}

export const standInContext = (session: AwsSession, ssm: SSMClient): StandInContext => ({ec2: session.client(EC2Client), ssm})

/** A running instance tagged as SSM managed, as the stand-in knows it. */
export interface ManagedInstance {
  instanceId: string
  tags: Record<string, string>
  ipAddress?: string
  launchTime?: Date
}

/** The running instances tagged `opsctl:sandbox-ssm=managed`, optionally only those of the given ids. */
export async function managedInstances(ctx: StandInContext, instanceIds?: string[]): Promise<ManagedInstance[]> {
  if (instanceIds?.length === 0) return []
  const Filters: Filter[] = [
    {Name: `tag:${STAND_IN_TAGS.managed}`, Values: ['managed']},
    {Name: 'instance-state-name', Values: ['running']},
    ...(instanceIds ? [{Name: 'instance-id', Values: instanceIds}] : []),
  ]
  const reservations = await collectPages(paginateDescribeInstances({client: ctx.ec2}, {Filters}), (page) => page.Reservations)
  return reservations
    .flatMap((r) => r.Instances ?? [])
    .map((i) => ({instanceId: i.InstanceId!, tags: tagMap(i.Tags), ipAddress: i.PrivateIpAddress, launchTime: i.LaunchTime}))
}

/** The managed instance of that id; anything else is what SSM calls an invalid instance id. */
export async function managedInstance(ctx: StandInContext, instanceId: string | undefined): Promise<ManagedInstance> {
  const [instance] = instanceId ? await managedInstances(ctx, [instanceId]) : []
  if (instance) return instance
  throw notManaged(instanceId)
}

export const notManaged = (instanceId: string | undefined) =>
  new InvalidInstanceId({message: `Instance ${instanceId} is not an SSM managed instance of the sandbox.`, $metadata: {}})

export async function tagInstance(ctx: StandInContext, instanceId: string, tags: Record<string, string>): Promise<void> {
  await ctx.ec2.send(new CreateTagsCommand({Resources: [instanceId], Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value}))}))
}

export async function untagInstance(ctx: StandInContext, instanceId: string, keys: string[]): Promise<void> {
  if (keys.length > 0) await ctx.ec2.send(new DeleteTagsCommand({Resources: [instanceId], Tags: keys.map((Key) => ({Key}))}))
}

/** One page of a listing, in the SSM way: NextToken is where the next page starts. */
export function onePage<T>(items: T[], input: {MaxResults?: number; NextToken?: string}, pageSize = 50): {items: T[]; NextToken?: string} {
  const start = Number(input.NextToken ?? 0)
  const end = start + (input.MaxResults ?? pageSize)
  return {items: items.slice(start, end), NextToken: end < items.length ? String(end) : undefined}
}

/**
 * Whether a value passes one of SSM's filters. Inventory spells the types Equal, BeginWith…, compliance EQUAL,
 * BEGIN_WITH…: both are read alike. Comparisons by order are not kept by the stand-in.
 */
export function passesFilter(value: string | undefined, filter: {Values?: string[]; Type?: string}): boolean {
  const values = filter.Values ?? []
  const type = (filter.Type ?? 'Equal').replace(/_/g, '').toLowerCase()
  if (type === 'exists') return value !== undefined
  if (type === 'equal') return value !== undefined && values.includes(value)
  if (type === 'notequal') return value !== undefined && !values.includes(value)
  if (type === 'beginwith') return value !== undefined && values.some((v) => value.startsWith(v))
  throw new OpsctlError(`The sandbox's SSM agent stand-in does not filter with ${filter.Type}; use Equal, NotEqual, BeginWith or Exists there.`)
}
