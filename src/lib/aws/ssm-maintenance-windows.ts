import type {MaintenanceWindowIdentity, MaintenanceWindowTarget, MaintenanceWindowTask, SSMClient} from '@aws-sdk/client-ssm'

import {collectPages} from './paginate.js'
import {tagMap} from './tags.js'

/** The maintenance windows of the region, or only those with the given name (SSM does not keep names unique). */
export async function maintenanceWindows(ssm: SSMClient, name?: string, abortSignal?: AbortSignal): Promise<MaintenanceWindowIdentity[]> {
  const {paginateDescribeMaintenanceWindows} = await import('@aws-sdk/client-ssm')
  const Filters = name === undefined ? undefined : [{Key: 'Name', Values: [name]}]
  return collectPages(paginateDescribeMaintenanceWindows({client: ssm}, {Filters}, {abortSignal}), (page) => page.WindowIdentities)
}

export async function maintenanceWindowTags(ssm: SSMClient, windowId: string, abortSignal?: AbortSignal): Promise<Record<string, string>> {
  const {ListTagsForResourceCommand} = await import('@aws-sdk/client-ssm')
  const {TagList} = await ssm.send(new ListTagsForResourceCommand({ResourceType: 'MaintenanceWindow', ResourceId: windowId}), {abortSignal})
  return tagMap(TagList)
}

export async function maintenanceWindowTargets(ssm: SSMClient, windowId: string, abortSignal?: AbortSignal): Promise<MaintenanceWindowTarget[]> {
  const {paginateDescribeMaintenanceWindowTargets} = await import('@aws-sdk/client-ssm')
  return collectPages(paginateDescribeMaintenanceWindowTargets({client: ssm}, {WindowId: windowId}, {abortSignal}), (page) => page.Targets)
}

export async function maintenanceWindowTasks(ssm: SSMClient, windowId: string, abortSignal?: AbortSignal): Promise<MaintenanceWindowTask[]> {
  const {paginateDescribeMaintenanceWindowTasks} = await import('@aws-sdk/client-ssm')
  return collectPages(paginateDescribeMaintenanceWindowTasks({client: ssm}, {WindowId: windowId}, {abortSignal}), (page) => page.Tasks)
}

/** Whether an SSM document of that name exists in the region (DescribeDocument answers InvalidDocument when not). */
export async function documentExists(ssm: SSMClient, name: string, abortSignal?: AbortSignal): Promise<boolean> {
  const {DescribeDocumentCommand} = await import('@aws-sdk/client-ssm')
  try {
    await ssm.send(new DescribeDocumentCommand({Name: name}), {abortSignal})
    return true
  } catch (error) {
    if ((error as Error).name === 'InvalidDocument') return false
    throw error
  }
}
