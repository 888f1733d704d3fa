import {callScope, withinCallScope} from '../../aws/call-log.js'
import {type AlarmsInventory, collectAlarms} from './alarms.js'
import {type CloudTrailInventory, collectCloudTrail} from './cloudtrail.js'
import type {CollectorContext} from './collector.js'
import {
  type ConfigDeliveryInventory,
  type ConfigInventory,
  type ConfigRulesInventory,
  collectConfig,
  collectConfigDelivery,
  collectConfigRules,
} from './config.js'
import {collectEbs, type EbsInventory} from './ebs.js'
import {collectIam, type IamInventory} from './iam.js'
import {collectKms, type KmsInventory} from './kms.js'
import {collectNetwork, type NetworkInventory} from './network.js'
import {collectRds, type RdsInventory} from './rds.js'
import {collectS3, type S3Inventory} from './s3.js'
import {collectSecrets, type SecretsInventory} from './secrets.js'
import {collectSsm, type SsmInventory} from './ssm.js'
import {collectDataKeys, collectTenants, type DataKeysInventory, type TenantsInventory} from './tenants.js'

/**
 * Everything the checks read about one region, fetched once and shared by all of them. Each collector
 * loads its AWS SDK client when it runs, so the checks' metadata (compliance list) stays light to load.
 */
export interface RegionInventory {
  rds: RdsInventory
  kms: KmsInventory
  cloudtrail: CloudTrailInventory
  config: ConfigInventory
  configDelivery: ConfigDeliveryInventory
  configRules: ConfigRulesInventory
  ssm: SsmInventory
  ebs: EbsInventory
  s3: S3Inventory
  tenants: TenantsInventory
  dataKeys: DataKeysInventory
  secrets: SecretsInventory
  alarms: AlarmsInventory
  iam: IamInventory
  network: NetworkInventory
}

const collectors: {[K in keyof RegionInventory]: (ctx: CollectorContext) => Promise<RegionInventory[K]>} = {
  rds: collectRds,
  kms: collectKms,
  cloudtrail: collectCloudTrail,
  config: collectConfig,
  configDelivery: collectConfigDelivery,
  configRules: collectConfigRules,
  ssm: collectSsm,
  ebs: collectEbs,
  s3: collectS3,
  tenants: collectTenants,
  dataKeys: collectDataKeys,
  secrets: collectSecrets,
  alarms: collectAlarms,
  iam: collectIam,
  network: collectNetwork,
}

export type InventoryOutcome = {[K in keyof RegionInventory]?: {value: RegionInventory[K]} | {error: Error}}

/** How the read of one inventory of one region is going, for a live view (the scan itself never prints). */
export interface InventoryProgress {
  region: string
  inventory: keyof RegionInventory
  state: 'reading' | 'read' | 'unreadable'
}

/**
 * Collects the named inventories of one region in parallel, each retrying transient errors until its deadline;
 * one that still cannot be read is reported, never thrown, and never taken for an empty inventory.
 */
export async function collectRegionInventory(
  ctx: CollectorContext,
  names: (keyof RegionInventory)[],
  deadlineMs: number,
  onProgress: (progress: InventoryProgress) => void = () => {},
): Promise<InventoryOutcome> {
  const outcome: InventoryOutcome = {}
  await Promise.all(
    names.map(async (inventory) => {
      onProgress({region: ctx.region, inventory, state: 'reading'})
      try {
        outcome[inventory] = {
          value: await withinCallScope({...callScope(), retryUntil: Date.now() + deadlineMs}, (): Promise<unknown> => collectors[inventory](ctx)),
        } as never
        onProgress({region: ctx.region, inventory, state: 'read'})
      } catch (error) {
        outcome[inventory] = {error: error as Error}
        onProgress({region: ctx.region, inventory, state: 'unreadable'})
      }
    }),
  )
  return outcome
}
