import {ConditionsFailed, type TransactItem} from '../aws/dynamodb.js'
import {deleteParametersUnder, putParameter} from '../aws/ssm.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {TENANT_PROVISION_WORKFLOW} from '../engine/workflow-names.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {registerSecret} from '../secrets/secrets.js'
import {productOf} from './catalogue.js'
import type {ProductState, TenantContext} from './context.js'
import {assertEventBus, deliverEventsStep, type TenantsContext} from './delivery.js'
import type {Identity} from './identity.js'
import {ssmIn, tenantParameterPath} from './parameters.js'
import {type Placement, placeOnShard} from './placement.js'
import {candidateRegions, discoverShards, placeProducts} from './shards.js'
import {changedBy, siteKey, tenantKey} from './store.js'

/** What a provision was asked for: the tenant, its site, its products and where they go. Recorded as the run's parameters. */
export interface ProvisionRequest {
  tenantId: string
  site: string
  products: string[]
  /** A location code the tenant is pinned to, or "global". */
  residency: string
  /** Without residency: the region nearest to most of its users. */
  near?: string
  seats: Record<string, number>
  apps: string[]
  identity?: Identity
  /** Configuration stored in Parameter Store (String), and secrets (SecureString, never shown). */
  config: Record<string, string>
  secrets: Record<string, string>
  eventBus: string
}

export interface ProvisionContext extends TenantsContext {
  request: ProvisionRequest
}

type ProvisionStep<O extends object> = Step<ProvisionContext, O>

/** Step 3 of the practices, done first: each product's region from residency or --near; a refusal here changes nothing. */
export const checkRequestStep: ProvisionStep<{regions: Record<string, string>}> = {
  id: 'check-request',
  title: "Check the request: the table, a free tenant id and site name, and each product's region (residency or --near) with a shard that has room",
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  mutates: false,
  async run(ctx, io) {
    const {request, store} = ctx
    await store.assertReady(io.signal)
    await assertEventBus(ctx.eventbridge, request.eventBus, io.signal)
    const existing = await store.get(request.tenantId, io.signal)
    // A resumed run finds the tenant it began; anyone else's is a refusal.
    if (existing && existing.provisionedBy !== io.runId)
      throw new UsageError(`Tenant ${request.tenantId} already exists (site ${existing.site}); choose another tenant id.`, 'TenantExists')
    const site = await store.getItem<{tenantId: string}>(siteKey(request.site), io.signal)
    if (site && site.tenantId !== request.tenantId)
      throw new UsageError(`The site name ${request.site} is taken by tenant ${site.tenantId}; choose another --site.`, 'SiteTaken')
    const shards = await discoverShards(ctx.session, store, candidateRegions(request.products, request.residency, request.near), io.signal)
    return {regions: placeProducts(request.products.map(productOf), request.residency, shards, request.near)}
  },
}

/** Step 1: the commerce metadata and licence state: the tenant context, status provisioning, and a Tenant Created event in the outbox. */
export const recordTenantStep: ProvisionStep<{version: number}> = {
  id: 'record-tenant',
  title: 'Record the tenant: its context with the licences bought (status provisioning) and a Tenant Created event in the outbox',
  actions: ['dynamodb:TransactWriteItems'],
  mutates: true,
  async run(ctx, io) {
    const {request} = ctx
    const now = new Date(io.clock.now()).toISOString()
    const products = Object.fromEntries(
      request.products.map((p): [string, ProductState] => [p, {state: 'pending', region: '', seats: request.seats[p] ?? 1, licence: 'active'}]),
    )
    const context = await ctx.store.create(
      {
        context: {
          tenantId: request.tenantId,
          site: request.site,
          residency: request.residency,
          status: 'provisioning',
          products,
          apps: [],
          features: [],
          configKeys: [],
          createdAt: now,
          provisionedBy: io.runId,
          ...changedBy(io, 'record-tenant'),
        },
        events: [{detailType: 'Tenant Created'}],
      },
      `${io.runId}#${'record-tenant'}`,
      io.signal,
    )
    return {version: context.version}
  },
  // Everything the run wrote for the tenant is under its key: deleted as a whole, the site and its shard seats by their own steps.
  undo: (ctx, io) => ctx.store.deleteTenantItems(ctx.request.tenantId, io.runId, io.signal),
}

