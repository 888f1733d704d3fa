import type {TransactItem} from '../aws/dynamodb.js'
import {ConditionsFailed} from '../aws/dynamodb.js'
import {deleteParametersUnder} from '../aws/ssm.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {TENANT_LIFECYCLE_WORKFLOWS} from '../engine/workflow-names.js'
import {RefusedWriteError, UsageError} from '../errors/errors.js'
import {DAY_MS} from '../time/clock.js'
import type {ProductState, ProductStateName, TenantContext} from './context.js'
import {assertEventBus, deliverEventsStep, type TenantsContext} from './delivery.js'
import {requireLiveTenant} from './lifecycle.js'
import {ssmIn, tenantParameterPath} from './parameters.js'
import {discoverShards, hasRoom} from './shards.js'
import {changedBy, dataKeyKey, type EventType, placementKey, seatGivenBack, shardFillKey, siteKey, type TenantStore, tenantKey} from './store.js'

/*
 * Destroy loses nothing by accident: the tenant is marked destroyed, its products deactivated, its shard seats given
 * back and its events sent, but its data keys, configuration, identity and site stay for a grace period, during which
 * `opsctl tenant restore` brings it back as it was. `opsctl tenant purge` then deletes what is past its grace period;
 * deleting the wrapped data keys is the crypto-shredding of the tenant's data.
 */

export interface TenantRequest {
  tenantId: string
  eventBus: string
}

export interface DestroyRequest extends TenantRequest {
  graceDays: number
}

interface DestroyContext extends TenantsContext {
  request: DestroyRequest
}

interface RestoreContext extends TenantsContext {
  request: TenantRequest
}

/** The tenant's products that hold a shard seat, with their shard. */
const placedProducts = (tenant: TenantContext) =>
  Object.entries(tenant.products).flatMap(([product, state]) => (state.shardId ? [{product, shardId: state.shardId}] : []))

export const checkDestroyStep: Step<DestroyContext, {site: string; products: string[]; seats: {product: string; shardId: string}[]}> = {
  id: 'check-destroy',
  title: 'Check the tenant is there and not destroyed already',
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem'],
  mutates: false,
  async run({request, store, eventbridge}, io) {
    const tenant = await requireLiveTenant(store, request.tenantId, io.signal)
    await assertEventBus(eventbridge, request.eventBus, io.signal)
    return {site: tenant.site, products: Object.keys(tenant.products), seats: placedProducts(tenant)}
  },
}

/** A seat given back: the shard's fill down by one, and the placement out of the byShard index (kept, with its shard, for a restore). */
function releaseSeat(table: string, tenantId: string, placed: {product: string; shardId: string}): TransactItem[] {
  return [
    seatGivenBack(table, placed.shardId),
    {
      Update: {
        TableName: table,
        Key: placementKey(tenantId, placed.product),
        UpdateExpression: 'REMOVE shardKey SET releasedFrom = :shard',
        ConditionExpression: 'attribute_exists(shardKey)',
        ExpressionAttributeValues: {':shard': placed.shardId},
      },
    },
  ]
}

/** A seat taken back on restore: refused when the shard filled up meanwhile. */
function retakeSeat(table: string, tenantId: string, placed: {product: string; shardId: string}): TransactItem[] {
  return [
    {
      Update: {
        TableName: table,
        Key: shardFillKey(placed.shardId),
        UpdateExpression: 'SET #tenants = #tenants + :one',
        ConditionExpression: '#tenants < #capacity',
        ExpressionAttributeNames: {'#tenants': 'tenants', '#capacity': 'capacity'},
        ExpressionAttributeValues: {':one': 1},
      },
    },
    {
      Update: {
        TableName: table,
        Key: placementKey(tenantId, placed.product),
        UpdateExpression: 'SET shardKey = :key REMOVE releasedFrom',
        ConditionExpression: 'attribute_exists(releasedFrom)',
        ExpressionAttributeValues: {':key': `SHARD#${placed.shardId}`},
      },
    },
  ]
}

const isLive = (state: ProductStateName) => state === 'active' || state === 'suspended'

/**
 * One conditional write: the context destroyed (each product's state kept for a restore, the grace period set), every
 * live product's Product Deactivated and the Tenant Destroyed events, and the shard seats given back.
 */
