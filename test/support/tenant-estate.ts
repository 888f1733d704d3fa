import {DynamoDBClient, ScanCommand} from '@aws-sdk/client-dynamodb'
import {EventBridgeClient, PutRuleCommand, PutTargetsCommand} from '@aws-sdk/client-eventbridge'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient} from '@aws-sdk/client-sqs'
import {GetParametersByPathCommand, SSMClient} from '@aws-sdk/client-ssm'

import {SHARD_CAPACITY_TAG, SHARD_PRODUCT_TAG} from '../../src/lib/tenants/shards.js'
import {DEFAULT_TENANT_TABLE} from '../../src/lib/tenants/store.js'

/** A shard in moto: a PostgreSQL instance in the region, encrypted with a key of its own, tagged with its product and capacity. */
export async function createShard(id: string, product: string, region: string, capacity: number): Promise<void> {
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

/** Every tenant event on the default bus lands in an SQS queue, which the test reads back. */
export async function eventQueue(): Promise<{drain(): Promise<{detailType: string; detail: Record<string, unknown>}[]>}> {
  const sqs = new SQSClient({})
  const {QueueUrl} = await sqs.send(new CreateQueueCommand({QueueName: `tenant-events-${Math.random().toString(16).slice(2, 8)}`}))
  const {Attributes} = await sqs.send(new GetQueueAttributesCommand({QueueUrl, AttributeNames: ['QueueArn']}))
  const events = new EventBridgeClient({})
  const rule = `tenant-events-${Math.random().toString(16).slice(2, 8)}`
  await events.send(new PutRuleCommand({Name: rule, EventPattern: JSON.stringify({source: ['opsctl.tenants']})}))
  await events.send(new PutTargetsCommand({Rule: rule, Targets: [{Id: 'queue', Arn: Attributes!.QueueArn}]}))
  return {
    async drain() {
      const received: {detailType: string; detail: Record<string, unknown>}[] = []
      for (;;) {
        const {Messages = []} = await sqs.send(new ReceiveMessageCommand({QueueUrl, MaxNumberOfMessages: 10}))
        if (Messages.length === 0) return received
        for (const message of Messages) {
          const body = JSON.parse(message.Body!)
          received.push({detailType: body['detail-type'], detail: body.detail})
          await sqs.send(new DeleteMessageCommand({QueueUrl, ReceiptHandle: message.ReceiptHandle}))
        }
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
    const {Parameters = []} = await new SSMClient({region}).send(new GetParametersByPathCommand({Path: '/opsctl/tenants/', Recursive: true}))
    parameters.push(...Parameters.map((p) => `${region} ${p.Name} ${p.Type}`))
  }
  return [...items, ...parameters].sort()
}