/** Step 2: the site (a unique name) and the products activated in it. */
export const createSiteStep: ProvisionStep<{site: string}> = {
  id: 'create-site',
  title: 'Create the site (a unique name) and activate its products',
  actions: ['dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run(ctx, io) {
    const {request, store} = ctx
    const site: TransactItem = {
      Put: {
        TableName: store.table,
        Item: {...siteKey(request.site), tenantId: request.tenantId},
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :me',
        ExpressionAttributeValues: {':me': request.tenantId},
      },
    }
    await store
      .change(
        request.tenantId,
        (current) => ({
          context: {...current, ...changedBy(io, 'create-site'), products: mapProducts(current, (p) => ({...p, state: 'active'}))},
          events: request.products.map((product) => ({
            detailType: 'Product Activated' as const,
            product,
            seats: current.products[product].seats,
            licenceStatus: 'active' as const,
          })),
          items: [site],
        }),
        `${io.runId}#${'create-site'}`,
        io.signal,
      )
      .catch((error) => {
        if (error instanceof ConditionsFailed)
          throw new OpsctlError(
            `The site name ${request.site} was taken by another tenant a moment ago; run again with another --site.`,
            ExitCode.WorkflowFailed,
            'SiteTaken',
          )
        throw error
      })
    return {site: request.site}
  },
  undo: (ctx, io) => ctx.store.deleteSite(ctx.request.site, ctx.request.tenantId, io.signal),
}

/** Step 3: each product provisioned in its region (chosen by the checks, before any change). */
export const fixRegionsStep: ProvisionStep<{regions: Record<string, string>}> = {
  id: 'fix-regions',
  title: 'Fix the region of each product (from residency, or nearest to --near)',
  actions: ['dynamodb:TransactWriteItems'],
  mutates: true,
  async run(ctx, io) {
    const {regions} = io.outputOf(checkRequestStep)!
    await ctx.store.change(
      ctx.request.tenantId,
      (current) => ({
        context: {...current, ...changedBy(io, 'fix-regions'), products: mapProducts(current, (p, id) => ({...p, region: regions[id]}))},
      }),
      `${io.runId}#${'fix-regions'}`,
      io.signal,
    )
    return {regions}
  },
}

/** Step 4: site and product metadata and configuration, in Parameter Store in each product's region (secrets as SecureString). */
export const storeConfigurationStep: ProvisionStep<{regions: string[]; keys: string[]}> = {
  id: 'store-configuration',
  title: "Store the site and product metadata and configuration in Parameter Store, in each product's region",
  actions: ['ssm:PutParameter', 'ssm:GetParametersByPath', 'ssm:DeleteParameters', 'dynamodb:TransactWriteItems'],
  mutates: true,
  async run(ctx, io) {
    const {request} = ctx
    const {regions} = io.outputOf(checkRequestStep)!
    for (const value of Object.values(request.secrets)) registerSecret(value)
    const path = tenantParameterPath(request.tenantId)
    const keys = ['site', ...request.products.flatMap((p) => [`${p}/region`, `${p}/seats`]), ...Object.keys(request.config), ...Object.keys(request.secrets)]
    for (const region of [...new Set(Object.values(regions))].sort()) {
      const ssm = await ssmIn(ctx.session, region)
      const parameters = [
        {name: `${path}site`, value: request.site, secure: false},
        ...request.products
          .filter((p) => regions[p] === region)
          .flatMap((p) => [
            {name: `${path}${p}/region`, value: region, secure: false},
            {name: `${path}${p}/seats`, value: String(request.seats[p] ?? 1), secure: false},
          ]),
        ...Object.entries(request.config).map(([key, value]) => ({name: `${path}${key}`, value, secure: false})),
        ...Object.entries(request.secrets).map(([key, value]) => ({name: `${path}${key}`, value, secure: true})),
      ]
      for (const parameter of parameters) await putParameter(ssm, parameter, io.signal)
    }
    await ctx.store.change(
      request.tenantId,
      (current) => ({context: {...current, ...changedBy(io, 'store-configuration'), configKeys: keys}}),
      `${io.runId}#${'store-configuration'}`,
      io.signal,
    )
    return {regions: [...new Set(Object.values(regions))].sort(), keys}
  },
  async undo(ctx, io) {
    const {regions} = io.outputOf(checkRequestStep) ?? {regions: {}}
    for (const region of new Set(Object.values(regions)))
      await deleteParametersUnder(await ssmIn(ctx.session, region), tenantParameterPath(ctx.request.tenantId), io.signal)
  },
}

