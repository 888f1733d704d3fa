import {ownTrails, trailResource} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailKms: Check = {
  id: 'cloudtrail-kms',
  title: 'CloudTrail trails encrypt their logs with a KMS key',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'medium',
  risk: 'Logs encrypted only with S3-managed keys can be read by anyone with read access to the bucket; a KMS key adds a second, audited permission.',
  remediation: {
    text: 'Encrypt the trail with a customer-managed KMS key whose policy lets CloudTrail use it.',
    cli: 'aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>',
  },
  configRule: 'CLOUD_TRAIL_ENCRYPTION_ENABLED',
  prowlerId: 'cloudtrail_kms_encryption_enabled',
  evaluate: ({cloudtrail}, {region}) =>
    ownTrails(cloudtrail, region).map((t) => ({
      resource: trailResource(t),
      pass: Boolean(t.trail.KmsKeyId),
      reason: t.trail.KmsKeyId
        ? `Trail ${t.trail.Name} encrypts its logs with KMS key ${t.trail.KmsKeyId}.`
        : `Trail ${t.trail.Name} does not encrypt its logs with a KMS key.`,
    })),
}
