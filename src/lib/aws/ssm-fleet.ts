import type {InstanceInformation, SSMClient} from '@aws-sdk/client-ssm'

import {collectPages} from './paginate.js'

/** DescribeInstanceInformation's InstanceIds filter takes at most 50 ids. */
const INSTANCE_IDS_PER_CALL = 50

/** What SSM knows of the instances (agent registered, PingStatus Online …): one paginated call per 50 ids; unknown ids are absent. */
export async function instanceInformation(ssm: SSMClient, instanceIds: readonly string[], abortSignal?: AbortSignal): Promise<InstanceInformation[]> {
  const {paginateDescribeInstanceInformation} = await import('@aws-sdk/client-ssm')
  const found: InstanceInformation[] = []
  for (let start = 0; start < instanceIds.length; start += INSTANCE_IDS_PER_CALL) {
    const Filters = [{Key: 'InstanceIds', Values: instanceIds.slice(start, start + INSTANCE_IDS_PER_CALL)}]
    found.push(...(await collectPages(paginateDescribeInstanceInformation({client: ssm}, {Filters}, {abortSignal}), (page) => page.InstanceInformationList)))
  }
  return found
}

/** An application in SSM Inventory (AWS:Application): its Name, Version and the other attributes the agent reports. */
export type InventoryApplication = Record<string, string>

/**
 * The AWS:Application inventory of every instance of the region that reports an application whose name begins with
 * `namePrefix`: one paginated GetInventory for the whole region, not a ListInventoryEntries per instance.
 */
export async function applicationsByInstance(ssm: SSMClient, namePrefix: string, abortSignal?: AbortSignal): Promise<Map<string, InventoryApplication[]>> {
  const {paginateGetInventory} = await import('@aws-sdk/client-ssm')
  const input = {Filters: [{Key: 'AWS:Application.Name', Values: [namePrefix], Type: 'BeginWith' as const}], ResultAttributes: [{TypeName: 'AWS:Application'}]}
  const entities = await collectPages(paginateGetInventory({client: ssm}, input, {abortSignal}), (page) => page.Entities)
  return new Map(entities.map((entity) => [entity.Id!, entity.Data?.['AWS:Application']?.Content ?? []]))
}
