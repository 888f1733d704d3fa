import {putParameter} from '../aws/ssm.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {TENANT_LIFECYCLE_WORKFLOWS} from '../engine/workflow-names.js'
import {UsageError} from '../errors/errors.js'
import {productOf} from './catalogue.js'
import {assertProductChange, type ProductChange, type ProductState, type ProductStateName, productChanges, type TenantContext} from './context.js'
import {assertEventBus, deliverEventsStep, type TenantsContext} from './delivery.js'
import {ssmIn, tenantParameterPath} from './parameters.js'
import {placeOnShard} from './placement.js'
import {candidateRegions, discoverShards, placeProducts} from './shards.js'
import {changedBy, type EventType, type TenantChange, type TenantStore} from './store.js'

/*
 * The lifecycle of a tenant's products, one workflow per command: activate, suspend, unsuspend, deactivate, and a
 * licence update. Each checks before any change (the tenant, the product, the state machine, residency), changes the
 * tenant context and raises its event in one conditional write, and delivers the event.
 */

/** Which product of which tenant, and the bus its events go to. */
export interface ProductRequest {
  tenantId: string
  product: string
  eventBus: string
}

export interface ProductChangeRequest extends ProductRequest {
  change: ProductChange
  /** Activating a product the tenant does not have yet: its seats, and (not pinned) the region its users are nearest to. */
  seats?: number
  near?: string
}

export interface LicenceRequest extends ProductRequest {
  seats: number
  licence: 'active' | 'inactive'
}

export interface LifecycleContext<R extends ProductRequest> extends TenantsContext {
  request: R
}

/** The tenant, refused when it was destroyed (restore it first) or when the table is missing. */
export async function requireLiveTenant(store: TenantStore, tenantId: string, signal?: AbortSignal): Promise<TenantContext> {
  await store.assertReady(signal)
  const tenant = await store.require(tenantId, signal)
  if (tenant.status === 'destroyed')
    throw new UsageError(
      tenant.purgedAt
        ? `Tenant ${tenantId} was destroyed on ${tenant.destroyedAt} and purged on ${tenant.purgedAt}; nothing of it can change any more.`
        : `Tenant ${tenantId} was destroyed on ${tenant.destroyedAt}; bring it back first with "opsctl tenant restore ${tenantId}" (possible until ${tenant.graceUntil}).`,
      'TenantDestroyed',
    )
  return tenant
}

function requireProduct(tenant: TenantContext, product: string): ProductState {
  const state = tenant.products[product]
  if (!state)
    throw new UsageError(
      `Tenant ${tenant.tenantId} has no ${product} (its products: ${Object.keys(tenant.products).join(', ')}); add it with "opsctl tenant activate ${tenant.tenantId} --product ${product}".`,
      'NoSuchProduct',
    )
  return state
}

/** What the checks found: the product's state before the change ('none' when the tenant does not have it yet), its region and seats. */
interface ProductBefore {
  from: ProductStateName | 'none'
  region: string
  seats: number
}

export type ProductChangeContext = LifecycleContext<ProductChangeRequest>

/**
 * The checks, before any change: the tenant is there and not destroyed, and the change is allowed from the product's
 * state. A product the tenant does not have yet can only be activated: it gets a region like a provision's (its
 * residency, or nearest to --near or to its other products) with a shard that has room, else it is refused here.
 */
export const checkProductChangeStep: Step<ProductChangeContext, ProductBefore> = {
  id: 'check-change',
  title: "Check the change: the tenant, the product's current state, and (a new product) its region and a shard with room",
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: false,
  async run({request, store, session, eventbridge}, io) {
    const tenant = await requireLiveTenant(store, request.tenantId, io.signal)
    await assertEventBus(eventbridge, request.eventBus, io.signal)
    const current = tenant.products[request.product]
    if (current) {
      assertProductChange(tenant.tenantId, request.product, current.state, request.change)
      return {from: current.state, region: current.region, seats: current.seats}
    }
    if (request.change !== 'activate') requireProduct(tenant, request.product)
    const near = request.near ?? Object.values(tenant.products)[0]?.region
    const shards = await discoverShards(session, store, candidateRegions([request.product], tenant.residency, near), io.signal)
    const regions = placeProducts([productOf(request.product)], tenant.residency, shards, near)
    return {from: 'none', region: regions[request.product], seats: request.seats ?? 1}
  },
}

