import type {InstancePatchState, SSMClient} from '@aws-sdk/client-ssm'

import {collectPages} from './paginate.js'

/** DescribeInstancePatchStates takes at most 50 instance ids a call. */
const INSTANCE_IDS_PER_CALL = 50

/** Patch Manager's state of the instances that it patches (missing, failed, pending reboot …); the others are absent. */
export async function instancePatchStates(ssm: SSMClient, instanceIds: readonly string[], abortSignal?: AbortSignal): Promise<InstancePatchState[]> {
  const {paginateDescribeInstancePatchStates} = await import('@aws-sdk/client-ssm')
  const states: InstancePatchState[] = []
  for (let start = 0; start < instanceIds.length; start += INSTANCE_IDS_PER_CALL) {
    const InstanceIds = instanceIds.slice(start, start + INSTANCE_IDS_PER_CALL)
    states.push(...(await collectPages(paginateDescribeInstancePatchStates({client: ssm}, {InstanceIds}, {abortSignal}), (page) => page.InstancePatchStates)))
  }
  return states
}
