import {GLOBAL} from '../../tenants/catalogue.js'
import type {TenantContext} from '../../tenants/context.js'
import type {DataKeyRecord} from '../../tenants/data-keys.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../tenants/store.js'
import type {CollectorContext} from './collector.js'

/**
 * The tenant store's contexts and data keys, read in one scan for the whole scan, whichever of its checks run (it
 * lives in the home region, whatever region is scanned). An account without a tenant store has nothing in it.
 */
function readStore(ctx: CollectorContext) {
  return ctx.once('tenantStore', async () => {
    const location = {table: process.env.OPSCTL_TENANT_TABLE || DEFAULT_TENANT_TABLE, region: ctx.home.region}
    const store = await TenantStore.open(ctx.home, location)
    const {tenants, dataKeys} = await store.contextsAndDataKeys().catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return {tenants: [], dataKeys: []}
      throw error
    })
    return {location, tenants, dataKeys}
  })
}

export interface TenantsInventory {
  /** Where the tenant store is (OPSCTL_TENANT_TABLE, in the scan's home region). */
  table: string
  homeRegion: string
  /** Tenants pinned to a location (not destroyed). */
  pinned: TenantContext[]
  /** Shard id → the pinned tenants placed on it. */
  pinnedByShard: Map<string, TenantContext[]>
}

export function collectTenants(ctx: CollectorContext): Promise<TenantsInventory> {
  return ctx.once('tenants', async () => {
    const {location, tenants} = await readStore(ctx)
    const pinned = tenants.filter((t) => t.residency !== GLOBAL && t.status !== 'destroyed')
    const pinnedByShard = new Map<string, TenantContext[]>()
    for (const tenant of pinned) {
      for (const product of Object.values(tenant.products))
        if (product.shardId) pinnedByShard.set(product.shardId, [...(pinnedByShard.get(product.shardId) ?? []), tenant])
    }
    return {table: location.table, homeRegion: location.region, pinned, pinnedByShard}
  })
}

export interface DataKeysInventory {
  homeRegion: string
  /** Every tenant's current data key (decrypt-only ones encrypt nothing, so no usage limit applies to them). */
  current: DataKeyRecord[]
}

export function collectDataKeys(ctx: CollectorContext): Promise<DataKeysInventory> {
  return ctx.once('dataKeys', async () => {
    const {location, dataKeys} = await readStore(ctx)
    return {homeRegion: location.region, current: dataKeys.filter((key) => key.status === 'current')}
  })
}
