import {clusterResource, instanceResource, primaryInstances} from '../inventory/rds.js'
import type {Check} from '../types.js'

const MAX_LAG_MS = 15 * 60 * 1000

export const rdsPitr: Check = {
  id: 'rds-pitr',
  title: 'RDS point-in-time recovery reaches within 15 minutes of now',
  service: 'rds',
  inventories: ['rds'],
  severity: 'high',
  risk: 'When the latest restorable time lags, a restore loses every change made since; with backups off there is no point-in-time recovery at all.',
  remediation: {
    text: 'Turn automated backups on (a retention of 1 day or more) and look at the RDS events of an instance whose transaction log upload lags.',
    cli: 'aws rds describe-events --source-type db-instance --source-identifier <instance> --duration 1440',
  },
  evaluate({rds}, {now}) {
    const judge = (kind: string, id: string, retention = 0, latest?: Date) => {
      if (retention === 0) return {pass: false, reason: `${kind} ${id} has automated backups off, so no point-in-time recovery.`}
      if (!latest) return {pass: false, reason: `${kind} ${id} reports no latest restorable time.`}
      const lagMinutes = Math.round((now.getTime() - latest.getTime()) / 60_000)
      return now.getTime() - latest.getTime() <= MAX_LAG_MS
        ? {pass: true, reason: `${kind} ${id} can be restored to ${latest.toISOString()}.`}
        : {pass: false, reason: `${kind} ${id} can only be restored to ${latest.toISOString()}, ${lagMinutes} minutes ago.`}
    }
    return [
      ...primaryInstances(rds).map((i) => ({
        resource: instanceResource(i),
        ...judge('DB instance', i.DBInstanceIdentifier!, i.BackupRetentionPeriod, i.LatestRestorableTime),
      })),
      ...rds.clusters.map((c) => ({
        resource: clusterResource(c),
        ...judge('DB cluster', c.DBClusterIdentifier!, c.BackupRetentionPeriod, c.LatestRestorableTime),
      })),
    ]
  },
}