/** Step 5: identity data (users, groups, permissions) from the identity file. */
export const storeIdentityStep: ProvisionStep<{users: number; groups: number}> = {
  id: 'store-identity',
  title: 'Store the identity data: users, groups and permissions',
  actions: ['dynamodb:TransactWriteItems'],
  mutates: true,
  async run(ctx, io) {
    const {request, store} = ctx
    const identity = request.identity ?? {users: [], groups: []}
    await store.change(
      request.tenantId,
      (current) => ({
        context: {...current, ...changedBy(io, 'store-identity')},
        items: [{Put: {TableName: store.table, Item: {pk: tenantKey(request.tenantId).pk, sk: 'IDENTITY', ...identity}}}],
      }),
      `${io.runId}#${'store-identity'}`,
      io.signal,
    )
    return {users: identity.users.length, groups: identity.groups.length}
  },
}

/**
 * Step 6: each product's database, placed on a shard of its region with room, and its envelope data key, wrapped under
 * the shard's KMS key (bound to tenant and product). The shard's fill, the placement, the data key and the context
 * change in one transaction; a shard a concurrent provision just filled is left for the next one with room.
 */
export const provisionDatabasesStep: ProvisionStep<{placements: Placement[]}> = {
  id: 'provision-databases',
  title: "Provision each product's database: place it on a shard with room, and create its data key (only the wrapped key is kept)",
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'kms:GenerateDataKeyWithoutPlaintext', 'dynamodb:TransactWriteItems', 'dynamodb:GetItem'],
  mutates: true,
  async run(ctx, io) {
    const placements: Placement[] = []
    for (const product of ctx.request.products) placements.push(await placeProduct(ctx, io, product))
    return {placements}
  },
  undo: (ctx, io) => releaseSeats(ctx, io),
}

const placeProduct = (ctx: ProvisionContext, io: StepIO, product: string): Promise<Placement> =>
  placeOnShard(ctx, io, {tenantId: ctx.request.tenantId, product, region: io.outputOf(checkRequestStep)!.regions[product]}, (latest, where) =>
    latest.products[product].shardId
      ? undefined
      : {
          context: {
            ...latest,
            ...changedBy(io, `provision-databases:${product}`),
            products: {...latest.products, [product]: {...latest.products[product], ...where}},
          },
        },
  )

/** Gives back the shard seats this run took: each placement it made, released with its shard's fill in one transaction. */
async function releaseSeats(ctx: ProvisionContext, io: StepIO): Promise<void> {
  for (const product of ctx.request.products) await ctx.store.releasePlacement(ctx.request.tenantId, product, io.runId, io.signal)
}

/** Step 7: the licensed apps; the tenant is active. */
export const provisionAppsStep: ProvisionStep<{apps: string[]}> = {
  id: 'provision-apps',
  title: 'Provision the licensed apps and mark the tenant active',
  actions: ['dynamodb:TransactWriteItems'],
  mutates: true,
  async run(ctx, io) {
    await ctx.store.change(
      ctx.request.tenantId,
      (current) => ({context: {...current, ...changedBy(io, 'provision-apps'), apps: ctx.request.apps, status: 'active'}}),
      `${io.runId}#${'provision-apps'}`,
      io.signal,
    )
    return {apps: ctx.request.apps}
  },
}

/** Last, the tenant's events: a failure here keeps the tenant, its events waiting in the outbox for --resume. */
export const deliverProvisionEventsStep = deliverEventsStep<ProvisionContext>((ctx) => ctx.request)

const mapProducts = (context: TenantContext, change: (state: ProductState, product: string) => ProductState) =>
  Object.fromEntries(Object.entries(context.products).map(([id, state]) => [id, change(state, id)]))

/** The practices' seven steps, after the checks that fix each product's region, then the delivery of the events. */
export const provisionWorkflow: Workflow<ProvisionContext, TenantOutcome> = {
  name: TENANT_PROVISION_WORKFLOW,
  steps: [
    checkRequestStep,
    recordTenantStep,
    createSiteStep,
    fixRegionsStep,
    storeConfigurationStep,
    storeIdentityStep,
    provisionDatabasesStep,
    provisionAppsStep,
    deliverProvisionEventsStep,
  ],
  outcome(outputOf) {
    return {
      regions: outputOf(checkRequestStep)!.regions,
      placements: outputOf(provisionDatabasesStep)!.placements,
      configKeys: outputOf(storeConfigurationStep)!.keys,
      eventsDelivered: outputOf(deliverProvisionEventsStep)!.delivered,
    }
  },
}

export interface TenantOutcome {
  regions: Record<string, string>
  placements: Placement[]
  configKeys: string[]
  eventsDelivered: number
}
