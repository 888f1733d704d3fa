import {randomBytes} from 'node:crypto'

import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {CreateAliasCommand, CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
import {UpdateCommand} from '@aws-sdk/lib-dynamodb'

import {documentClient} from '../../aws/dynamodb.js'
import {findDbInstance} from '../../aws/rds.js'
import type {AwsSession} from '../../aws/session.js'
import {runWorkflow} from '../../engine/runner.js'
import type {Workflow} from '../../engine/types.js'
import {OpsctlError} from '../../errors/errors.js'
import {GLOBAL} from '../../tenants/catalogue.js'
import {type ProvisionRequest, provisionWorkflow} from '../../tenants/provision.js'
import {SHARD_CAPACITY_TAG, SHARD_PRODUCT_TAG} from '../../tenants/shards.js'
import {DEFAULT_TENANT_TABLE, dataKeyKey, TenantStore} from '../../tenants/store.js'
import {tableInitWorkflow} from '../../tenants/table.js'
import {HOUR_MS} from '../../time/clock.js'
import {findKeyByAlias} from './kms.js'
import type {Seeder} from './seeder.js'

/** Shards in three locations: US, EU and AU. */
export const DEMO_SHARDS = [
  {id: 'jira-us-1', product: 'jira', region: 'us-east-1', capacity: 50},
  {id: 'confluence-us-1', product: 'confluence', region: 'us-east-1', capacity: 50},
  {id: 'jira-eu-1', product: 'jira', region: 'eu-central-1', capacity: 50},
  {id: 'confluence-eu-1', product: 'confluence', region: 'eu-west-1', capacity: 50},
  {id: 'jira-au-1', product: 'jira', region: 'ap-southeast-2', capacity: 2},
  {id: 'trello-us-1', product: 'trello', region: 'us-west-2', capacity: 50},
]

const DEMO_TENANTS: ProvisionRequest[] = [
  {
    tenantId: 'initech',
    site: 'initech',
    products: ['jira', 'confluence'],
    residency: 'US',
    seats: {jira: 120, confluence: 80},
    apps: ['tempo'],
    config: {},
    secrets: {},
    eventBus: 'default',
  },
  {tenantId: 'hooli', site: 'hooli', products: ['jira'], residency: 'AU', seats: {jira: 40}, apps: [], config: {}, secrets: {}, eventBus: 'default'},
  {
    tenantId: 'umbrella',
    site: 'umbrella',
    products: ['jira', 'trello'],
    residency: GLOBAL,
    near: 'us-west-2',
    seats: {jira: 15, trello: 15},
    apps: [],
    config: {},
    secrets: {},
    eventBus: 'default',
  },
]

const SHARD_KEY_ALIAS = 'alias/opsctl-demo-tenant-shards'

/**
 * How much the demo tenants' data keys were used, as their services would have counted it: initech's Jira key is past
 * 5 million operations, hooli's is older than 24 hours, the others are within the limits ("opsctl key datakeys").
 */
export const DEMO_DATAKEY_USAGE = [
  {tenantId: 'initech', product: 'jira', operations: 5_250_000, ageHours: 3},
  {tenantId: 'initech', product: 'confluence', operations: 1_200_000, ageHours: 3},
  {tenantId: 'hooli', product: 'jira', operations: 48_000, ageHours: 30},
  {tenantId: 'umbrella', product: 'jira', operations: 310_000, ageHours: 2},
  {tenantId: 'umbrella', product: 'trello', operations: 9_500, ageHours: 2},
]

/** Runs a workflow as part of the seeding: no journal, and a failure says which. */
async function seedWith<C>(workflow: Workflow<C, object>, context: C, parameters: Record<string, unknown>): Promise<void> {
  const {exitCode, record} = await runWorkflow({workflow, context, parameters, journal: false})
  if (exitCode !== 0) throw new OpsctlError(`Seeding the tenants failed in ${workflow.name}: ${record.error?.message}`)
}

/** The tenant store, shards of Jira, Confluence and Trello in three locations, and three tenants provisioned the real way. */
export const tenantsSeeder: Seeder = {
  name: 'tenants',
  async seed(session, report) {
    const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: session.region})
    await report.ensure(
      'dynamodb-table',
      DEFAULT_TENANT_TABLE,
      async () =>
        (await store.assertReady().then(
          () => true,
          () => false,
        ))
          ? store
          : undefined,
      async () => {
        await seedWith(tableInitWorkflow({table: store.table}), {store, kms: session.client(KMSClient), pollIntervalMs: 500, timeoutMs: 60_000}, {})
        return store
      },
    )
    for (const shard of DEMO_SHARDS) await seedShard(session, report, shard)
    for (const tenant of DEMO_TENANTS) {
      await report.ensure(
        'tenant',
        tenant.tenantId,
        () => store.get(tenant.tenantId),
        async () => {
          await seedWith(provisionWorkflow, {session, store, eventbridge: session.client(EventBridgeClient), request: tenant}, {...tenant})
          return store.require(tenant.tenantId)
        },
      )
    }
    for (const usage of DEMO_DATAKEY_USAGE) await seedDataKeyUsage(session, store, report, usage)
  },
}