/** The event of a product's change, with its seats and licence as they are after it. */
const productEvent = (detailType: EventType, product: string, state: ProductState) => ({
  detailType,
  product,
  seats: state.seats,
  licenceStatus: state.licence,
})

/**
 * The change itself, in one conditional write of the context with its event (a new product: with its placement on a
 * shard and its data key). A product already in the target state (an earlier attempt of this run, whose answer was
 * lost) is left as it is; a state another change left that no longer allows it is refused, nothing written.
 */
export const changeProductStep: Step<ProductChangeContext, ProductChanged> = {
  id: 'change-product',
  title: "Change the product's state in the tenant context and raise its event",
  actions: ['dynamodb:TransactWriteItems', 'dynamodb:GetItem', 'kms:GenerateDataKeyWithoutPlaintext', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: true,
  async run(ctx, io) {
    const {request} = ctx
    const before = io.outputOf(checkProductChangeStep)!
    const {to} = productChanges[request.change]
    const changed = {tenantId: request.tenantId, product: request.product, from: before.from, to, region: before.region}
    if (before.from === 'none') {
      const placement = await placeOnShard(ctx, io, {tenantId: request.tenantId, product: request.product, region: before.region}, (latest, where) =>
        latest.products[request.product] ? undefined : newProductChange(latest, request, io, {...where, region: before.region, seats: before.seats}),
      )
      return {...changed, version: (await ctx.store.require(request.tenantId, io.signal)).version, shardId: placement.shardId}
    }
    const tenant = await ctx.store.change(
      request.tenantId,
      (latest) => {
        const current = requireProduct(latest, request.product)
        if (current.state === to) return undefined
        assertProductChange(latest.tenantId, request.product, current.state, request.change)
        const next: ProductState = {...current, state: to}
        return {
          context: {...latest, ...changedBy(io, 'change-product'), products: {...latest.products, [request.product]: next}},
          events: [productEvent(productChanges[request.change].event, request.product, next)],
        }
      },
      `${io.runId}#change-product`,
      io.signal,
    )
    return {...changed, version: tenant.version}
  },
}

/**
 * A product new to the tenant: its metadata in Parameter Store in its region, as a provision stores it, from what the
 * change recorded. After the change, which it keeps: written again on --resume, it never undoes the change.
 */
export const storeProductParametersStep: Step<ProductChangeContext, {written: string[]}> = {
  id: 'store-configuration',
  title: "Store a new product's metadata (region, seats) in Parameter Store in its region",
  actions: ['ssm:PutParameter'],
  mutates: true,
  keepsEarlierSteps: true,
  async run(ctx, io) {
    const before = io.outputOf(checkProductChangeStep)!
    if (before.from !== 'none') return {written: []}
    const ssm = await ssmIn(ctx.session, before.region)
    const path = tenantParameterPath(ctx.request.tenantId, ctx.request.product)
    const values = {region: before.region, seats: String(before.seats)}
    for (const [key, value] of Object.entries(values)) await putParameter(ssm, {name: `${path}${key}`, value, secure: false}, io.signal)
    return {written: Object.keys(values).map((key) => `${ctx.request.product}/${key}`)}
  },
}

function newProductChange(
  latest: TenantContext,
  request: ProductChangeRequest,
  io: StepIO,
  where: {shardId: string; database: string; region: string; seats: number},
): TenantChange {
  const state: ProductState = {state: 'active', licence: 'active', ...where}
  const keys = ['region', 'seats'].map((key) => `${request.product}/${key}`)
  return {
    context: {
      ...latest,
      ...changedBy(io, 'change-product'),
      products: {...latest.products, [request.product]: state},
      configKeys: [...new Set([...latest.configKeys, ...keys])],
    },
    events: [productEvent('Product Activated', request.product, state)],
  }
}

/** What a product change did: the product's state before ('none': new to the tenant) and after, and the context version it made. */
export interface ProductChanged {
  tenantId: string
  product: string
  from: ProductStateName | 'none'
  to: ProductStateName
  region: string
  version: number
  /** A new product: the shard it was placed on. */
  shardId?: string
}

export interface ProductChangeOutcome extends ProductChanged {
  eventsDelivered: number
}

const deliverStep = <C extends LifecycleContext<ProductRequest>>() => deliverEventsStep<C>((ctx) => ctx.request)
const deliverChangeEventsStep = deliverStep<ProductChangeContext>()

/** `opsctl tenant activate|suspend|unsuspend|deactivate`: one workflow per change, named after it (tenant-suspend, …). */
export function productChangeWorkflow(change: ProductChange): Workflow<ProductChangeContext, ProductChangeOutcome> {
  return {
    name: TENANT_LIFECYCLE_WORKFLOWS[change],
    steps: [checkProductChangeStep, changeProductStep, storeProductParametersStep, deliverChangeEventsStep],
    outcome: (outputOf) => ({...outputOf(changeProductStep)!, eventsDelivered: outputOf(deliverChangeEventsStep)!.delivered}),
  }
}

type LicenceContext = LifecycleContext<LicenceRequest>

/** A licence as it was before the update: the product's seats, licence state and region. */
interface LicenceBefore {
  region: string
  seats: number
  licence: 'active' | 'inactive'
}

export const checkLicenceStep: Step<LicenceContext, LicenceBefore> = {
  id: 'check-licence',
  title: 'Check the licence update: the tenant and its product',
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem'],
  mutates: false,
  async run({request, store, eventbridge}, io) {
    const {region, seats, licence} = requireProduct(await requireLiveTenant(store, request.tenantId, io.signal), request.product)
    await assertEventBus(eventbridge, request.eventBus, io.signal)
    return {region, seats, licence}
  },
}

const seatsParameter = (request: ProductRequest) => `${tenantParameterPath(request.tenantId, request.product)}seats`

export interface LicenceUpdated extends LicenceBefore {
  tenantId: string
  product: string
  before: {seats: number; licence: 'active' | 'inactive'}
  version: number
}

/** The seats and licence state in the context, with a License Updated event, in one conditional write. */
export const updateLicenceStep: Step<LicenceContext, LicenceUpdated> = {
  id: 'update-licence',
  title: "Update the product's seats and licence state in the tenant context and raise License Updated",
  actions: ['dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run(ctx, io) {
    const {request} = ctx
    const before = io.outputOf(checkLicenceStep)!
    const tenant = await ctx.store.change(
      request.tenantId,
      (latest) => {
        const current = requireProduct(latest, request.product)
        // Nothing to change: this run's earlier attempt (its answer lost) or another run made it already.
        if (current.seats === request.seats && current.licence === request.licence) return undefined
        const next: ProductState = {...current, seats: request.seats, licence: request.licence}
        return {
          context: {...latest, ...changedBy(io, 'update-licence'), products: {...latest.products, [request.product]: next}},
          events: [productEvent('License Updated', request.product, next)],
        }
      },
      `${io.runId}#update-licence`,
      io.signal,
    )
    return {
      tenantId: request.tenantId,
      product: request.product,
      region: before.region,
      seats: request.seats,
      licence: request.licence,
      before: {seats: before.seats, licence: before.licence},
      version: tenant.version,
    }
  },
}

/** The seats in Parameter Store in the product's region, where its services read them: after the update, which it keeps (--resume writes them). */
export const storeSeatsStep: Step<LicenceContext, {seats: number}> = {
  id: 'store-seats',
  title: "Store the product's seats in Parameter Store in its region",
  actions: ['ssm:PutParameter'],
  mutates: true,
  keepsEarlierSteps: true,
  async run(ctx, io) {
    const {region} = io.outputOf(checkLicenceStep)!
    await putParameter(await ssmIn(ctx.session, region), {name: seatsParameter(ctx.request), value: String(ctx.request.seats), secure: false}, io.signal)
    return {seats: ctx.request.seats}
  },
}

const deliverLicenceEventsStep = deliverStep<LicenceContext>()

/** `opsctl tenant license`: a product's seats and licence state. */
export const licenceWorkflow: Workflow<LicenceContext, LicenceUpdated & {eventsDelivered: number}> = {
  name: TENANT_LIFECYCLE_WORKFLOWS.license,
  steps: [checkLicenceStep, updateLicenceStep, storeSeatsStep, deliverLicenceEventsStep],
  outcome: (outputOf) => ({...outputOf(updateLicenceStep)!, eventsDelivered: outputOf(deliverLicenceEventsStep)!.delivered}),
}
