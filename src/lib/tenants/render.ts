import {table, truncate} from '../report/format.js'
import {GLOBAL, locations} from './catalogue.js'
import type {EventLog, EventView, ProductView, ShardListing, TenantListing, TenantView} from './views.js'

/*
 * The reading commands' views as a terminal shows them, within `width` columns: a column that does not fit is cut
 * with "…", the widest first; an id is never cut. --json has every value whole.
 */

const listed = (values: readonly string[]) => (values.length > 0 ? values.join(', ') : 'none')

const residencyOf = (residency: string) =>
  residency === GLOBAL
    ? 'not pinned to a location (its data lives near most of its users, and may move)'
    : `pinned to ${residency} (${locations.find((l) => l.code === residency)?.name ?? 'a location opsctl does not know'})`

/** `opsctl tenant show`: the context a line a value, its products, and its latest events with their delivery. */
export function renderTenant(view: TenantView, width: number): string {
  const {events} = view
  const destroyed = view.purgedAt
    ? [`Destroyed ${view.destroyedAt} and purged ${view.purgedAt}: its data keys, configuration and identity are gone; its event log stays.`]
    : view.destroyedAt
      ? [`Destroyed ${view.destroyedAt}; "opsctl tenant restore ${view.tenantId}" brings it back until ${view.graceUntil}, then it can be purged.`]
      : []
  return [
    ...[
      `Tenant ${view.tenantId}, site ${view.site}: ${view.status}; data ${residencyOf(view.residency)}.`,
      ...destroyed,
      `Created ${view.createdAt} by run ${view.provisionedBy}.`,
      `Version ${view.version}, updated ${view.updatedAt} by run ${view.lastRunId}.`,
      `Apps: ${listed(view.apps)}`,
      `Features: ${listed(view.features)}`,
      `Configuration keys (under /opsctl/tenants/${view.tenantId}/): ${listed(view.configKeys)}`,
    ].map((line) => truncate(line, width)),
    '',
    renderProducts(view.products, width),
    '',
    ...(events.total === 0
      ? ['No events.']
      : [
          `${events.total > events.recent.length ? `The last ${events.recent.length} of ${events.total} events` : `${events.total} event(s)`}: ${outbox(events.inOutbox)}.`,
          renderEvents(events.recent, width),
          ...deliverHint(view.tenantId, events.inOutbox),
        ]),
  ].join('\n')
}

function renderProducts(products: ProductView[], width: number): string {
  return table(
    ['PRODUCT', 'STATE', 'SEATS', 'LICENCE', 'REGION', 'SHARD', 'DATABASE'],
    products.map((p) => [p.product, p.state, String(p.seats), p.licence, p.region, p.shardId ?? '', p.database ?? '']),
    {width, columns: {PRODUCT: 10, SHARD: 12, DATABASE: 12}},
  )
}

/** `opsctl tenant events`: the whole log, oldest first. */
export function renderEventLog(log: EventLog, width: number): string {
  if (log.events.length === 0) return `Tenant ${log.tenantId} has no events.`
  return [renderEvents(log.events, width), '', `${log.events.length} event(s): ${outbox(log.inOutbox)}.`, ...deliverHint(log.tenantId, log.inOutbox)].join('\n')
}

const outbox = (inOutbox: number) => (inOutbox === 0 ? 'every one delivered' : `${inOutbox} in the outbox`)

const deliverHint = (tenantId: string, inOutbox: number) =>
  inOutbox === 0 ? [] : [`Send what is in the outbox with "opsctl tenant events ${tenantId} --deliver".`]

/** Event times to the second, so that an event's line fits: --json has them to the millisecond. */
const toSecond = (iso: string) => iso.replace(/\.\d+Z$/, 'Z')

/** What an event says beyond its type: the product, its seats and licence. */
const detailOf = ({detail}: EventView) =>
  [detail.product, detail.seats === undefined ? '' : `${detail.seats} seats`, detail.licenceStatus ? `licence ${detail.licenceStatus}` : '']
    .filter(Boolean)
    .join(', ')

function renderEvents(events: EventView[], width: number): string {
  return table(
    ['TIME', 'EVENT', 'DETAIL', 'DELIVERED', 'EVENTBRIDGE ID'],
    events.map((e) => [toSecond(e.createdAt), e.detailType, detailOf(e), e.deliveredAt ? toSecond(e.deliveredAt) : 'in the outbox', e.eventBridgeId ?? '']),
    {width, columns: {DETAIL: 16, 'EVENTBRIDGE ID': 14}},
  )
}

/** `opsctl tenant list`: a line a tenant, with its products and their state, and the regions of its data. */
export function renderTenantList(listing: TenantListing, width: number): string {
  const {tenants, pages} = listing
  const read = pages === undefined ? '' : ` (${pages} page${pages === 1 ? '' : 's'} of the byShard index read)`
  if (tenants.length === 0) return `No tenant matches${read}.`
  return [
    table(
      ['TENANT', 'SITE', 'STATUS', 'RESIDENCY', 'PRODUCTS', 'REGIONS'],
      tenants.map((t) => [
        t.tenantId,
        t.site,
        t.status,
        t.residency,
        t.products.map((p) => `${p.product} (${p.state})`).join(', '),
        [...new Set(t.products.map((p) => p.region).filter(Boolean))].join(', '),
      ]),
      {width, columns: {SITE: 8, PRODUCTS: 16, REGIONS: 12}},
    ),
    '',
    `${tenants.length} tenant${tenants.length === 1 ? '' : 's'}${read}.`,
  ].join('\n')
}

/** `opsctl tenant shards`: a line a shard, with its region and locations, fill and capacity, and status. */
export function renderShards(listing: ShardListing, width: number): string {
  if (listing.shards.length === 0)
    return `No shards in ${listing.regions.join(', ')}; a shard is an RDS instance or Aurora cluster tagged opsctl:shard-product=<product> and opsctl:shard-capacity=<tenants>.`
  return table(
    ['SHARD', 'PRODUCT', 'KIND', 'REGION', 'LOCATIONS', 'TENANTS', 'STATUS'],
    listing.shards.map((s) => [
      s.id,
      s.product,
      s.kind,
      s.region,
      s.locations.join(', '),
      `${s.tenants}/${s.capacity}${s.hasRoom ? '' : ' full'}`,
      s.status ?? '',
    ]),
    {width, columns: {PRODUCT: 10, LOCATIONS: 6}},
  )
}