/** A data key's counter and age, as if its services had used it: set once (a counter only grows, so a second seed finds it). */
async function seedDataKeyUsage(session: AwsSession, store: TenantStore, report: Parameters<Seeder['seed']>[1], usage: (typeof DEMO_DATAKEY_USAGE)[number]) {
  const key = dataKeyKey(usage.tenantId, usage.product)
  await report.ensure(
    'tenant-data-key-usage',
    `${usage.tenantId}/${usage.product}`,
    async () => {
      const [current] = await store.currentDataKeys([usage])
      return current && current.operations >= usage.operations ? current : undefined
    },
    async () => {
      const doc = await documentClient(session.client(DynamoDBClient))
      const createdAt = new Date(Date.now() - usage.ageHours * HOUR_MS).toISOString()
      await doc.send(
        new UpdateCommand({
          TableName: store.table,
          Key: key,
          UpdateExpression: 'SET operations = :ops, createdAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {':ops': usage.operations, ':at': createdAt},
        }),
      )
      return key
    },
  )
}

async function seedShard(session: AwsSession, report: Parameters<Seeder['seed']>[1], shard: (typeof DEMO_SHARDS)[number]): Promise<void> {
  const regional = session.inRegion(shard.region)
  const rds = regional.client(RDSClient)
  await report.ensure(
    'rds-db-instance',
    shard.id,
    () => findDbInstance(rds, shard.id),
    async () => {
      const kms = regional.client(KMSClient)
      const key = (await findKeyByAlias(kms, SHARD_KEY_ALIAS))?.Arn ?? (await createShardKey(kms))
      const {DBInstance} = await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: shard.id,
          Engine: 'postgres',
          EngineVersion: '16.3',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'opsadmin',
          // Nobody logs in to a sandbox database; the password only has to be valid, and is never shown.
          MasterUserPassword: randomBytes(18).toString('base64url'),
          StorageEncrypted: true,
          KmsKeyId: key,
          MultiAZ: true,
          BackupRetentionPeriod: 30,
          Tags: [
            {Key: SHARD_PRODUCT_TAG, Value: shard.product},
            {Key: SHARD_CAPACITY_TAG, Value: String(shard.capacity)},
          ],
        }),
      )
      return DBInstance!
    },
  )
}

async function createShardKey(kms: KMSClient): Promise<string> {
  const {KeyMetadata} = await kms.send(new CreateKeyCommand({Description: "opsctl demo: tenant shards and their tenants' data keys"}))
  await kms.send(new CreateAliasCommand({AliasName: SHARD_KEY_ALIAS, TargetKeyId: KeyMetadata!.KeyId}))
  return KeyMetadata!.Arn!
}
