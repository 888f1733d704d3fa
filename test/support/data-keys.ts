import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {CreateKeyCommand, DecryptCommand, KMSClient} from '@aws-sdk/client-kms'
import {BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand} from '@aws-sdk/lib-dynamodb'

import {newWrappedDataKey} from '../../src/lib/aws/kms.js'
import {type DataKeyRecord, dataKeyKey, firstDataKey} from '../../src/lib/tenants/data-keys.js'
import {DEFAULT_TENANT_TABLE} from '../../src/lib/tenants/store.js'
import {createShard, HOME_REGION, initTenantStore, provisionTenant} from './tenants.js'

/*
 * Tenants' data keys in moto for tests: written straight into the tenant store (thousands of them, without
 * provisioning each tenant), counted as a service counts its encrypt operations, and read back item by item.
 */

const doc = () => DynamoDBDocumentClient.from(new DynamoDBClient({region: HOME_REGION}))

/** A KMS key of the home region to wrap test data keys under. */
export async function createWrappingKey(): Promise<string> {
  const {KeyMetadata} = await new KMSClient({region: HOME_REGION}).send(new CreateKeyCommand({Description: 'test data keys'}))
  return KeyMetadata!.Arn!
}

/**
 * Writes current data keys for tenants `<prefix>-0` … `<prefix>-<n-1>` (product jira), each wrapped for real under the
 * KMS key, created at `createdAt` with `operations` counted.
 */
export async function seedDataKeys(n: number, options: {keyArn: string; createdAt: string; operations?: number; prefix?: string}): Promise<void> {
  const kms = new KMSClient({region: HOME_REGION})
  const keys: DataKeyRecord[] = []
  for (let i = 0; i < n; i++) {
    const target = {tenantId: `${options.prefix ?? 'tenant'}-${i}`, product: 'jira'}
    const wrapped = await newWrappedDataKey(kms, options.keyArn, {tenant: target.tenantId, product: target.product})
    keys.push({...firstDataKey(target, wrapped, options.createdAt, 'seed'), operations: options.operations ?? 0})
  }
  for (let start = 0; start < keys.length; start += 25) {
    const puts = keys.slice(start, start + 25).map((Item) => ({PutRequest: {Item}}))
    await doc().send(new BatchWriteCommand({RequestItems: {[DEFAULT_TENANT_TABLE]: puts}}))
  }
}

/** What a service does after encrypting: adds its operations to the current key's counter, atomically. */
export async function countOperations(tenantId: string, product: string, n: number): Promise<void> {
  await doc().send(
    new UpdateCommand({
      TableName: DEFAULT_TENANT_TABLE,
      Key: dataKeyKey(tenantId, product),
      UpdateExpression: 'ADD operations :n',
      ExpressionAttributeValues: {':n': n},
    }),
  )
}

/** Every data key item of a tenant, as stored (wrapped blobs included), by sort key. */
export async function dataKeyItems(tenantId: string): Promise<DataKeyRecord[]> {
  const {Items = []} = await doc().send(
    new QueryCommand({
      TableName: DEFAULT_TENANT_TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dk)',
      ExpressionAttributeValues: {':pk': `TENANT#${tenantId}`, ':dk': 'DATAKEY#'},
    }),
  )
  return Items as DataKeyRecord[]
}

/** Every data key item of the store: "<tenant> <sk> v<version> <status>", sorted (to compare two runs' results). */
export async function dataKeyEstate(): Promise<string[]> {
  const items: DataKeyRecord[] = []
  let ExclusiveStartKey: Record<string, unknown> | undefined
  do {
    const page = await doc().send(new ScanCommand({TableName: DEFAULT_TENANT_TABLE, ExclusiveStartKey}))
    items.push(...((page.Items ?? []) as DataKeyRecord[]).filter((i) => i.sk.startsWith('DATAKEY#')))
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  return items.map((i) => `${i.tenantId} ${i.sk} v${i.keyVersion} ${i.status}`).sort()
}

/** Whether KMS still decrypts a wrapped data key with its encryption context (returns the plaintext's length only). */
export async function decryptsTo(key: Pick<DataKeyRecord, 'wrappedKey' | 'encryptionContext' | 'keyArn'>): Promise<number> {
  const {Plaintext} = await new KMSClient({region: key.keyArn.split(':')[3]}).send(
    new DecryptCommand({CiphertextBlob: Buffer.from(key.wrappedKey, 'base64'), EncryptionContext: key.encryptionContext, KeyId: key.keyArn}),
  )
  return Plaintext?.length ?? 0
}

/** The tenant store with two tenants pinned to the EU: acme (Jira and Confluence, two shards) and globex (Jira): three data keys. */
export async function provisionTwoTenants(): Promise<void> {
  await initTenantStore()
  await createShard('jira-eu', 'jira', 'eu-central-1', 5)
  await createShard('confluence-eu', 'confluence', 'eu-west-1', 5)
  await provisionTenant({tenantId: 'acme', products: ['jira', 'confluence'], residency: 'EU'})
  await provisionTenant({tenantId: 'globex', products: ['jira'], residency: 'EU'})
}
