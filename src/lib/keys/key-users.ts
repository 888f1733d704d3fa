import type {KeyMetadata} from '@aws-sdk/client-kms'

import {isKey} from '../aws/kms.js'
import {collectPages} from '../aws/paginate.js'
import {rdsDatabases} from '../aws/rds.js'
import type {AwsSession} from '../aws/session.js'
import type {TenantStore} from '../tenants/store.js'

/*
 * What uses a KMS key: the databases, trails and volumes encrypted under it, and the tenants' data keys wrapped
 * under it. The region's resources and the tenant store's data keys are each read once, whatever the number of keys
 * asked about.
 */

/** A resource that names the KMS key it is encrypted under. */
interface EncryptedResource {
  id: string
  kmsKeyId?: string
}

/** Every resource of the region that can be encrypted under a KMS key opsctl manages. */
export interface EncryptedResources {
  dbInstances: EncryptedResource[]
  dbClusters: EncryptedResource[]
  trails: EncryptedResource[]
  volumes: EncryptedResource[]
}

/** What uses one key; tenantDataKeys is null when there is no tenant store to look in. */
export interface KeyUsers {
  dbInstances: string[]
  dbClusters: string[]
  trails: string[]
  volumes: string[]
  tenantDataKeys: number | null
}

/** Reads the region's databases (instances outside clusters, and Aurora clusters), trails and volumes, side by side. */
export async function readEncryptedResources(session: AwsSession, signal?: AbortSignal): Promise<EncryptedResources> {
  const [databases, trails, volumes] = await Promise.all([rdsDatabasesOf(session, signal), trailsOf(session, signal), volumesOf(session, signal)])
  return {dbInstances: databases.filter((d) => d.kind === 'instance'), dbClusters: databases.filter((d) => d.kind === 'cluster'), trails, volumes}
}

async function rdsDatabasesOf(session: AwsSession, signal?: AbortSignal) {
  const {RDSClient} = await import('@aws-sdk/client-rds')
  return rdsDatabases(session.client(RDSClient), signal)
}

/** The region's trails, multi-region trails homed elsewhere included: a trail's KmsKeyId is its key's ARN. */
async function trailsOf(session: AwsSession, signal?: AbortSignal): Promise<EncryptedResource[]> {
  const {CloudTrailClient, DescribeTrailsCommand} = await import('@aws-sdk/client-cloudtrail')
  const {trailList = []} = await session.client(CloudTrailClient).send(new DescribeTrailsCommand({includeShadowTrails: true}), {abortSignal: signal})
  return trailList.map((t) => ({id: t.Name!, kmsKeyId: t.KmsKeyId}))
}

/** The region's encrypted volumes (DescribeVolumes cannot filter by key: the key is matched here). */
async function volumesOf(session: AwsSession, signal?: AbortSignal): Promise<EncryptedResource[]> {
  const {EC2Client, paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const pages = paginateDescribeVolumes(
    {client: session.client(EC2Client)},
    {Filters: [{Name: 'encrypted', Values: ['true']}], MaxResults: 500},
    {abortSignal: signal},
  )
  return (await collectPages(pages, (p) => p.Volumes)).map((v) => ({id: v.VolumeId!, kmsKeyId: v.KmsKeyId}))
}

/** The ids of the resources encrypted under the key (named by key id or ARN, as each service reports it). */
const under = (resources: EncryptedResource[], key: KeyMetadata) => resources.filter((r) => isKey(r.kmsKeyId, key)).map((r) => r.id)

/** What uses each key, in the order of `keys`: the region's resources matched to each, and its tenant data keys counted. */
export async function usersOfKeys(
  keys: KeyMetadata[],
  resources: EncryptedResources,
  store: TenantStore | undefined,
  signal?: AbortSignal,
): Promise<KeyUsers[]> {
  const dataKeys = store ? await dataKeysByKmsKey(store, signal) : undefined
  return keys.map((key) => ({
    dbInstances: under(resources.dbInstances, key),
    dbClusters: under(resources.dbClusters, key),
    trails: under(resources.trails, key),
    volumes: under(resources.volumes, key),
    tenantDataKeys: dataKeys ? (dataKeys.get(key.Arn!) ?? 0) : null,
  }))
}

/** How many tenant data keys (current and decrypt-only) each KMS key wraps, by its ARN: one scan of the store. */
async function dataKeysByKmsKey(store: TenantStore, signal?: AbortSignal): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  await store.scanDataKeys(
    {},
    (page) => {
      for (const key of page) counts.set(key.keyArn, (counts.get(key.keyArn) ?? 0) + 1)
    },
    signal,
  )
  return counts
}
