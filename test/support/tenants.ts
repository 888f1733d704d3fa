import {DynamoDBClient, ScanCommand} from '@aws-sdk/client-dynamodb'
import {EventBridgeClient, PutRuleCommand, PutTargetsCommand} from '@aws-sdk/client-eventbridge'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient} from '@aws-sdk/client-sqs'
import {paginateGetParametersByPath, SSMClient} from '@aws-sdk/client-ssm'

import {silentReporter} from '../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../src/lib/engine/runner.js'
import type {RunRecord} from '../../src/lib/engine/types.js'
import {ExitCode} from '../../src/lib/errors/exit-codes.js'
import {GLOBAL} from '../../src/lib/tenants/catalogue.js'
import {type ProvisionRequest, provisionWorkflow} from '../../src/lib/tenants/provision.js'
import {SHARD_CAPACITY_TAG, SHARD_PRODUCT_TAG} from '../../src/lib/tenants/shards.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../src/lib/tenants/store.js'
import {tableInitWorkflow} from '../../src/lib/tenants/table.js'
import {testSession} from './aws.js'

/*
 * A tenant estate in moto for tests: shards, the tenant store, provisioned tenants, and a queue that receives every
 * tenant event EventBridge delivers. Tenants are provisioned through the library workflow, which is much quicker
 * than the CLI; what the CLI adds is tested by the e2e tests of each command.
 */

/** The home region of the tests' tenant store. */
export const HOME_REGION = 'us-east-1'

/** A shard: a PostgreSQL instance in the region, encrypted with a KMS key of its own, tagged with its product and capacity. */
export async function createShard(id: string, product: string, region: string, capacity = 10): Promise<void> {
  const {KeyMetadata} = await new KMSClient({region}).send(new CreateKeyCommand({Description: `shard ${id}`}))
  await new RDSClient({region}).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'opsadmin',
      MasterUserPassword: 'not-a-real-password-1',
      StorageEncrypted: true,
      KmsKeyId: KeyMetadata!.Arn,
      Tags: [
        {Key: SHARD_PRODUCT_TAG, Value: product},
        {Key: SHARD_CAPACITY_TAG, Value: String(capacity)},
      ],
    }),
  )
}

/** The tenant store (the default table in HOME_REGION), opened with a test session. */
export async function openTestStore(): Promise<TenantStore> {
  return TenantStore.open(await testSession(), {table: DEFAULT_TENANT_TABLE, region: HOME_REGION})
}

/** Creates the tenant store's table, as "opsctl tenant init" does. */
export async function initTenantStore(): Promise<TenantStore> {
  const store = await openTestStore()
  const {exitCode, record} = await runWorkflow({
    workflow: tableInitWorkflow({table: store.table, region: HOME_REGION}),
    context: {store, kms: new KMSClient({region: HOME_REGION}), pollIntervalMs: 10, timeoutMs: 10_000},
    parameters: {},
    reporter: silentReporter,
  })
  if (exitCode !== ExitCode.Success) throw new Error(`tenant init failed: ${record.error?.message}`)
  return store
}

export type TenantRequest = Partial<ProvisionRequest> & Pick<ProvisionRequest, 'tenantId' | 'products'>

/** What a provision request holds when a test does not say: the site is the tenant id, one seat each, no residency. */
export const provisionRequest = (request: TenantRequest): ProvisionRequest => ({
  site: request.tenantId,
  residency: GLOBAL,
  seats: Object.fromEntries(request.products.map((p) => [p, 1])),
  apps: [],
  config: {},
  secrets: {},
  eventBus: 'default',
  ...request,
})

/**
 * Provisions a tenant with the library workflow (the tenant store must exist) and returns its run, failing the test
 * when it fails. `deliver: false` stops before the events are delivered, as a provision killed right before its last
 * step does: every event then waits in the outbox.
 */
export async function provisionTenant(request: TenantRequest, options: {deliver?: boolean} = {}): Promise<RunRecord> {
  const session = await testSession()
  const store = await openTestStore()
  const steps = provisionWorkflow.steps.filter((s) => options.deliver !== false || s.id !== 'deliver-events')
  const {exitCode, record} = await runWorkflow({
    workflow: {name: provisionWorkflow.name, steps},
    context: {session, store, eventbridge: new EventBridgeClient({region: HOME_REGION}), request: provisionRequest(request)},
    parameters: {tenantId: request.tenantId},
    reporter: silentReporter,
  })
  if (exitCode !== ExitCode.Success) throw new Error(`provisioning ${request.tenantId} failed: ${record.error?.message}`)
  return record
}

/** An event as EventBridge delivers it to a rule's target. */
export interface DeliveredEvent {
  id: string
  source: string
  'detail-type': string
  time: string
  resources: string[]
  detail: Record<string, unknown>
}

/**
 * A queue that receives every tenant event (source opsctl.tenants) put on the bus, through a rule; `drain` reads
 * what arrived since the last drain. moto delivers to the queue while it answers PutEvents.
 */
export async function tenantEventQueue(bus = 'default'): Promise<{drain(): Promise<DeliveredEvent[]>}> {
  const sqs = new SQSClient({region: HOME_REGION})
  const name = `tenant-events-${bus}`
  const {QueueUrl} = await sqs.send(new CreateQueueCommand({QueueName: name}))
  const {Attributes} = await sqs.send(new GetQueueAttributesCommand({QueueUrl, AttributeNames: ['QueueArn']}))
  const eventbridge = new EventBridgeClient({region: HOME_REGION})
  await eventbridge.send(new PutRuleCommand({Name: name, EventBusName: bus, EventPattern: JSON.stringify({source: ['opsctl.tenants']})}))
  await eventbridge.send(new PutTargetsCommand({Rule: name, EventBusName: bus, Targets: [{Id: 'queue', Arn: Attributes!.QueueArn}]}))
  return {
    async drain() {
      const received: DeliveredEvent[] = []
      for (;;) {
        const {Messages = []} = await sqs.send(new ReceiveMessageCommand({QueueUrl, MaxNumberOfMessages: 10}))
        if (Messages.length === 0) return received
        received.push(...Messages.map((m) => JSON.parse(m.Body!) as DeliveredEvent))
        const entries = Messages.map((m, i) => ({Id: String(i), ReceiptHandle: m.ReceiptHandle}))
        await sqs.send(new DeleteMessageBatchCommand({QueueUrl, Entries: entries}))
      }
    },
  }
}

/**
 * What the tenant store and Parameter Store hold, in a form two runs can be compared by: every item's keys (with a
 * context's version and status, a shard's fill), and every parameter under /opsctl/tenants in the regions.
 */
export async function tenantEstate(regions: string[]): Promise<string[]> {
  const {Items = []} = await new DynamoDBClient({}).send(new ScanCommand({TableName: DEFAULT_TENANT_TABLE}))
  const items = Items.map((i) => `${i.pk.S} ${i.sk.S}${i.version ? ` v${i.version.N} ${i.status.S}` : ''}${i.tenants ? ` fill ${i.tenants.N}` : ''}`)
  const parameters: string[] = []
  for (const region of regions) {
    for await (const {Parameters = []} of paginateGetParametersByPath({client: new SSMClient({region})}, {Path: '/opsctl/tenants/', Recursive: true}))
      parameters.push(...Parameters.map((p) => `${region} ${p.Name} ${p.Type}`))
  }
  return [...items, ...parameters].sort()
}
