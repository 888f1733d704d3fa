import type {Check} from '../types.js'

const KMS_ALGORITHMS = new Set(['aws:kms', 'aws:kms:dsse'])

export const s3Kms: Check = {
  id: 's3-kms',
  title: 'S3 buckets encrypt new objects with a KMS key by default',
  service: 's3',
  inventories: ['s3'],
  severity: 'medium',
  risk: 'With S3-managed keys (SSE-S3) anyone allowed to read the bucket reads the data; a KMS key adds a separate, audited permission.',
  remediation: {
    text: 'Set the default encryption of the bucket to SSE-KMS with a customer-managed key and an S3 Bucket Key.',
    cli: 'aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key-arn>"},"BucketKeyEnabled":true}]}\'',
  },
  configRule: 'S3_DEFAULT_ENCRYPTION_KMS',
  prowlerId: 's3_bucket_kms_encryption',
  evaluate: ({s3}) =>
    s3.buckets.map((b) => {
      const algorithm = b.encryptionRules[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm
      const pass = algorithm !== undefined && KMS_ALGORITHMS.has(algorithm)
      return {
        resource: {type: 'AWS::S3::Bucket', id: b.name, arn: b.arn, tags: b.tags},
        pass,
        reason: pass
          ? `S3 bucket ${b.name} encrypts with ${algorithm} by default.`
          : algorithm
            ? `S3 bucket ${b.name} encrypts with ${algorithm}, not a KMS key, by default.`
            : `S3 bucket ${b.name} has no default encryption configuration.`,
      }
    }),
}
