import type {
  DescribeInstanceInformationCommandInput,
  DescribeInstanceInformationCommandOutput,
  DescribeInstancePatchStatesCommandInput,
  DescribeInstancePatchStatesCommandOutput,
  GetInventoryCommandInput,
  GetInventoryCommandOutput,
  InstanceInformation,
  InstancePatchState,
  InventoryResultEntity,
  ListInventoryEntriesCommandInput,
  ListInventoryEntriesCommandOutput,
} from '@aws-sdk/client-ssm'

import {OpsctlError} from '../errors/errors.js'
import {type ManagedInstance, managedInstances, onePage, passesFilter, type StandInContext} from './ssm-agent-instances.js'
import {STAND_IN_TAGS} from './ssm-agent-tags.js'

const AGENT_VERSION = '3.3.1142.0'
const APPLICATION = 'AWS:Application'
const INSTANCE_INFORMATION = 'AWS:InstanceInformation'

type Row = Record<string, string>

/** An instance as SSM describes it: Online, Amazon Linux 2, with the agent's computer name. */
const instanceInformation = (instance: ManagedInstance): Row => ({
  InstanceId: instance.instanceId,
  PingStatus: 'Online',
  PlatformType: 'Linux',
  PlatformName: 'Amazon Linux',
  PlatformVersion: '2',
  ResourceType: 'EC2Instance',
  AgentVersion: AGENT_VERSION,
  IPAddress: instance.ipAddress ?? '',
  ComputerName: `ip-${(instance.ipAddress ?? '10.0.0.1').replace(/\./g, '-')}.ec2.internal`,
})

/** What Inventory reports as installed, for instances tagged `opsctl:sandbox-inventory=on`. */
function applications(instance: ManagedInstance): Row[] {
  if (instance.tags[STAND_IN_TAGS.inventory] !== 'on') return []
  const version = instance.tags[STAND_IN_TAGS.version]
  const rpm = (Name: string, Version: string, Summary: string) => ({
    Name,
    Version,
    Release: '1.amzn2',
    Architecture: 'x86_64',
    Publisher: 'Amazon Linux',
    Summary,
  })
  return [
    rpm('amazon-ssm-agent', AGENT_VERSION, 'Amazon SSM Agent'),
    rpm('openssl', '1.0.2k', 'Utilities from the general purpose cryptography library with TLS implementation'),
    ...(version
      ? [rpm('postgresql', version, 'PostgreSQL client programs'), rpm('postgresql-server', version, 'The programs needed to run a PostgreSQL server')]
      : []),
  ]
}

const inventoryOf = (instance: ManagedInstance): Record<string, Row[]> => ({
  [INSTANCE_INFORMATION]: [instanceInformation(instance)],
  [APPLICATION]: applications(instance),
})

/** Old-style filters (InstanceInformationFilterList) and new ones (Filters) alike, as key and values. */
function informationFilters(input: DescribeInstanceInformationCommandInput) {
  return [
    ...(input.InstanceInformationFilterList ?? []).map((f) => ({Key: f.key as string, Values: f.valueSet})),
    ...(input.Filters ?? []).map((f) => ({Key: f.Key!, Values: f.Values})),
  ]
}

const informationValue = (instance: ManagedInstance, row: Row, key: string) => {
  if (key.startsWith('tag:')) return instance.tags[key.slice(4)]
  if (key === 'tag-key') return undefined
  return row[{InstanceIds: 'InstanceId', PlatformTypes: 'PlatformType'}[key] ?? key]
}

/** Every managed instance Online, narrowed by the filters given. */
export async function describeInstanceInformation(
  ctx: StandInContext,
  input: DescribeInstanceInformationCommandInput,
): Promise<Partial<DescribeInstanceInformationCommandOutput>> {
  const filters = informationFilters(input)
  const described = (await managedInstances(ctx))
    .map((instance) => ({instance, row: instanceInformation(instance)}))
    .filter(({instance, row}) =>
      filters.every((f) => (f.Key === 'tag-key' ? (f.Values ?? []).some((k) => k in instance.tags) : passesFilter(informationValue(instance, row, f.Key), f))),
    )
    .map(({instance, row}) => ({...row, LastPingDateTime: new Date(), IsLatestVersion: true, SourceId: instance.instanceId, SourceType: 'AWS::EC2::Instance'}))
  const {items, NextToken} = onePage(described, input)
  return {InstanceInformationList: items as InstanceInformation[], NextToken}
}

