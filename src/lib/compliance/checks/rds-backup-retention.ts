import {clusterResource, instanceResource, primaryInstances} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsBackupRetention: Check = {
  id: 'rds-backup-retention',
  title: 'RDS automated backups are kept at least the minimum retention (30 days unless --min-retention)',
  service: 'rds',
  inventories: ['rds'],
  severity: 'medium',
  risk: 'Shorter retention means a corruption noticed late can no longer be undone from a backup.',
  remediation: {
    text: 'Raise the backup retention period of the instance or cluster.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --backup-retention-period 30 --apply-immediately',
  },
  configRule: 'DB_INSTANCE_BACKUP_ENABLED',
  prowlerId: 'rds_instance_backup_enabled',
  evaluate({rds}, {minRetentionDays}) {
    const judge = (kind: string, id: string, days = 0) => ({
      pass: days >= minRetentionDays,
      reason:
        days >= minRetentionDays
          ? `${kind} ${id} keeps automated backups for ${days} days.`
          : days === 0
            ? `${kind} ${id} has automated backups turned off; ${minRetentionDays} days are required.`
            : `${kind} ${id} keeps automated backups for ${days} day${days === 1 ? '' : 's'}, less than the required ${minRetentionDays}.`,
    })
    // Read replicas are skipped: their source's backups are the ones that count.
    return [
      ...primaryInstances(rds).map((i) => ({resource: instanceResource(i), ...judge('DB instance', i.DBInstanceIdentifier!, i.BackupRetentionPeriod)})),
      ...rds.clusters.map((c) => ({resource: clusterResource(c), ...judge('DB cluster', c.DBClusterIdentifier!, c.BackupRetentionPeriod)})),
    ]
  },
}
