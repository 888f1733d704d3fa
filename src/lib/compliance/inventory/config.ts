import type {
  ComplianceByConfigRule,
  ConfigurationRecorder,
  ConfigurationRecorderStatus,
  DeliveryChannel,
  DeliveryChannelStatus,
} from '@aws-sdk/client-config-service'

import {collectPages} from '../../aws/paginate.js'
import type {CollectorContext} from './collector.js'

export interface ConfigInventory {
  recorders: ConfigurationRecorder[]
  recorderStatuses: ConfigurationRecorderStatus[]
  channels: DeliveryChannel[]
}

export interface ConfigDeliveryInventory {
  channelStatuses: DeliveryChannelStatus[]
}

export interface ConfigRulesInventory {
  rules: ComplianceByConfigRule[]
}

export async function collectConfig({session}: CollectorContext): Promise<ConfigInventory> {
  const {ConfigServiceClient, DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand, DescribeDeliveryChannelsCommand} =
    await import('@aws-sdk/client-config-service')
  const client = session.client(ConfigServiceClient)
  const [recorders, recorderStatuses, channels] = await Promise.all([
    client.send(new DescribeConfigurationRecordersCommand({})).then((r) => r.ConfigurationRecorders ?? []),
    client.send(new DescribeConfigurationRecorderStatusCommand({})).then((r) => r.ConfigurationRecordersStatus ?? []),
    client.send(new DescribeDeliveryChannelsCommand({})).then((r) => r.DeliveryChannels ?? []),
  ])
  return {recorders, recorderStatuses, channels}
}

/** Kept apart: the delivery status says whether history reaches S3, which only the channel check needs. */
export async function collectConfigDelivery({session}: CollectorContext): Promise<ConfigDeliveryInventory> {
  const {ConfigServiceClient, DescribeDeliveryChannelStatusCommand} = await import('@aws-sdk/client-config-service')
  const {DeliveryChannelsStatus = []} = await session.client(ConfigServiceClient).send(new DescribeDeliveryChannelStatusCommand({}))
  return {channelStatuses: DeliveryChannelsStatus}
}

/** Kept apart from the recorder inventory: a region without Config rules still has a recorder to judge. */
export async function collectConfigRules({session}: CollectorContext): Promise<ConfigRulesInventory> {
  const {ConfigServiceClient, paginateDescribeComplianceByConfigRule} = await import('@aws-sdk/client-config-service')
  const pages = paginateDescribeComplianceByConfigRule({client: session.client(ConfigServiceClient)}, {})
  return {rules: await collectPages(pages, (p) => p.ComplianceByConfigRules)}
}