/** The rows of one type of an instance's inventory that pass every filter on attributes of that type. */
const rowsPassing = (rows: Row[], typeName: string, filters: {Key?: string; Values?: string[]; Type?: string}[]) =>
  rows.filter((row) => filters.filter((f) => f.Key?.startsWith(`${typeName}.`)).every((f) => passesFilter(row[f.Key!.slice(typeName.length + 1)], f)))

export async function listInventoryEntries(ctx: StandInContext, input: ListInventoryEntriesCommandInput): Promise<Partial<ListInventoryEntriesCommandOutput>> {
  const [instance] = await managedInstances(ctx, [input.InstanceId!])
  const rows = instance ? (inventoryOf(instance)[input.TypeName!] ?? []) : []
  const entries = rows.filter((row) => (input.Filters ?? []).every((f) => passesFilter(row[f.Key!], f)))
  const {items, NextToken} = onePage(entries, input)
  return {TypeName: input.TypeName, InstanceId: input.InstanceId, SchemaVersion: '1.0', CaptureTime: new Date().toISOString(), Entries: items, NextToken}
}

/** Entities of the managed instances: filters `Type.Attribute` keep instances with a passing row, and only such rows. */
export async function getInventory(ctx: StandInContext, input: GetInventoryCommandInput): Promise<Partial<GetInventoryCommandOutput>> {
  if (input.Aggregators?.length) throw new OpsctlError("The sandbox's SSM agent stand-in does not aggregate inventory; ask GetInventory without Aggregators.")
  const filters = input.Filters ?? []
  const wanted = input.ResultAttributes?.map((a) => a.TypeName!) ?? [INSTANCE_INFORMATION, APPLICATION]
  const filteredTypes = [...new Set(filters.map((f) => f.Key!.slice(0, f.Key!.lastIndexOf('.'))))]
  const entities: InventoryResultEntity[] = []
  for (const instance of await managedInstances(ctx)) {
    const inventory = Object.fromEntries(Object.entries(inventoryOf(instance)).map(([type, rows]) => [type, rowsPassing(rows, type, filters)]))
    if (filteredTypes.some((type) => (inventory[type] ?? []).length === 0)) continue
    const data = Object.entries(inventory).filter(([type, rows]) => wanted.includes(type) && rows.length > 0)
    if (data.length === 0) continue
    const captured = new Date().toISOString()
    entities.push({
      Id: instance.instanceId,
      Data: Object.fromEntries(data.map(([TypeName, Content]) => [TypeName, {TypeName, SchemaVersion: '1.0', CaptureTime: captured, Content}])),
    })
  }
  const {items, NextToken} = onePage(entities, input)
  return {Entities: items, NextToken}
}

/** Patch Manager's last scan, for instances tagged with counts (`Missing=2 Failed=0 InstalledPendingReboot=1`); the others do not use it. */
export async function describeInstancePatchStates(
  ctx: StandInContext,
  input: DescribeInstancePatchStatesCommandInput,
): Promise<Partial<DescribeInstancePatchStatesCommandOutput>> {
  const states: InstancePatchState[] = (await managedInstances(ctx, input.InstanceIds ?? []))
    .filter((instance) => instance.tags[STAND_IN_TAGS.patchState])
    .map((instance) => {
      const counts = Object.fromEntries(instance.tags[STAND_IN_TAGS.patchState].split(/\s+/).map((pair) => pair.split('=')))
      const count = (name: string) => Number(counts[name] ?? 0)
      return {
        InstanceId: instance.instanceId,
        PatchGroup: '',
        BaselineId: 'pb-0sandbox000000000',
        OperationStartTime: instance.launchTime ?? new Date(),
        OperationEndTime: instance.launchTime ?? new Date(),
        Operation: 'Scan',
        InstalledCount: count('Installed'),
        InstalledPendingRebootCount: count('InstalledPendingReboot'),
        MissingCount: count('Missing'),
        FailedCount: count('Failed'),
        NotApplicableCount: count('NotApplicable'),
      }
    })
  const {items, NextToken} = onePage(states, input)
  return {InstancePatchStates: items, NextToken}
}
