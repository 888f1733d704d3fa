import type {Check} from '../types.js'

export const kmsNotPendingDeletion: Check = {
  id: 'kms-not-pending-deletion',
  title: 'Customer-managed KMS keys are not scheduled for deletion',
  service: 'kms',
  inventories: ['kms'],
  severity: 'high',
  risk: 'Once a key is deleted, everything encrypted under it (databases, snapshots, data keys) can never be decrypted again.',
  remediation: {
    text: 'Cancel the deletion if the key may still protect data, then enable the key again.',
    cli: 'aws kms cancel-key-deletion --key-id <key-id> && aws kms enable-key --key-id <key-id>',
  },
  configRule: 'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
  prowlerId: 'kms_cmk_not_deleted_unintentionally',
  evaluate: ({kms}) =>
    kms.keys
      .filter((k) => k.metadata.KeyManager === 'CUSTOMER')
      .map((k) => {
        const pending = k.metadata.KeyState === 'PendingDeletion' || k.metadata.KeyState === 'PendingReplicaDeletion'
        return {
          resource: {type: 'AWS::KMS::Key', id: k.metadata.KeyId!, arn: k.metadata.Arn, tags: k.tags},
          pass: !pending,
          reason: pending
            ? `KMS key ${k.metadata.KeyId} is scheduled for deletion${k.metadata.DeletionDate ? ` on ${k.metadata.DeletionDate.toISOString()}` : ''}.`
            : `KMS key ${k.metadata.KeyId} is not scheduled for deletion.`,
        }
      }),
}
