import {GLOBAL} from '../../tenants/catalogue.js'
import type {TenantContext} from '../../tenants/context.js'
import type {DataKeyRecord} from '../../tenants/data-keys.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../tenants/store.js'
import type {CollectorContext} from './collector.js'

/** Where the tenant store is: OPSCTL_TENANT_TABLE, in the scan's home region. */
async function openStore(ctx: CollectorContext) {
  const location = {table: process.env.OPSCTL_TENANT_TABLE || DEFAULT_TENANT_TABLE, region: ctx.home.region}
  return {location, store: await TenantStore.open(ctx.home, location)}
}

/** An account without a tenant store has nothing in it. */
const noStore =
  <T>(empty: T) =>
  (error: Error): T => {
    if (error.name === 'ResourceNotFoundException') return empty
    throw error
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

/**
 * The tenant store, read once for the whole scan (it lives in the home region, whatever region is scanned).
 * An account without a tenant store has no pinned tenants.
 */
export function collectTenants(ctx: CollectorContext): Promise<TenantsInventory> {
  return ctx.once('tenants', async () => {
    const {location, store} = await openStore(ctx)
    const tenants = await store.allTenants().catch(noStore([]))
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

/** The tenants' current data keys, read once for the whole scan: a scan of the tenant store, page by page. */
export function collectDataKeys(ctx: CollectorContext): Promise<DataKeysInventory> {
  return ctx.once('dataKeys', async () => {
    const {store} = await openStore(ctx)
    const current: DataKeyRecord[] = []
    await store.scanDataKeys({}, (page) => current.push(...page.filter((key) => key.status === 'current'))).catch(noStore(undefined))
    return {homeRegion: ctx.home.region, current}
  })
}