export const markDestroyedStep: Step<DestroyContext, {destroyedAt: string; graceUntil: string; seatsReleased: number}> = {
  id: 'mark-destroyed',
  title: 'Mark the tenant destroyed, deactivate its products and give back its shard seats (data keys and configuration are kept)',
  actions: ['dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run({request, store}, io) {
    const now = io.clock.now()
    const tenant = await store.change(
      request.tenantId,
      (latest) => {
        if (latest.status === 'destroyed') return undefined
        const products = mapStates(latest, (state) => ({...state, previousState: state.state, state: 'destroyed'}))
        const events: {detailType: EventType; product?: string; seats?: number; licenceStatus?: 'active' | 'inactive'}[] = [
          ...Object.entries(latest.products)
            .filter(([, state]) => isLive(state.state))
            .map(([product, state]) => ({detailType: 'Product Deactivated' as const, product, seats: state.seats, licenceStatus: state.licence})),
          {detailType: 'Tenant Destroyed'},
        ]
        return {
          context: {
            ...latest,
            ...changedBy(io, 'mark-destroyed'),
            status: 'destroyed',
            products,
            destroyedAt: new Date(now).toISOString(),
            graceUntil: new Date(now + request.graceDays * DAY_MS).toISOString(),
          },
          events,
          items: placedProducts(latest).flatMap((placed) => releaseSeat(store.table, request.tenantId, placed)),
        }
      },
      `${io.runId}#mark-destroyed`,
      io.signal,
    )
    return {destroyedAt: tenant.destroyedAt!, graceUntil: tenant.graceUntil!, seatsReleased: placedProducts(tenant).length}
  },
}

const mapStates = (tenant: TenantContext, change: (state: ProductState) => ProductState) =>
  Object.fromEntries(Object.entries(tenant.products).map(([product, state]) => [product, change(state)]))

const deliverDestroyEventsStep = deliverEventsStep<DestroyContext>((ctx) => ctx.request)

export interface DestroyOutcome {
  tenantId: string
  destroyedAt: string
  graceUntil: string
  seatsReleased: number
  eventsDelivered: number
}

/** `opsctl tenant destroy`: reversible until the grace period ends. */
export const destroyWorkflow: Workflow<DestroyContext, DestroyOutcome> = {
  name: TENANT_LIFECYCLE_WORKFLOWS.destroy,
  steps: [checkDestroyStep, markDestroyedStep, deliverDestroyEventsStep],
  outcome: (outputOf) => ({
    tenantId: outputOf(deliverDestroyEventsStep)!.tenantId,
    ...outputOf(markDestroyedStep)!,
    eventsDelivered: outputOf(deliverDestroyEventsStep)!.delivered,
  }),
}

/** A destroyed tenant that can still come back: not purged, and its grace period not over. */
async function requireRestorable(store: TenantStore, tenantId: string, now: number, signal: AbortSignal): Promise<TenantContext> {
  await store.assertReady(signal)
  const tenant = await store.require(tenantId, signal)
  if (tenant.status !== 'destroyed') throw new UsageError(`Tenant ${tenantId} is ${tenant.status}, not destroyed: there is nothing to restore.`, 'NotDestroyed')
  if (tenant.purgedAt) throw new UsageError(`Tenant ${tenantId} was purged on ${tenant.purgedAt}: its data keys are gone and it cannot be restored.`, 'Purged')
  if (Date.parse(tenant.graceUntil!) <= now)
    throw new UsageError(
      `The grace period of tenant ${tenantId} ended on ${tenant.graceUntil}, so it can no longer be restored; "opsctl tenant purge ${tenantId}" deletes it.`,
      'GraceOver',
    )
  return tenant
}

/** Every shard the tenant held a seat on still exists and has room for it again: otherwise refused, naming the shard and what to do. */
export const checkRestoreStep: Step<RestoreContext, {seats: {product: string; shardId: string}[]}> = {
  id: 'check-restore',
  title: 'Check the tenant can be restored: destroyed, within its grace period, and room on its shards again',
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: false,
  async run({request, store, session, eventbridge}, io) {
    const tenant = await requireRestorable(store, request.tenantId, io.clock.now(), io.signal)
    await assertEventBus(eventbridge, request.eventBus, io.signal)
    const seats = placedProducts(tenant)
    const regions = [...new Set(seats.map(({product}) => tenant.products[product].region))]
    const shards = await discoverShards(session, store, regions, io.signal)
    for (const {product, shardId} of seats) {
      const shard = shards.find((s) => s.id === shardId)
      if (!shard)
        throw new UsageError(
          `The ${product} data of tenant ${request.tenantId} is on shard ${shardId}, which is no longer a shard in ${tenant.products[product].region}; bring the shard back (or its opsctl:shard-product tag) before restoring.`,
          'ShardGone',
        )
      if (!hasRoom(shard)) throw new UsageError(noRoomOn(shardId, request.tenantId, product), 'NoShardRoom')
    }
    return {seats}
  },
}

