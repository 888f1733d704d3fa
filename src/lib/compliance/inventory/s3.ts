import type {ServerSideEncryptionRule} from '@aws-sdk/client-s3'

import {collectPages, mapWithLimit} from '../../aws/paginate.js'
import {tagMap} from '../../aws/tags.js'
import {type CollectorContext, SERVICE_CONCURRENCY} from './collector.js'

export interface S3Bucket {
  name: string
  arn: string
  /** Empty when the bucket has no default encryption configuration. */
  encryptionRules: ServerSideEncryptionRule[]
  tags?: Record<string, string>
}

export interface S3Inventory {
  buckets: S3Bucket[]
}

const missing = (error: unknown, ...names: string[]) => names.includes((error as Error).name)

/** The buckets whose home is this region (ListBuckets is global; its BucketRegion filter keeps them apart). */
export async function collectS3({session, region, withTags}: CollectorContext): Promise<S3Inventory> {
  const {GetBucketEncryptionCommand, GetBucketTaggingCommand, paginateListBuckets, S3Client} = await import('@aws-sdk/client-s3')
  const client = session.client(S3Client)
  const names = (await collectPages(paginateListBuckets({client}, {BucketRegion: region, MaxBuckets: 10_000}), (p) => p.Buckets)).map((b) => b.Name!)
  const buckets = await mapWithLimit(names, SERVICE_CONCURRENCY, async (name): Promise<S3Bucket> => {
    const bucket: S3Bucket = {name, arn: `arn:aws:s3:::${name}`, encryptionRules: []}
    try {
      const {ServerSideEncryptionConfiguration} = await client.send(new GetBucketEncryptionCommand({Bucket: name}))
      bucket.encryptionRules = ServerSideEncryptionConfiguration?.Rules ?? []
    } catch (error) {
      if (!missing(error, 'ServerSideEncryptionConfigurationNotFoundError')) throw error
    }
    if (withTags) {
      bucket.tags = await client.send(new GetBucketTaggingCommand({Bucket: name})).then(
        ({TagSet}) => tagMap(TagSet),
        (error) => {
          if (missing(error, 'NoSuchTagSet', 'NoSuchTagSetError')) return {}
          throw error
        },
      )
    }
    return bucket
  })
  return {buckets}
}
