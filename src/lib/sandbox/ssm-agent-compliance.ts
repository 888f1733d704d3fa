import type {
  ComplianceItem,
  ListComplianceItemsCommandInput,
  ListComplianceItemsCommandOutput,
  PutComplianceItemsCommandInput,
  PutComplianceItemsCommandOutput,
} from '@aws-sdk/client-ssm'

import {OpsctlError} from '../errors/errors.js'
import {managedInstance, managedInstances, onePage, passesFilter, type StandInContext, tagInstance, untagInstance} from './ssm-agent-instances.js'
import {STAND_IN_TAGS} from './ssm-agent-tags.js'

/** One tag per item, `opsctl:sandbox-compliance:<type>:<item id>`, its value the item as JSON. */
const itemTag = (complianceType: string, id: string) => `${STAND_IN_TAGS.compliancePrefix}${complianceType}:${id}`

/** Records the items on the instance; a COMPLETE upload (the default) replaces every item of its type. */
export async function putComplianceItems(ctx: StandInContext, input: PutComplianceItemsCommandInput): Promise<Partial<PutComplianceItemsCommandOutput>> {
  const instance = await managedInstance(ctx, input.ResourceId)
  const {ComplianceType: type = '', ExecutionSummary: summary} = input
  const written = Object.fromEntries(
    (input.Items ?? []).map(({Id = '', Title, Severity, Status, Details}) => [
      itemTag(type, Id),
      JSON.stringify({
        Title,
        Severity,
        Status,
        Details,
        ExecutionSummary: {...summary, ExecutionTime: summary?.ExecutionTime && new Date(summary.ExecutionTime).toISOString()},
      }),
    ]),
  )
  if (input.UploadType !== 'PARTIAL') {
    const replaced = Object.keys(instance.tags).filter((key) => key.startsWith(itemTag(type, '')) && !(key in written))
    await untagInstance(ctx, instance.instanceId, replaced)
  }
  await tagInstance(ctx, instance.instanceId, written)
  return {}
}

/** The item a compliance tag holds. */
function complianceItem(resourceId: string, key: string, value: string): ComplianceItem {
  const typeAndId = key.slice(STAND_IN_TAGS.compliancePrefix.length)
  const at = typeAndId.lastIndexOf(':')
  const {ExecutionSummary, ...item} = JSON.parse(value) as ComplianceItem & {ExecutionSummary: {ExecutionTime?: string}}
  return {
    ComplianceType: typeAndId.slice(0, at),
    ResourceType: 'ManagedInstance',
    ResourceId: resourceId,
    Id: typeAndId.slice(at + 1),
    ...item,
    ExecutionSummary: {...ExecutionSummary, ExecutionTime: ExecutionSummary.ExecutionTime ? new Date(ExecutionSummary.ExecutionTime) : undefined},
  }
}

const filterable = new Set(['ComplianceType', 'Status', 'Severity', 'Id'])

/** The items recorded on the managed instances asked about (every one when none is named). */
export async function listComplianceItems(ctx: StandInContext, input: ListComplianceItemsCommandInput): Promise<Partial<ListComplianceItemsCommandOutput>> {
  const unknown = input.Filters?.find((f) => !filterable.has(f.Key ?? ''))
  if (unknown) throw new OpsctlError(`The sandbox's SSM agent stand-in does not filter compliance items by ${unknown.Key}; use ${[...filterable].join(', ')}.`)
  if (input.ResourceTypes && !input.ResourceTypes.includes('ManagedInstance')) return {ComplianceItems: []}
  const items = (await managedInstances(ctx, input.ResourceIds))
    .flatMap((instance) =>
      Object.entries(instance.tags)
        .filter(([key]) => key.startsWith(STAND_IN_TAGS.compliancePrefix))
        .map(([key, value]) => complianceItem(instance.instanceId, key, value)),
    )
    .filter((item) => (input.Filters ?? []).every((f) => passesFilter(item[f.Key as 'Id'], f)))
  const {items: page, NextToken} = onePage(items, input)
  return {ComplianceItems: page, NextToken}
}
