import {ConditionsFailed, type TransactItem} from '../aws/dynamodb.js'
import {newWrappedDataKey} from '../aws/kms.js'
import type {AwsSession} from '../aws/session.js'
import type {StepIO} from '../engine/types.js'
import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {productOf} from './catalogue.js'
import type {TenantContext} from './context.js'
import {firstDataKey} from './data-keys.js'
import {chooseShard, discoverShards, type Shard} from './shards.js'
import {dataKeyKey, placementKey, shardFillKey, type TenantChange, type TenantStore} from './store.js'

/** Where a product's database went, and the data key wrapped for it. */
export interface Placement {
  product: string
  shardId: string
  region: string
  database: string
  keyArn: string
}

/** What places a tenant's product: the session (shards and KMS of every region) and the tenant store. */
export interface PlacingContext {
  session: AwsSession
  store: TenantStore
}

const databaseName = (tenantId: string, product: string) => `t_${tenantId}_${product}`.replace(/-/g, '_')

/**
 * A product's database, placed on the least-filled shard of its region with room, and its envelope data key, wrapped
 * under the shard's KMS key (bound to tenant and product: only the wrapped key is kept). The shard's fill, the
 * placement, the data key and the tenant's change (`change`: its context with the product on the shard, and its
 * events) land in one transaction; a shard a concurrent change just filled is left for the next one with room.
 * `change` returns nothing when an earlier attempt of the run placed the product already.
 */
export async function placeOnShard(
  ctx: PlacingContext,
  io: StepIO,
  target: {tenantId: string; product: string; region: string},
  change: (latest: TenantContext, where: {shardId: string; database: string}) => TenantChange | undefined,
): Promise<Placement> {
  const {tenantId, product, region} = target
  const database = databaseName(tenantId, product)
  const shards = await discoverShards(ctx.session, ctx.store, [region], io.signal)
  const full = new Set<string>()
  for (;;) {
    const shard = chooseShard(shards, productOf(product), region, full)
    const key = await wrappedKeyFor(ctx.session, shard, tenantId, product, io)
    try {
      const placed = await ctx.store.change(
        tenantId,
        (latest) => {
          const changed = change(latest, {shardId: shard.id, database})
          return (
            changed && {
              ...changed,
              items: [
                ...(changed.items ?? []),
                ...placementItems(ctx.store.table, tenantId, product, shard, key, io.runId, new Date(io.clock.now()).toISOString()),
              ],
            }
          )
        },
        `${io.runId}#place#${product}#${shard.id}`,
        io.signal,
      )
      // An earlier attempt placed it: its key is the one kept (the key just made is dropped unstored).
      const shardId = placed.products[product].shardId!
      const keyArn = shardId === shard.id ? key.keyArn : ((await ctx.store.getItem<{keyArn: string}>(dataKeyKey(tenantId, product), io.signal))?.keyArn ?? '')
      return {product, shardId, region, database, keyArn}
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error
      full.add(shard.id)
      io.progress(`shard ${shard.id} filled up meanwhile; trying the next one`)
    }
  }
}

async function wrappedKeyFor(session: AwsSession, shard: Shard, tenantId: string, product: string, io: StepIO) {
  if (!shard.kmsKeyId)
    throw new OpsctlError(
      `Shard ${shard.id} is not encrypted with a KMS key, so it cannot hold a tenant's data keys; encrypt it or take it out of service (untag it).`,
      ExitCode.WorkflowFailed,
      'ShardNotEncrypted',
    )
  const {KMSClient} = await import('@aws-sdk/client-kms')
  return newWrappedDataKey(session.inRegion(shard.region).client(KMSClient), shard.kmsKeyId, {tenant: tenantId, product}, io.signal)
}

/** The shard's fill (refused when full), the placement (found by shard in the byShard index) and the wrapped data key (current, no operations yet). */
function placementItems(
  table: string,
  tenantId: string,
  product: string,
  shard: Shard,
  key: {wrappedKey: string; keyArn: string},
  runId: string,
  createdAt: string,
): TransactItem[] {
  return [
    {
      Update: {
        TableName: table,
        Key: shardFillKey(shard.id),
        UpdateExpression: 'SET #tenants = if_not_exists(#tenants, :zero) + :one, #capacity = :capacity, #product = :product, #region = :region',
        ConditionExpression: 'attribute_not_exists(#tenants) OR #tenants < :capacity',
        ExpressionAttributeNames: {'#tenants': 'tenants', '#capacity': 'capacity', '#product': 'product', '#region': 'region'},
        ExpressionAttributeValues: {':zero': 0, ':one': 1, ':capacity': shard.capacity, ':product': product, ':region': shard.region},
      },
    },
    {
      Put: {
        TableName: table,
        Item: {...placementKey(tenantId, product), shardKey: `SHARD#${shard.id}`, tenantId, product, region: shard.region, shardId: shard.id, runId},
      },
    },
    {Put: {TableName: table, Item: firstDataKey({tenantId, product}, key, createdAt, runId)}},
  ]
}