const noRoomOn = (shardId: string, tenantId: string, product: string) =>
  `Shard ${shardId} has no room left for the ${product} data of tenant ${tenantId}; raise its opsctl:shard-capacity tag or free a seat, then restore again.`

/** Restored states raise their events again: a product active again is activated, a suspended one stays suspended. */
const restoreEvents: Partial<Record<ProductStateName, EventType>> = {active: 'Product Activated', suspended: 'Product Suspended'}

/** One conditional write: the context as it was before destroy, the seats taken back on the same shards, and the products' events. */
export const restoreTenantStep: Step<RestoreContext, {tenantId: string; products: Record<string, ProductStateName>; version: number}> = {
  id: 'restore-tenant',
  title: 'Restore the tenant: its products in the states they had, their shard seats taken back, and their events',
  actions: ['dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run({request, store}, io) {
    const {seats} = io.outputOf(checkRestoreStep)!
    const tenant = await store
      .change(
        request.tenantId,
        (latest) => {
          if (latest.status !== 'destroyed') return undefined
          const {destroyedAt: _destroyed, graceUntil: _grace, ...rest} = latest
          const products = mapStates(latest, ({previousState, ...state}) => ({...state, state: previousState ?? 'active'}))
          return {
            context: {...rest, ...changedBy(io, 'restore-tenant'), status: 'active', products},
            events: Object.entries(products).flatMap(([product, state]) => {
              const detailType = restoreEvents[state.state]
              return detailType ? [{detailType, product, seats: state.seats, licenceStatus: state.licence}] : []
            }),
            items: seats.flatMap((placed) => retakeSeat(store.table, request.tenantId, placed)),
          }
        },
        `${io.runId}#restore-tenant`,
        io.signal,
      )
      .catch((error) => {
        if (!(error instanceof ConditionsFailed)) throw error
        // Two items a seat, the shard's fill first: the first refused fill names the shard that filled up since the check.
        const full = seats[Math.floor(Math.min(...error.failed) / 2)]
        throw full ? new RefusedWriteError(noRoomOn(full.shardId, request.tenantId, full.product), 'NoShardRoom') : error
      })
    return {tenantId: request.tenantId, products: Object.fromEntries(Object.entries(tenant.products).map(([p, s]) => [p, s.state])), version: tenant.version}
  },
}

const deliverRestoreEventsStep = deliverEventsStep<RestoreContext>((ctx) => ctx.request)

/** `opsctl tenant restore`: a destroyed tenant back as it was, within its grace period. */
export const restoreWorkflow: Workflow<
  RestoreContext,
  {tenantId: string; products: Record<string, ProductStateName>; version: number; eventsDelivered: number}
> = {
  name: TENANT_LIFECYCLE_WORKFLOWS.restore,
  steps: [checkRestoreStep, restoreTenantStep, deliverRestoreEventsStep],
  outcome: (outputOf) => ({...outputOf(restoreTenantStep)!, eventsDelivered: outputOf(deliverRestoreEventsStep)!.delivered}),
}

export interface PurgeRequest {
  /** The tenants to purge; none: every destroyed tenant past its grace period. */
  tenantIds: string[]
}

interface PurgeContext extends TenantsContext {
  request: PurgeRequest
}

/** What a purge deletes of one tenant. */
export interface Purgeable {
  tenantId: string
  site: string
  graceUntil: string
  regions: string[]
  products: string[]
  /** How many wrapped data keys it has: each product's current one and every decrypt-only one rotation kept. */
  dataKeys: number
}

const purgeableOf = async (store: TenantStore, tenant: TenantContext, signal: AbortSignal): Promise<Purgeable> => ({
  tenantId: tenant.tenantId,
  site: tenant.site,
  graceUntil: tenant.graceUntil!,
  regions: [...new Set(Object.values(tenant.products).map((p) => p.region))].filter(Boolean).sort(),
  products: Object.keys(tenant.products),
  dataKeys: (await store.dataKeysOf(tenant.tenantId, signal)).keys.length,
})

