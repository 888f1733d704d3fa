import {clusterSnapshotResource, snapshotResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsSnapshotEncrypted: Check = {
  id: 'rds-snapshot-encrypted',
  title: 'RDS DB snapshots and cluster snapshots are encrypted',
  service: 'rds',
  inventories: ['rds'],
  severity: 'high',
  risk: 'An unencrypted snapshot is a full copy of tenant data readable by anyone it is shared with or who restores it.',
  remediation: {
    text: 'Copy the snapshot with a KMS key, then delete the unencrypted one.',
    cli: 'aws rds copy-db-snapshot --source-db-snapshot-identifier <snapshot> --target-db-snapshot-identifier <snapshot>-encrypted --kms-key-id <key-arn>',
  },
  configRule: 'RDS_SNAPSHOT_ENCRYPTED',
  prowlerId: 'rds_snapshots_encrypted',
  evaluate: ({rds}) => [
    ...rds.snapshots.map((s) => ({
      resource: snapshotResource(s),
      pass: s.Encrypted === true,
      reason: `DB snapshot ${s.DBSnapshotIdentifier} is ${s.Encrypted ? '' : 'not '}encrypted.`,
    })),
    ...rds.clusterSnapshots.map((s) => ({
      resource: clusterSnapshotResource(s),
      pass: s.StorageEncrypted === true,
      reason: `DB cluster snapshot ${s.DBClusterSnapshotIdentifier} is ${s.StorageEncrypted ? '' : 'not '}encrypted.`,
    })),
  ],
}
