import type {EC2Client, Filter, Instance} from '@aws-sdk/client-ec2'

import {collectPages} from './paginate.js'

/** EC2 takes at most 200 filter values in one call; the state filter takes one of them. */
const INSTANCE_IDS_PER_CALL = 199

/**
 * The running EC2 instances that match the filters (tag:Key …), or that have the given ids: one paginated call, or
 * one per 199 ids. The ids go into an instance-id filter, not InstanceIds, so an id of another region is not an error.
 */
export async function runningInstances(ec2: EC2Client, match: {filters?: Filter[]; instanceIds?: string[]}, abortSignal?: AbortSignal): Promise<Instance[]> {
  const {paginateDescribeInstances} = await import('@aws-sdk/client-ec2')
  const running: Filter = {Name: 'instance-state-name', Values: ['running']}
  const read = (Filters: Filter[]) =>
    collectPages(paginateDescribeInstances({client: ec2}, {Filters: [running, ...Filters]}, {abortSignal}), (page) =>
      page.Reservations?.flatMap((r) => r.Instances ?? []),
    )
  if (!match.instanceIds) return read(match.filters ?? [])
  const batches: Instance[][] = []
  for (let start = 0; start < match.instanceIds.length; start += INSTANCE_IDS_PER_CALL)
    batches.push(await read([{Name: 'instance-id', Values: match.instanceIds.slice(start, start + INSTANCE_IDS_PER_CALL)}]))
  return batches.flat()
}
