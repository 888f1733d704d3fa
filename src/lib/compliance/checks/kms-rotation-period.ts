import {supportsRotation} from '../inventory/kms.js'
import type {Check} from '../types.js'

export const kmsRotationPeriod: Check = {
  id: 'kms-rotation-period',
  title: 'Customer-managed KMS keys rotate at least as often as the policy asks (365 days unless --max-rotation-days)',
  service: 'kms',
  inventories: ['kms'],
  severity: 'medium',
  risk: 'A key that rotates less often than the policy keeps each key version in use longer, so more data is exposed by one leaked version.',
  remediation: {
    text: 'Shorten the automatic rotation period of the key to the policy (KMS accepts 90 to 2560 days).',
    cli: 'aws kms enable-key-rotation --key-id <key-id> --rotation-period-in-days 365',
  },
  // Neither AWS Config nor Prowler judges the period itself (CMK_BACKING_KEY_ROTATION_ENABLED and
  // kms_cmk_rotation_enabled only ask whether rotation is on), so neither is named here.
  // Keys with rotation off are kms-rotation's to fail; this check judges only how often rotating keys rotate.
  evaluate: ({kms}, {maxRotationDays}) =>
    kms.keys
      .filter((k) => supportsRotation(k.metadata) && k.rotationEnabled === true && k.rotationPeriodDays !== undefined)
      .map((k) => {
        const days = k.rotationPeriodDays!
        return {
          resource: {type: 'AWS::KMS::Key', id: k.metadata.KeyId!, arn: k.metadata.Arn, tags: k.tags},
          pass: days <= maxRotationDays,
          reason:
            days <= maxRotationDays
              ? `KMS key ${k.metadata.KeyId} rotates every ${days} days, within the policy's ${maxRotationDays}.`
              : `KMS key ${k.metadata.KeyId} rotates every ${days} days, longer than the policy's ${maxRotationDays}.`,
        }
      }),
}
