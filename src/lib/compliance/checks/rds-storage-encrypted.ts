import {instanceResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsStorageEncrypted: Check = {
  id: 'rds-storage-encrypted',
  title: 'RDS DB instances encrypt their storage',
  service: 'rds',
  inventories: ['rds'],
  severity: 'high',
  risk: 'Unencrypted storage, automated backups, replicas and snapshots expose tenant data to anyone who obtains the volumes or snapshots.',
  remediation: {
    text: 'Encryption cannot be switched on in place: snapshot the instance, copy the snapshot with a KMS key, and restore from the encrypted copy.',
    cli: 'aws rds copy-db-snapshot --source-db-snapshot-identifier <snapshot> --target-db-snapshot-identifier <snapshot>-encrypted --kms-key-id <key-arn>',
  },
  configRule: 'RDS_STORAGE_ENCRYPTED',
  prowlerId: 'rds_instance_storage_encrypted',
  evaluate: ({rds}) =>
    rds.instances.map((i) => ({
      resource: instanceResource(i),
      pass: i.StorageEncrypted === true,
      reason: i.StorageEncrypted
        ? `DB instance ${i.DBInstanceIdentifier} encrypts its storage.`
        : `DB instance ${i.DBInstanceIdentifier} does not encrypt its storage.`,
    })),
}
