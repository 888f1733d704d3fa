import {instanceResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsCmk: Check = {
  id: 'rds-cmk',
  title: 'RDS DB instances are encrypted with a customer-managed KMS key',
  service: 'rds',
  inventories: ['rds', 'kms'],
  severity: 'medium',
  risk: 'The AWS-managed aws/rds key cannot be rotated on your schedule, its policy cannot be restricted, and snapshots encrypted with it cannot be shared with another account.',
  remediation: {
    text: 'Copy a snapshot of the instance re-encrypted with a customer-managed key and restore from it.',
    cli: 'aws rds copy-db-snapshot --source-db-snapshot-identifier <snapshot> --target-db-snapshot-identifier <snapshot>-cmk --kms-key-id <customer-key-arn>',
  },
  evaluate({rds, kms}, {accountId}) {
    const managerOf = new Map(
      kms.keys.flatMap((k) => [
        [k.metadata.Arn, k.metadata.KeyManager],
        [k.metadata.KeyId, k.metadata.KeyManager],
      ]),
    )
    return rds.instances.map((i) => {
      const id = i.DBInstanceIdentifier
      const key = i.KmsKeyId
      let pass = false
      let reason: string
      if (!i.StorageEncrypted || !key) reason = `DB instance ${id} is not encrypted, so not with a customer-managed key.`
      else if (managerOf.get(key) === 'CUSTOMER') [pass, reason] = [true, `DB instance ${id} is encrypted with customer-managed key ${key}.`]
      else if (managerOf.get(key) === 'AWS') reason = `DB instance ${id} is encrypted with the AWS-managed key ${key}, not a customer-managed one.`
      else if (key.startsWith('arn:') && key.split(':')[4] !== accountId) {
        // AWS-managed keys cannot be used across accounts, so a key of another account is a customer key.
        ;[pass, reason] = [true, `DB instance ${id} is encrypted with customer-managed key ${key} of account ${key.split(':')[4]}.`]
      } else reason = `DB instance ${id} is encrypted with key ${key}, which is not a customer-managed key of this account.`
      return {resource: instanceResource(i), pass, reason}
    })
  },
}
