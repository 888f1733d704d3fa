import type {AwsSession} from '../aws/session.js'
import {closest} from '../errors/did-you-mean.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {GLOBAL, locationOf, locations, productOf} from './catalogue.js'
import {type ProductState, productStates, type TenantContext, type TenantStatus} from './context.js'
import {hasRoom, type Shard, surveyShards, type UnreadableRegion} from './shards.js'
import type {EventDetail, EventType, TenantEvent, TenantStore} from './store.js'

/*
 * Reading the tenant store: what "opsctl tenant show|list|events|shards" show, as values the commands render and
 * return as --json. Nothing here writes.
 */

/** How many of a tenant's latest events its view shows. */
export const RECENT_EVENTS = 10

/** An event of a tenant's log and where it is: delivered (when, under which EventBridge id) or in the outbox. */
export interface EventView {
  detailType: EventType
  detail: EventDetail
  createdAt: string
  delivered: boolean
  deliveredAt?: string
  eventBridgeId?: string
  eventBus?: string
}

export interface EventLog {
  tenantId: string
  /** Oldest first. */
  events: EventView[]
  /** How many of them wait in the outbox. */
  inOutbox: number
}

export interface ProductView extends ProductState {
  product: string
}

export interface TenantView {
  tenantId: string
  site: string
  residency: string
  status: TenantStatus
  version: number
  createdAt: string
  updatedAt: string
  provisionedBy: string
  lastRunId: string
  destroyedAt?: string
  graceUntil?: string
  purgedAt?: string
  products: ProductView[]
  apps: string[]
  features: string[]
  configKeys: string[]
  /** The latest RECENT_EVENTS of the log, oldest first, and how many it holds and how many wait in the outbox. */
  events: {total: number; inOutbox: number; recent: EventView[]}
}

/** A tenant as a line of a list. */
export type TenantSummary = Pick<TenantView, 'tenantId' | 'site' | 'residency' | 'status' | 'version' | 'updatedAt' | 'products'>

export interface TenantListing {
  tenants: TenantSummary[]
  /** With a shard filter: how many pages of the byShard index the query read. */
  pages?: number
}

/** What `tenant list` keeps; every value checked against the catalogue before any AWS call. */
export interface TenantFilter {
  product?: string
  shard?: string
  /** A location code, or "global" for the tenants not pinned to one. */
  location?: string
  /** A tenant status or a product state. */
  status?: string
}

export interface ShardView extends Shard {
  hasRoom: boolean
}

export interface ShardListing {
  /** The regions looked in: those of every location, or of the one asked for. */
  regions: string[]
  shards: ShardView[]
  unreadableRegions: UnreadableRegion[]
}

/**
 * Every tenant status, for --status. A record, so that a status added to TenantStatus must be added here too.
 */
const tenantStatuses = Object.keys({provisioning: 0, active: 0, destroyed: 0} satisfies Record<TenantStatus, 0>)
const statuses = [...new Set([...tenantStatuses, ...productStates])]

/** The flags of `tenant list` as a filter: an unknown product, location or status is refused in one sentence. */
export function tenantFilter(given: TenantFilter): TenantFilter {
  const {product, location, status} = given
  if (status !== undefined && !statuses.includes(status)) {
    const near = closest(status, statuses)
    throw new UsageError(
      `Unknown status "${status}"${near ? ` (did you mean ${near}?)` : ''}; a tenant's status is ${tenantStatuses.join(', ')}, a product's state ${productStates.join(', ')}.`,
      'UnknownStatus',
    )
  }
  return {
    product: product === undefined ? undefined : productOf(product).id,
    shard: given.shard,
    location: location === undefined ? undefined : location.toLowerCase() === GLOBAL ? GLOBAL : locationOf(location).code,
    status,
  }
}

/** The product and location of `tenant shards`, checked against the catalogue. */
export function shardFilter(given: {product?: string; location?: string}): {product?: string; location?: string} {
  return {
    product: given.product === undefined ? undefined : productOf(given.product).id,
    location: given.location === undefined ? undefined : locationOf(given.location).code,
  }
}

/** The tenant's context, or a refusal: no such tenant, or no table. */
export function requireTenant(store: TenantStore, tenantId: string, signal?: AbortSignal): Promise<TenantContext> {
  return reading(store, () => store.require(tenantId, signal), signal)
}

/** The tenant-specific view: its context, its products one by one, and its latest events with their delivery. */
export async function tenantView(store: TenantStore, tenantId: string, signal?: AbortSignal): Promise<TenantView> {
  const {context, events} = await contextWithEvents(store, tenantId, signal)
  const {createdAt, provisionedBy, lastRunId, destroyedAt, graceUntil, purgedAt, apps, features, configKeys} = context
  return {
    ...summaryOf(context),
    ...{createdAt, provisionedBy, lastRunId, destroyedAt, graceUntil, purgedAt, apps, features, configKeys},
    events: {total: events.length, inOutbox: outboxSize(events), recent: events.slice(-RECENT_EVENTS)},
  }
}

