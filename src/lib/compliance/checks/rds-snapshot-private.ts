import {clusterSnapshotResource, snapshotResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsSnapshotPrivate: Check = {
  id: 'rds-snapshot-private',
  title: 'RDS manual snapshots are not public',
  service: 'rds',
  inventories: ['rds'],
  severity: 'critical',
  risk: 'A snapshot whose restore attribute holds "all" can be restored by every AWS account: the whole database is public.',
  remediation: {
    text: 'Remove "all" from the restore attribute of the snapshot.',
    cli: 'aws rds modify-db-snapshot-attribute --db-snapshot-identifier <snapshot> --attribute-name restore --values-to-remove all',
  },
  configRule: 'RDS_SNAPSHOTS_PUBLIC_PROHIBITED',
  prowlerId: 'rds_snapshots_public_access',
  evaluate({rds}) {
    const judge = (kind: string, id: string, arn: string) => {
      const isPublic = rds.restoreAccess.get(arn)?.includes('all') === true
      return {pass: !isPublic, reason: `${kind} ${id} ${isPublic ? 'can be restored by any AWS account' : 'is not public'}.`}
    }
    return [
      ...rds.snapshots
        .filter((s) => s.SnapshotType === 'manual')
        .map((s) => ({resource: snapshotResource(s), ...judge('DB snapshot', s.DBSnapshotIdentifier!, s.DBSnapshotArn!)})),
      ...rds.clusterSnapshots
        .filter((s) => s.SnapshotType === 'manual')
        .map((s) => ({resource: clusterSnapshotResource(s), ...judge('DB cluster snapshot', s.DBClusterSnapshotIdentifier!, s.DBClusterSnapshotArn!)})),
    ]
  },
}