/** The tenants to purge: the named ones, each refused unless destroyed and past its grace period; otherwise every such tenant. */
export const findPurgeableStep: Step<PurgeContext, {tenants: Purgeable[]}> = {
  id: 'find-purgeable',
  title: 'Find the destroyed tenants past their grace period',
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'],
  mutates: false,
  async run({request, store}, io) {
    await store.assertReady(io.signal)
    const now = io.clock.now()
    const pastGrace = (t: TenantContext) => t.status === 'destroyed' && !t.purgedAt && Date.parse(t.graceUntil!) <= now
    const found =
      request.tenantIds.length === 0
        ? (await store.allTenants(io.signal)).filter(pastGrace)
        : await requirePastGrace(store, request.tenantIds, pastGrace, io.signal)
    const tenants: Purgeable[] = []
    for (const tenant of found) tenants.push(await purgeableOf(store, tenant, io.signal))
    return {tenants}
  },
}

/** The named tenants, each refused unless past its grace period. */
async function requirePastGrace(store: TenantStore, tenantIds: string[], pastGrace: (t: TenantContext) => boolean, signal: AbortSignal) {
  const tenants: TenantContext[] = []
  for (const tenantId of tenantIds) {
    const tenant = await store.require(tenantId, signal)
    if (!pastGrace(tenant)) throw notPurgeable(tenant)
    tenants.push(tenant)
  }
  return tenants
}

function notPurgeable(tenant: TenantContext): UsageError {
  const why =
    tenant.status !== 'destroyed'
      ? `is ${tenant.status}; destroy it first ("opsctl tenant destroy ${tenant.tenantId}")`
      : tenant.purgedAt
        ? `was purged already on ${tenant.purgedAt}`
        : `is within its grace period until ${tenant.graceUntil} ("opsctl tenant restore ${tenant.tenantId}" can still bring it back); purge it after that`
  return new UsageError(`Tenant ${tenant.tenantId} ${why}.`, 'NotPurgeable')
}

/**
 * Per tenant: its configuration deleted from Parameter Store in every region of its products, then in one write its
 * wrapped data keys (crypto-shredding: what they encrypted can no longer be read), placements, identity and site
 * deleted and its context marked purged. Its event log stays, for the audit.
 */
export const purgeTenantsStep: Step<PurgeContext, {purged: {tenantId: string; parametersDeleted: number; dataKeysDeleted: number}[]}> = {
  id: 'purge-tenants',
  title: 'Delete their data keys (crypto-shredding), configuration, identity and site; keep their event logs',
  actions: ['ssm:GetParametersByPath', 'ssm:DeleteParameters', 'dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run(ctx, io) {
    const purged = []
    for (const tenant of io.outputOf(findPurgeableStep)!.tenants) purged.push(await purgeTenant(ctx, io, tenant))
    return {purged}
  },
}

async function purgeTenant(ctx: PurgeContext, io: StepIO, tenant: Purgeable) {
  let parametersDeleted = 0
  for (const region of tenant.regions)
    parametersDeleted += await deleteParametersUnder(await ssmIn(ctx.session, region), tenantParameterPath(tenant.tenantId), io.signal)
  const {table} = ctx.store
  // Every version of every data key: the decrypt-only ones first (any number of them, 25 a call), the current ones
  // with the context marked purged. A purge killed between the two deletes the rest when run again.
  const {keys} = await ctx.store.dataKeysOf(tenant.tenantId, io.signal)
  await ctx.store.deleteItems(
    keys.filter((key) => key.status === 'decrypt-only'),
    io.signal,
  )
  const deleted = [
    ...tenant.products.flatMap((product) => [dataKeyKey(tenant.tenantId, product), placementKey(tenant.tenantId, product)]),
    {pk: tenantKey(tenant.tenantId).pk, sk: 'IDENTITY'},
    siteKey(tenant.site),
  ]
  await ctx.store.change(
    tenant.tenantId,
    (latest) =>
      latest.purgedAt
        ? undefined
        : {
            context: {...latest, ...changedBy(io, `purge:${tenant.tenantId}`), purgedAt: new Date(io.clock.now()).toISOString()},
            items: deleted.map((Key) => ({Delete: {TableName: table, Key}})),
          },
    `${io.runId}#purge#${tenant.tenantId}`,
    io.signal,
  )
  return {tenantId: tenant.tenantId, parametersDeleted, dataKeysDeleted: tenant.dataKeys}
}

/** `opsctl tenant purge`: irreversible, so it asks first; nothing to undo. */
export const purgeWorkflow: Workflow<PurgeContext, {purged: {tenantId: string; parametersDeleted: number; dataKeysDeleted: number}[]}> = {
  name: TENANT_LIFECYCLE_WORKFLOWS.purge,
  steps: [findPurgeableStep, purgeTenantsStep],
  outcome: (outputOf) => outputOf(purgeTenantsStep)!,
}