/** The tenant's whole event log, oldest first, with the delivery of each event. */
export async function eventLog(store: TenantStore, tenantId: string, signal?: AbortSignal): Promise<EventLog> {
  const {events} = await contextWithEvents(store, tenantId, signal)
  return {tenantId, events, inOutbox: outboxSize(events)}
}

/**
 * The tenants that pass the filter, by tenant id. A shard filter queries the byShard index (never a scan) and reads
 * the contexts of the tenants it names; the other filters scan the contexts.
 */
export async function listTenants(store: TenantStore, filter: TenantFilter, signal?: AbortSignal): Promise<TenantListing> {
  return reading(
    store,
    async () => {
      if (filter.shard === undefined) return {tenants: (await store.allTenants(signal)).filter(passes(filter)).map(summaryOf)}
      const {tenantIds, pages} = await store.tenantsOnShard(filter.shard, signal)
      const contexts = await store.contexts(tenantIds, signal)
      const tenants = tenantIds.flatMap((id) => contexts.get(id) ?? [])
      return {tenants: tenants.filter(passes(filter)).map(summaryOf), pages}
    },
    signal,
  )
}

/** The shards in the regions of every location (or of one), with their fill, of every product (or of one). */
export async function listShards(
  session: AwsSession,
  store: TenantStore,
  filter: {product?: string; location?: string},
  signal?: AbortSignal,
): Promise<ShardListing> {
  const chosen = filter.location === undefined ? locations : [locationOf(filter.location)]
  const regions = [...new Set(chosen.flatMap((l) => l.regions))].sort()
  const {shards, unreadable} = await surveyShards(session, store, regions, signal)
  return {
    regions,
    shards: shards.filter((s) => filter.product === undefined || s.product === filter.product).map((s) => ({...s, hasRoom: hasRoom(s)})),
    unreadableRegions: unreadable,
  }
}

/** A listing that lacks the shards of some region is a scan that could not read all it needed (exit 1), the listing attached. */
export function assertEveryRegionRead(listing: ShardListing): void {
  if (listing.unreadableRegions.length === 0) return
  const error = new OpsctlError(
    `Could not read the shards in ${listing.unreadableRegions.map((u) => `${u.region} (${u.reason})`).join('; ')}, so the list lacks them; check that the region is enabled for the account and readable with these credentials, or narrow the list with --location.`,
    ExitCode.WorkflowFailed,
    'RegionsUnreadable',
  )
  error.result = listing
  throw error
}

async function contextWithEvents(store: TenantStore, tenantId: string, signal?: AbortSignal): Promise<{context: TenantContext; events: EventView[]}> {
  const [context, events] = await reading(store, () => Promise.all([store.require(tenantId, signal), store.events(tenantId, signal)]), signal)
  return {context, events: events.map(eventView)}
}

/** A read of the store; a missing table is refused the way assertReady refuses it (looked up only once a read failed). */
async function reading<T>(store: TenantStore, read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') await store.assertReady(signal)
    throw error
  }
}

const eventView = ({detailType, detail, createdAt, deliveredAt, eventBridgeId, eventBus}: TenantEvent): EventView => ({
  detailType,
  detail,
  createdAt,
  delivered: deliveredAt !== undefined,
  deliveredAt,
  eventBridgeId,
  eventBus,
})

const outboxSize = (events: EventView[]) => events.filter((e) => !e.delivered).length

const productViews = (context: TenantContext): ProductView[] => Object.entries(context.products).map(([product, state]) => ({product, ...state}))

const summaryOf = (context: TenantContext): TenantSummary => {
  const {tenantId, site, residency, status, version, updatedAt} = context
  return {tenantId, site, residency, status, version, updatedAt, products: productViews(context)}
}

/** Whether a tenant passes the filter; a status matches the tenant's, or the state of one of its products (the --product one when given). */
const passes =
  (filter: TenantFilter) =>
  (context: TenantContext): boolean => {
    const products = Object.entries(context.products).filter(([id]) => filter.product === undefined || id === filter.product)
    return (
      (filter.product === undefined || products.length > 0) &&
      (filter.shard === undefined || products.some(([, p]) => p.shardId === filter.shard)) &&
      (filter.location === undefined || context.residency === filter.location) &&
      (filter.status === undefined || (filter.product === undefined && context.status === filter.status) || products.some(([, p]) => p.state === filter.status))
    )
  }
