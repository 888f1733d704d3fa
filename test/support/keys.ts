import {CloudTrailClient, CreateTrailCommand} from '@aws-sdk/client-cloudtrail'
import {DynamoDBClient, PutItemCommand} from '@aws-sdk/client-dynamodb'
import {CreateVolumeCommand, EC2Client} from '@aws-sdk/client-ec2'
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  type GetKeyRotationStatusResponse,
  type KeyMetadata,
  KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms'
import {CreateDBClusterCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {marshall} from '@aws-sdk/util-dynamodb'
import type {InitializeMiddleware} from '@smithy/types'

import type {AwsSession} from '../../src/lib/aws/session.js'
import {DEFAULT_TENANT_TABLE, dataKeyKey} from '../../src/lib/tenants/store.js'
import {createShard, HOME_REGION, initTenantStore, provisionTenant} from './tenants.js'

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

/*
 * A KMS estate in moto for the key status tests: a shard's key with the shard, an Aurora cluster, a volume and two
 * tenants' data keys under it; a trail's key rotated once on demand; a legacy key that never rotates.
 */

export interface KeyEstate {
  shardKey: KeyMetadata
  auditKey: KeyMetadata
  legacyKey: KeyMetadata
  volumeId: string
}

const kms = () => new KMSClient({})

async function keyWithAlias(alias: string, rotating: boolean): Promise<KeyMetadata> {
  const {KeyMetadata} = await kms().send(new CreateKeyCommand({Description: alias}))
  await kms().send(new CreateAliasCommand({AliasName: alias, TargetKeyId: KeyMetadata!.KeyId}))
  if (rotating) await kms().send(new EnableKeyRotationCommand({KeyId: KeyMetadata!.KeyId}))
  return KeyMetadata!
}

/** The shard jira-us-1 (its key aliased alias/opsctl-shards, rotating), with the tenants acme and globex on it. */
async function shardKeyWithUsers(): Promise<{shardKey: KeyMetadata; volumeId: string}> {
  await createShard('jira-us-1', 'jira', 'us-east-1')
  const {KeyMetadata} = await kms().send(new DescribeKeyCommand({KeyId: (await shardKmsKeyId('jira-us-1'))!}))
  const shardKey = KeyMetadata!
  await kms().send(new CreateAliasCommand({AliasName: 'alias/opsctl-shards', TargetKeyId: shardKey.KeyId}))
  await kms().send(new EnableKeyRotationCommand({KeyId: shardKey.KeyId}))
  await initTenantStore()
  for (const tenantId of ['acme', 'globex']) await provisionTenant({tenantId, products: ['jira']})
  await new RDSClient({}).send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'ledger',
      Engine: 'aurora-postgresql',
      MasterUsername: 'opsadmin',
      MasterUserPassword: 'not-a-real-password-1',
      StorageEncrypted: true,
      KmsKeyId: shardKey.Arn,
    }),
  )
  const {VolumeId} = await new EC2Client({}).send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, Encrypted: true, KmsKeyId: shardKey.Arn}))
  return {shardKey, volumeId: VolumeId!}
}

async function shardKmsKeyId(instance: string): Promise<string | undefined> {
  const {DBInstances = []} = await new RDSClient({}).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: instance}))
  return DBInstances[0]?.KmsKeyId
}

/** Builds the estate: every resource in us-east-1, the tenant store there too. */
export async function keyEstate(): Promise<KeyEstate> {
  const {shardKey, volumeId} = await shardKeyWithUsers()
  const auditKey = await keyWithAlias('alias/opsctl-audit', true)
  await kms().send(new RotateKeyOnDemandCommand({KeyId: auditKey.KeyId}))
  await new S3Client({}).send(new CreateBucketCommand({Bucket: 'opsctl-audit-logs'}))
  await new CloudTrailClient({}).send(new CreateTrailCommand({Name: 'audit', S3BucketName: 'opsctl-audit-logs', KmsKeyId: auditKey.Arn}))
  const legacyKey = await keyWithAlias('alias/opsctl-legacy', false)
  return {shardKey, auditKey, legacyKey, volumeId}
}

type KmsMiddleware = InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes>

/**
 * The session's KMS client answers GetKeyRotationStatus with the fields moto 5.2.1 lacks (RotationPeriodInDays,
 * NextRotationDate, OnDemandRotationStartDate), per key id; everything else is moto's own answer.
 */
export function withRotationFields(session: AwsSession, fields: Record<string, Partial<GetKeyRotationStatusResponse>>): void {
  const addFields: InitializeMiddleware<{KeyId?: string}, GetKeyRotationStatusResponse> = (next, context) => async (args) => {
    const answer = await next(args)
    if (context.commandName !== 'GetKeyRotationStatusCommand') return answer
    const keyId = answer.output.KeyId ?? args.input.KeyId ?? ''
    const extra = Object.entries(fields).find(([id]) => keyId.endsWith(id))?.[1] ?? {}
    return {...answer, output: {...answer.output, ...extra}}
  }
  session.client(KMSClient).middlewareStack.add(addFields as unknown as KmsMiddleware, {step: 'initialize', name: 'rotationFields'})
}

/** The session's KMS client reports the given keys as AWS managed (moto makes every key customer managed). */
export function withAwsManagedKeys(session: AwsSession, keyIds: string[]): void {
  const awsManaged: InitializeMiddleware<object, {KeyMetadata?: KeyMetadata}> = (next, context) => async (args) => {
    const answer = await next(args)
    const key = answer.output.KeyMetadata
    if (context.commandName !== 'DescribeKeyCommand' || !key || !keyIds.includes(key.KeyId!)) return answer
    return {...answer, output: {...answer.output, KeyMetadata: {...key, KeyManager: 'AWS'}}}
  }
  session.client(KMSClient).middlewareStack.add(awsManaged as unknown as KmsMiddleware, {step: 'initialize', name: 'awsManagedKeys'})
}
