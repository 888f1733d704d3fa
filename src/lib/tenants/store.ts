import type {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import type {DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb'

import {ConditionsFailed, documentClient, getItem, getItems, queryAll, scanPages, type TransactItem, transactWrite} from '../aws/dynamodb.js'
import type {AwsSession} from '../aws/session.js'
import {NotFoundError, OpsctlError, RefusedWriteError, UsageError} from '../errors/errors.js'
import {systemClock} from '../time/clock.js'
import type {TenantContext} from './context.js'
import {asDataKeyRecord, DATAKEY_PREFIX, type DataKeyRecord, dataKeyKey, isDataKeyOf, type successorPut, type WrappedDataKey} from './data-keys.js'

export {dataKeyKey, type WrappedDataKey}

/*
 * The tenant store: one DynamoDB table holds every tenant's context, its event log (which is also its outbox:
 * an event not yet delivered carries no deliveredAt), its site, its placements on shards, each shard's fill,
 * and its wrapped data keys. Every write of a context is conditional on its version; what must change together
 * (a placement and its shard's fill, a context and its events) changes in one transaction.
 *
 *   pk                 sk                    what
 *   TENANT#<id>        CONTEXT               the tenant context (version, products, …)
 *   TENANT#<id>        EVENT#<version>#<n>   an event of the tenant (its log and outbox)
 *   TENANT#<id>        PLACEMENT#<product>   where the product's database is; shardKey = SHARD#<shard> (GSI byShard)
 *   TENANT#<id>        DATAKEY#<product>     the product's current envelope data key (wrapped; keyArn, keyVersion,
 *                                            createdAt, operations: the counter services ADD their encrypt operations to)
 *   TENANT#<id>        DATAKEY#<product>#v<n>  an older version of it, decrypt-only (kept until the tenant is purged)
 *   TENANT#<id>        IDENTITY              users, groups and permissions
 *   SITE#<name>        SITE                  the site's owner (site names are unique)
 *   SHARD#<id>         FILL                  how many tenants the shard holds, and its capacity
 */

export const DEFAULT_TENANT_TABLE = 'opsctl-tenants'
export const SHARD_INDEX = 'byShard'

export const tenantKey = (tenantId: string) => ({pk: `TENANT#${tenantId}`, sk: 'CONTEXT'})
export const siteKey = (site: string) => ({pk: `SITE#${site}`, sk: 'SITE'})
export const placementKey = (tenantId: string, product: string) => ({pk: `TENANT#${tenantId}`, sk: `PLACEMENT#${product}`})
export const shardFillKey = (shardId: string) => ({pk: `SHARD#${shardId}`, sk: 'FILL'})

export const eventSources = {source: 'opsctl.tenants'} as const
export const eventTypes = [
  'Tenant Created',
  'Tenant Destroyed',
  'Product Activated',
  'Product Deactivated',
  'Product Suspended',
  'Product Unsuspended',
  'License Updated',
] as const
export type EventType = (typeof eventTypes)[number]

export interface EventDetail {
  tenantId: string
  site: string
  product?: string
  seats?: number
  licenceStatus?: 'active' | 'inactive'
  contextVersion: number
  runId: string
}

/** An event of a tenant: in its log, and in its outbox until delivered. */
export interface TenantEvent {
  pk: string
  sk: string
  detailType: EventType
  detail: EventDetail
  createdAt: string
  deliveredAt?: string
  /** The id EventBridge gave it. */
  eventBridgeId?: string
  /** The EventBridge bus it was delivered to. */
  eventBus?: string
}

export interface StoreLocation {
  table: string
  /** The region the table lives in (--home-region), whatever the regions of the tenants' products. */
  region: string
}

/** A change to a tenant: its next context (version set here), the events it raises, and what else changes with it. */
export interface TenantChange {
  context: Omit<TenantContext, 'version' | 'updatedAt'>
  events?: {detailType: EventType; product?: string; seats?: number; licenceStatus?: 'active' | 'inactive'}[]
  items?: TransactItem[]
}

const byTenantId = (a: TenantContext, b: TenantContext) => a.tenantId.localeCompare(b.tenantId)

/** A refusal of what a change decides (before it writes anything) is a refusal of the whole write. */
function refusedWhole<T>(decide: () => T): T {
  try {
    return decide()
  } catch (error) {
    if (error instanceof UsageError && !(error instanceof RefusedWriteError)) throw new RefusedWriteError(error.message, error.code)
    throw error
  }
}

/** A shard's fill down by one, refused at zero: a tenant's seat on it given back (in the transaction that releases it). */
export const seatGivenBack = (table: string, shardId: string): TransactItem => ({
  Update: {
    TableName: table,
    Key: shardFillKey(shardId),
    UpdateExpression: 'SET #tenants = #tenants - :one',
    ConditionExpression: '#tenants > :zero',
    ExpressionAttributeNames: {'#tenants': 'tenants'},
    ExpressionAttributeValues: {':one': 1, ':zero': 0},
  },
})

/** A change a step makes, named so that its retry after a lost response recognises it (see TenantStore.change). */
export const changedBy = (io: {runId: string}, step: string) => ({lastRunId: io.runId, lastStep: step})

export class TenantStore {
  private constructor(
    readonly location: StoreLocation,
    readonly dynamodb: DynamoDBClient,
    private readonly doc: DynamoDBDocumentClient,
  ) {}

  static async open(session: AwsSession, location: StoreLocation): Promise<TenantStore> {
    const {DynamoDBClient} = await import('@aws-sdk/client-dynamodb')
    const dynamodb = session.inRegion(location.region).client(DynamoDBClient)
    return new TenantStore(location, dynamodb, await documentClient(dynamodb))
  }

  get table(): string {
    return this.location.table
  }

  /** The table is there: otherwise a usage error that says how to make it. */
  async assertReady(signal?: AbortSignal): Promise<void> {
    const {DescribeTableCommand} = await import('@aws-sdk/client-dynamodb')
    try {
      await this.dynamodb.send(new DescribeTableCommand({TableName: this.table}), {abortSignal: signal})
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error
      throw new UsageError(
        `There is no tenant table ${this.table} in ${this.location.region}; create it with "opsctl tenant init" (or pass --table / --home-region).`,
        'NoTenantTable',
      )
    }
  }

  /**
   * The store if its table is there: a region without one has no tenants, which is not an error for a report that
   * only shows them beside something else (what uses a key, which tenants a server serves).
   */
  async ifReady(signal?: AbortSignal): Promise<TenantStore | undefined> {
    try {
      await this.assertReady(signal)
      return this
    } catch (error) {
      if ((error as {code?: string}).code === 'NoTenantTable') return undefined
      throw error
    }
  }

  get(tenantId: string, signal?: AbortSignal): Promise<TenantContext | undefined> {
    return getItem<TenantContext>(this.doc, this.table, tenantKey(tenantId), signal)
  }

  async require(tenantId: string, signal?: AbortSignal): Promise<TenantContext> {
    const context = await this.get(tenantId, signal)
    if (!context) throw new NotFoundError(`There is no tenant ${tenantId} in ${this.table}; see "opsctl tenant list".`)
    return context
  }

  getItem<T>(key: {pk: string; sk: string}, signal?: AbortSignal): Promise<T | undefined> {
    return getItem<T>(this.doc, this.table, key, signal)
  }

  /**
   * Writes a new tenant's context with its first events and items, refused when the tenant exists. A retry after a
   * lost response finds the context its own run wrote and carries on.
   */
  async create(change: TenantChange, token: string, signal?: AbortSignal): Promise<TenantContext> {
    const context = this.versioned(change.context, 1)
    const put = {Put: {TableName: this.table, Item: {...tenantKey(context.tenantId), ...context}, ConditionExpression: 'attribute_not_exists(pk)'}}
    try {
      await transactWrite(this.doc, [put, ...this.eventItems(context, change.events), ...(change.items ?? [])], token, signal)
      return context
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error
      const existing = await this.get(context.tenantId, signal)
      if (existing && existing.lastRunId === context.lastRunId && existing.lastStep === context.lastStep) return existing
      throw error
    }
  }

  /**
   * Changes a tenant, conditional on the version it read. A lost race (another change landed first) is read again
   * and tried once more; then it is refused in one sentence, with nothing written. A retry after a lost response
   * finds its own change (run and step) and carries on. Other refused conditions (a full shard, a taken site) are
   * thrown as ConditionsFailed, their indexes counted from the change's own items. Each change names itself
   * (context.lastRunId and lastStep) uniquely within its run: that is how its retry recognises it. `decide`
   * returns nothing when there is nothing left to change.
   */
  async change(tenantId: string, decide: (current: TenantContext) => TenantChange | undefined, token: string, signal?: AbortSignal): Promise<TenantContext> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.require(tenantId, signal)
      const change = refusedWhole(() => decide(current))
      // Nothing to change: an earlier attempt of the run made it already.
      if (!change) return current
      const next = this.versioned(change.context, current.version + 1)
      if (current.lastRunId === next.lastRunId && current.lastStep === next.lastStep) return current
      const update = {
        Put: {
          TableName: this.table,
          Item: {...tenantKey(tenantId), ...next},
          ConditionExpression: 'version = :read',
          ExpressionAttributeValues: {':read': current.version},
        },
      }
      const events = this.eventItems(next, change.events)
      try {
        await transactWrite(this.doc, [update, ...events, ...(change.items ?? [])], `${token}#${current.version}`, signal)
        return next
      } catch (error) {
        if (!(error instanceof ConditionsFailed)) throw error
        // The version or an event of the next version: another change landed (an emulator may show only its events),
        // and the other conditions may hold once it is read.
        if (!error.failed.some((i) => i <= events.length)) throw new ConditionsFailed(error.failed.map((i) => i - events.length - 1))
        if (attempt === 2) throw new RefusedWriteError(`Another change to tenant ${tenantId} landed first; run the command again.`, 'ConcurrentChange')
      }
    }
  }

  /** Deletes every item of the tenant (context, events, placements, data keys, identity): only when the run provisioned it. */
  async deleteTenantItems(tenantId: string, runId: string, signal?: AbortSignal): Promise<void> {
    const context = await this.get(tenantId, signal)
    if (context && context.provisionedBy !== runId) return
    const {items} = await queryAll<{pk: string; sk: string}>(
      this.doc,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {':pk': `TENANT#${tenantId}`},
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
      signal,
    )
    await this.deleteItems(items, signal)
  }

  /** Deletes the site item when the tenant holds it (a site another tenant holds is left alone). */
  async deleteSite(site: string, tenantId: string, signal?: AbortSignal): Promise<void> {
    const {DeleteCommand} = await import('@aws-sdk/lib-dynamodb')
    await this.doc
      .send(
        new DeleteCommand({TableName: this.table, Key: siteKey(site), ConditionExpression: 'tenantId = :me', ExpressionAttributeValues: {':me': tenantId}}),
        {abortSignal: signal},
      )
      .catch((error: Error) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error
      })
  }

  /**
   * Gives back the shard seat a product's placement took, in one transaction with the placement and its data keys:
   * only a placement this run made, and only once (a placement already gone is done).
   */
  async releasePlacement(tenantId: string, product: string, runId: string, signal?: AbortSignal): Promise<void> {
    const placement = await this.getItem<{shardId: string; runId: string}>(placementKey(tenantId, product), signal)
    if (!placement || placement.runId !== runId) return
    // Every version of the product's data key goes with it (a rotation may have run since the placement).
    const dataKeys = (await this.dataKeysOf(tenantId, signal)).keys.filter((key) => key.product === product)
    await transactWrite(
      this.doc,
      [
        seatGivenBack(this.table, placement.shardId),
        {
          Delete: {
            TableName: this.table,
            Key: placementKey(tenantId, product),
            ConditionExpression: 'runId = :run',
            ExpressionAttributeValues: {':run': runId},
          },
        },
        ...dataKeys.map(({pk, sk}) => ({Delete: {TableName: this.table, Key: {pk, sk}}})),
      ],
      `${runId}#release#${tenantId}#${product}`,
      signal,
    ).catch((error) => {
      // Released by an earlier attempt whose answer was lost.
      if (!(error instanceof ConditionsFailed)) throw error
    })
  }

  /** The tenant's events, oldest first: its log, with each one's delivery. */
  async events(tenantId: string, signal?: AbortSignal): Promise<TenantEvent[]> {
    const {items} = await queryAll<TenantEvent>(
      this.doc,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: {':pk': `TENANT#${tenantId}`, ':events': 'EVENT#'},
        ConsistentRead: true,
      },
      signal,
    )
    return items
  }

  /** Records the delivery of an event; a second record of the same delivery changes nothing. */
  async markDelivered(event: TenantEvent, delivery: {eventBridgeId: string; eventBus: string; at: string}, signal?: AbortSignal): Promise<void> {
    const {UpdateCommand} = await import('@aws-sdk/lib-dynamodb')
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: {pk: event.pk, sk: event.sk},
        UpdateExpression:
          'SET deliveredAt = if_not_exists(deliveredAt, :at), eventBridgeId = if_not_exists(eventBridgeId, :id), eventBus = if_not_exists(eventBus, :bus)',
        ExpressionAttributeValues: {':at': delivery.at, ':id': delivery.eventBridgeId, ':bus': delivery.eventBus},
      }),
      {abortSignal: signal},
    )
  }

  /** How many tenants each shard holds (a shard no tenant was ever placed on holds none): one call per 100 shards. */
  async shardFills(shardIds: string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const items = await getItems<{pk: string; tenants?: number}>(this.doc, this.table, shardIds.map(shardFillKey), signal)
    return new Map(items.map((item) => [item.pk.slice('SHARD#'.length), Number(item.tenants ?? 0)]))
  }

  /**
   * The tenants placed on a shard: a query of the byShard index, page by page (never a scan). The index holds the
   * keys only (KEYS_ONLY), so the tenant is read from the placement's partition key.
   */
  async tenantsOnShard(shardId: string, signal?: AbortSignal): Promise<{tenantIds: string[]; pages: number}> {
    const {items, pages} = await queryAll<{pk: string}>(
      this.doc,
      {
        TableName: this.table,
        IndexName: SHARD_INDEX,
        KeyConditionExpression: 'shardKey = :shard',
        ExpressionAttributeValues: {':shard': `SHARD#${shardId}`},
      },
      signal,
    )
    return {tenantIds: [...new Set(items.map((i) => i.pk.slice(tenantKey('').pk.length)))], pages}
  }

  /**
   * Every tenant's wrapped data key under a KMS key (current or decrypt-only): a scan of the data key items, whose sort
   * key begins with DATAKEY# and which carry the ARN of the KMS key they are wrapped under (keyArn).
   */
  async dataKeysUnderKey(keyArn: string, signal?: AbortSignal): Promise<WrappedDataKey[]> {
    const keys: WrappedDataKey[] = []
    await this.scanDataKeys({}, (page) => keys.push(...page.filter((key) => key.keyArn === keyArn)), signal)
    return keys
  }

  /**
   * Replaces a data key's wrapping (a re-encryption under another KMS key: the same data key, wrapped anew), on the
   * condition that it is still wrapped as it was read; the former wrapping is kept beside it. False when the condition
   * failed: another change (a rotation, an earlier attempt of the run) got there first.
   */
  async rewrapDataKey(
    key: {pk: string; sk: string},
    from: {wrappedKey: string; keyArn: string},
    to: {wrappedKey: string; keyArn: string},
    signal?: AbortSignal,
  ): Promise<boolean> {
    const {UpdateCommand} = await import('@aws-sdk/lib-dynamodb')
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: {pk: key.pk, sk: key.sk},
          UpdateExpression: 'SET wrappedKey = :to, keyArn = :toArn, previousWrappedKey = :from, previousKeyArn = :fromArn',
          ConditionExpression: 'wrappedKey = :from',
          ExpressionAttributeValues: {':to': to.wrappedKey, ':toArn': to.keyArn, ':from': from.wrappedKey, ':fromArn': from.keyArn},
        }),
        {abortSignal: signal},
      )
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  /** Every data key of a tenant, current and decrypt-only: a query of its partition (one page for any usual tenant). */
  async dataKeysOf(tenantId: string, signal?: AbortSignal): Promise<{keys: DataKeyRecord[]; pages: number}> {
    const {items, pages} = await queryAll<DataKeyRecord>(
      this.doc,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dataKey)',
        ExpressionAttributeValues: {':pk': tenantKey(tenantId).pk, ':dataKey': DATAKEY_PREFIX},
        ConsistentRead: true,
      },
      signal,
    )
    return {keys: items.map(asDataKeyRecord), pages}
  }

  /**
   * Every data key of every tenant (of one product, when given): a scan of the table, page by page, `onPage` told
   * after each. Listing them all reads the whole table; a tenant's keys are a query (dataKeysOf).
   */
  async scanDataKeys(filter: {product?: string}, onPage: (page: DataKeyRecord[]) => void, signal?: AbortSignal): Promise<{pages: number}> {
    return scanPages<DataKeyRecord>(
      this.doc,
      {TableName: this.table, FilterExpression: 'begins_with(sk, :dataKey)', ExpressionAttributeValues: {':dataKey': DATAKEY_PREFIX}},
      (items) => onPage(items.filter((item) => !filter.product || isDataKeyOf(item.sk, filter.product)).map(asDataKeyRecord)),
      signal,
    )
  }

  /** The current data keys of these tenants' products that exist (read 100 a call). */
  async currentDataKeys(of: readonly {tenantId: string; product: string}[], signal?: AbortSignal): Promise<DataKeyRecord[]> {
    const keys = of.map(({tenantId, product}) => dataKeyKey(tenantId, product))
    return (await getItems<DataKeyRecord>(this.doc, this.table, keys, signal)).map(asDataKeyRecord)
  }

  /** Keeps these decrypt-only copies of data keys (see decryptOnlyCopy), 25 a call. */
  keepDecryptOnly(copies: readonly DataKeyRecord[], signal?: AbortSignal): Promise<void> {
    return this.batchWrite(
      copies.map((Item) => ({PutRequest: {Item}})),
      'unwritten',
      signal,
    )
  }

  /** Makes a rotation's new key current (see successorPut); false when its condition failed: the key was read before another change. */
  async putSuccessor(put: ReturnType<typeof successorPut>, signal?: AbortSignal): Promise<boolean> {
    const {PutCommand} = await import('@aws-sdk/lib-dynamodb')
    try {
      await this.doc.send(new PutCommand(put), {abortSignal: signal})
      return true
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false
      throw error
    }
  }

  /**
   * Deletes decrypt-only copies a rotation wrote for products whose current key is gone (purged while it ran): each
   * only while it is still the copy written (its wrapped key), so nothing else is ever deleted.
   */
  async dropCopiesOfPurged(copies: readonly DataKeyRecord[], signal?: AbortSignal): Promise<void> {
    const {DeleteCommand} = await import('@aws-sdk/lib-dynamodb')
    for (const {pk, sk, wrappedKey} of copies) {
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: {pk, sk},
            ConditionExpression: 'wrappedKey = :ours',
            ExpressionAttributeValues: {':ours': wrappedKey},
          }),
          {abortSignal: signal},
        )
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error
      }
    }
  }

  /** Deletes items by key, 25 a call (unconditional: a key already gone is done). */
  deleteItems(keys: readonly {pk: string; sk: string}[], signal?: AbortSignal): Promise<void> {
    return this.batchWrite(
      keys.map(({pk, sk}) => ({DeleteRequest: {Key: {pk, sk}}})),
      'undeleted',
      signal,
    )
  }

  /** BatchWriteItem, 25 requests a call, what DynamoDB leaves unprocessed (throttled) sent again after a back-off. */
  private async batchWrite(requests: readonly Record<string, unknown>[], left: string, signal?: AbortSignal): Promise<void> {
    const {BatchWriteCommand} = await import('@aws-sdk/lib-dynamodb')
    for (let start = 0; start < requests.length; start += 25) {
      let pending = requests.slice(start, start + 25)
      for (let round = 1; pending.length > 0; round++) {
        if (round > 8)
          throw new OpsctlError(`DynamoDB left ${pending.length} item(s) of ${this.table} ${left} after 8 tries (throttled); run the command again.`)
        if (round > 1) await systemClock.sleep(50 * 2 ** round, signal)
        const {UnprocessedItems} = await this.doc.send(new BatchWriteCommand({RequestItems: {[this.table]: [...pending]}}), {abortSignal: signal})
        pending = UnprocessedItems?.[this.table] ?? []
      }
    }
  }

  /** Every tenant's context and every data key, in one scan of the table: what a compliance scan judges of the store. */
  async contextsAndDataKeys(): Promise<{tenants: TenantContext[]; dataKeys: DataKeyRecord[]}> {
    const tenants: TenantContext[] = []
    const dataKeys: DataKeyRecord[] = []
    await scanPages<(TenantContext | DataKeyRecord) & {sk: string}>(
      this.doc,
      {
        TableName: this.table,
        FilterExpression: 'sk = :context OR begins_with(sk, :dataKey)',
        ExpressionAttributeValues: {':context': 'CONTEXT', ':dataKey': DATAKEY_PREFIX},
      },
      (items) => {
        for (const item of items) {
          if (item.sk === 'CONTEXT') tenants.push(item as TenantContext)
          else dataKeys.push(asDataKeyRecord(item as DataKeyRecord))
        }
      },
    )
    return {tenants: tenants.sort(byTenantId), dataKeys}
  }

  /** Every tenant context (a scan of the context items: listing them all reads them all). */
  async allTenants(signal?: AbortSignal): Promise<TenantContext[]> {
    const tenants: TenantContext[] = []
    await scanPages<TenantContext>(
      this.doc,
      {TableName: this.table, FilterExpression: 'sk = :context', ExpressionAttributeValues: {':context': 'CONTEXT'}},
      (items) => tenants.push(...items),
      signal,
    )
    return tenants.sort(byTenantId)
  }

  private versioned(context: TenantChange['context'], version: number): TenantContext {
    return {...context, version, updatedAt: new Date().toISOString()}
  }

  /** Keyed by the context version they came with, so a transaction sent again writes the same events, never more. */
  private eventItems(context: TenantContext, events: TenantChange['events'] = []): TransactItem[] {
    return events.map((event, n) => {
      const item: TenantEvent = {
        pk: `TENANT#${context.tenantId}`,
        sk: `EVENT#${String(context.version).padStart(10, '0')}#${String(n).padStart(3, '0')}`,
        detailType: event.detailType,
        detail: {
          tenantId: context.tenantId,
          site: context.site,
          product: event.product,
          seats: event.seats,
          licenceStatus: event.licenceStatus,
          contextVersion: context.version,
          runId: context.lastRunId,
        },
        createdAt: context.updatedAt,
      }
      return {Put: {TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)'}}
    })
  }

  /** The items of these keys that exist, read 100 a call (in no particular order). */
  items<T>(keys: readonly {pk: string; sk: string}[], signal?: AbortSignal): Promise<T[]> {
    return getItems<T>(
      this.doc,
      this.table,
      keys.map(({pk, sk}) => ({pk, sk})),
      signal,
    )
  }

  /** The contexts of these tenants that exist, by tenant id (read 100 a call). */
  async contexts(tenantIds: readonly string[], signal?: AbortSignal): Promise<Map<string, TenantContext>> {
    const contexts = await getItems<TenantContext>(this.doc, this.table, tenantIds.map(tenantKey), signal)
    return new Map(contexts.map((c) => [c.tenantId, c]))
  }
}
