import {GLOBAL} from '../../tenants/catalogue.js'
import type {TenantContext} from '../../tenants/context.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../tenants/store.js'
import type {CollectorContext} from './collector.js'

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
    const location = {table: process.env.OPSCTL_TENANT_TABLE || DEFAULT_TENANT_TABLE, region: ctx.home.region}
    const store = await TenantStore.open(ctx.home, location)
    const tenants = await store.allTenants().catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return []
      throw error
    })
    const pinned = tenants.filter((t) => t.residency !== GLOBAL && t.status !== 'destroyed')
    const pinnedByShard = new Map<string, TenantContext[]>()
    for (const tenant of pinned) {
      for (const product of Object.values(tenant.products))
        if (product.shardId) pinnedByShard.set(product.shardId, [...(pinnedByShard.get(product.shardId) ?? []), tenant])
    }
    return {table: location.table, homeRegion: location.region, pinned, pinnedByShard}
  })
}
