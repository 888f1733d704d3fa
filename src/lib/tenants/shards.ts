import type {RDSClient} from '@aws-sdk/client-rds'

import {mapWithLimit} from '../aws/paginate.js'
import {databasesTagged} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import {UsageError} from '../errors/errors.js'
import {allowedRegions, GLOBAL, locations, locationsOfRegion, type Product, productOf, regionDistance} from './catalogue.js'
import type {TenantStore} from './store.js'

/** The tags that make an RDS instance or Aurora cluster a shard: the product it holds, and how many tenants fit. */
export const SHARD_PRODUCT_TAG = 'opsctl:shard-product'
export const SHARD_CAPACITY_TAG = 'opsctl:shard-capacity'

/** A shard: a database that holds the data of many tenants of one product, each logically isolated. */
export interface Shard {
  id: string
  kind: 'instance' | 'cluster'
  region: string
  /** The location codes its region belongs to (empty for a region outside every location). */
  locations: string[]
  product: string
  capacity: number
  /** Tenants placed on it (from the tenant store). */
  tenants: number
  status?: string
  /** The KMS key its storage is encrypted with: the tenants' data keys are wrapped under it. */
  kmsKeyId?: string
}

export const hasRoom = (shard: Shard) => shard.tenants < shard.capacity

/** Every shard in the regions, with its fill; regions are read a few at a time. */
export async function discoverShards(session: AwsSession, store: TenantStore, regions: readonly string[], signal?: AbortSignal): Promise<Shard[]> {
  const {RDSClient} = await import('@aws-sdk/client-rds')
  const perRegion = await mapWithLimit(regions, 4, async (region) => shardsIn(session.inRegion(region).client(RDSClient), region, store, signal))
  return perRegion.flat().sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id))
}

async function shardsIn(rds: RDSClient, region: string, store: TenantStore, signal?: AbortSignal): Promise<Shard[]> {
  const databases = await databasesTagged(rds, SHARD_PRODUCT_TAG, signal)
  const fills =
    databases.length > 0
      ? await store.shardFills(
          databases.map((d) => d.id),
          signal,
        )
      : new Map<string, number>()
  return databases.map((d) => ({
    id: d.id,
    kind: d.kind,
    region,
    locations: locationsOfRegion(region),
    product: d.tags[SHARD_PRODUCT_TAG],
    capacity: Number(d.tags[SHARD_CAPACITY_TAG] ?? 0) || 0,
    tenants: fills.get(d.id) ?? 0,
    status: d.status,
    kmsKeyId: d.kmsKeyId,
  }))
}

const noRoom = (product: Product, regions: readonly string[]) => {
  const where = [...new Set(regions.flatMap(locationsOfRegion))].join('/')
  return new UsageError(
    `No ${product.name} shard in ${regions.join(' or ')}${where ? ` (${where})` : ''} has room for another tenant; add one: an RDS instance or Aurora cluster there tagged ${SHARD_PRODUCT_TAG}=${product.id} and ${SHARD_CAPACITY_TAG}=<tenants>.`,
    'NoShardRoom',
  )
}

/**
 * The shard a product of a tenant goes on: the least-filled shard of the product, with room, in the region the
 * product was given (and not one a lost race just filled).
 */
export function chooseShard(shards: readonly Shard[], product: Product, region: string, exclude: ReadonlySet<string> = new Set()): Shard {
  const candidates = shards.filter((s) => s.product === product.id && s.region === region && hasRoom(s) && !exclude.has(s.id))
  const chosen = [...candidates].sort((a, b) => a.tenants / a.capacity - b.tenants / b.capacity || a.id.localeCompare(b.id))[0]
  if (!chosen) throw noRoom(product, [region])
  return chosen
}

/**
 * The region each product of a tenant goes to: a fixed one, the location's when pinned, otherwise any region
 * with a shard of the product that has room; of those, the one nearest to `near` (where most users are). A product
 * with nowhere to go is refused before any change, naming where it looked and how to add a shard.
 */
export function placeProducts(products: readonly Product[], residency: string, shards: readonly Shard[], near?: string): Record<string, string> {
  const regions: Record<string, string> = {}
  for (const product of products) {
    const withRoom = [...new Set(shards.filter((s) => s.product === product.id && hasRoom(s)).map((s) => s.region))]
    const allowed = allowedRegions(product, residency, withRoom)
    const usable = allowed.filter((r) => withRoom.includes(r)).sort((a, b) => (near ? regionDistance(near, a) - regionDistance(near, b) : a.localeCompare(b)))
    if (usable.length === 0) throw noRoom(product, allowed.length > 0 ? allowed : ['any region'])
    regions[product.id] = usable[0]
  }
  return regions
}

/** The regions whose shards a placement looks at: the location's when pinned, otherwise every location's and the one asked to be near. */
export function candidateRegions(products: readonly string[], residency: string, near?: string): string[] {
  const fixed = products.flatMap((p) => productOf(p).fixedRegion ?? [])
  const pinned = residency === GLOBAL ? locations.flatMap((l) => l.regions) : [...locations.find((l) => l.code === residency)!.regions]
  return [...new Set([...pinned, ...fixed, ...(near ? [near] : [])])].sort()
}

/** A region whose shards could not be read (an opt-in region not enabled, no permission there), and why. */
export interface UnreadableRegion {
  region: string
  reason: string
}

/**
 * Every shard in the regions that could be read, and the regions that could not, each with why: one region that
 * cannot be read (an opt-in region not enabled for the account) does not hide the shards of the others. The tenant
 * store is checked first, so that a missing table is not taken for a region's problem.
 */
export async function surveyShards(
  session: AwsSession,
  store: TenantStore,
  regions: readonly string[],
  signal?: AbortSignal,
): Promise<{shards: Shard[]; unreadable: UnreadableRegion[]}> {
  await store.assertReady(signal)
  const unreadable: UnreadableRegion[] = []
  const readable = await mapWithLimit(regions, 4, (region) =>
    discoverShards(session, store, [region], signal).catch((error: Error) => {
      unreadable.push({region, reason: error.message})
      return []
    }),
  )
  return {shards: readable.flat(), unreadable: unreadable.sort((a, b) => a.region.localeCompare(b.region))}
}
