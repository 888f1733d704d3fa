import {DynamoDBClient, PutItemCommand} from '@aws-sdk/client-dynamodb'
import {CreateKeyCommand, type CreateKeyCommandInput, EncryptCommand, KMSClient, ListKeyRotationsCommand} from '@aws-sdk/client-kms'
import {marshall} from '@aws-sdk/util-dynamodb'

import {DEFAULT_TENANT_TABLE, dataKeyKey} from '../../src/lib/tenants/store.js'
import {HOME_REGION} from './tenants.js'

/*
 * KMS keys and tenants' wrapped data keys in moto for the key tests. A data key is written with a plaintext the test
 * knows, so that a test can search every output for it: opsctl must decrypt it and show it nowhere.
 */

/** A customer managed key (symmetric encryption unless said otherwise): its ARN. */
export async function createKey(input: CreateKeyCommandInput = {}, region = HOME_REGION): Promise<string> {
  const {KeyMetadata} = await new KMSClient({region}).send(new CreateKeyCommand({Description: 'a key of the key tests', ...input}))
  return KeyMetadata!.Arn!
}

/** A tenant's data key wrapped under the KMS key, written to the tenant store as provisioning writes it. */
export async function putTenantDataKey(tenantId: string, product: string, keyArn: string, plaintext: Uint8Array): Promise<string> {
  const encryptionContext = {tenant: tenantId, product}
  const {CiphertextBlob} = await new KMSClient({region: HOME_REGION}).send(
    new EncryptCommand({KeyId: keyArn, Plaintext: plaintext, EncryptionContext: encryptionContext}),
  )
  const wrappedKey = Buffer.from(CiphertextBlob!).toString('base64')
  const item = {...dataKeyKey(tenantId, product), tenantId, product, wrappedKey, keyArn, encryptionContext, status: 'active'}
  await new DynamoDBClient({region: HOME_REGION}).send(new PutItemCommand({TableName: DEFAULT_TENANT_TABLE, Item: marshall(item)}))
  return wrappedKey
}

/** How many on-demand rotations KMS lists for the key. */
export async function onDemandRotations(keyArn: string, region = HOME_REGION): Promise<number> {
  const {Rotations} = await new KMSClient({region}).send(new ListKeyRotationsCommand({KeyId: keyArn}))
  return (Rotations ?? []).filter((r) => r.RotationType === 'ON_DEMAND').length
}

/** Every written form of a plaintext a test searches outputs for: raw text, base64 and hex. */
export const writtenForms = (plaintext: Uint8Array) => [
  Buffer.from(plaintext).toString('utf8'),
  Buffer.from(plaintext).toString('base64'),
  Buffer.from(plaintext).toString('hex'),
]
