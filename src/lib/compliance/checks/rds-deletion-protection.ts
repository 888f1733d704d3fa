import {clusterResource, instanceResource, isClusterMember} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsDeletionProtection: Check = {
  id: 'rds-deletion-protection',
  title: 'RDS DB instances and Aurora clusters have deletion protection',
  service: 'rds',
  inventories: ['rds'],
  severity: 'medium',
  risk: 'Without deletion protection one mistaken call or template change deletes a production database.',
  remediation: {
    text: 'Turn deletion protection on for the instance or, for Aurora, the cluster.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --deletion-protection --apply-immediately',
  },
  configRule: 'RDS_INSTANCE_DELETION_PROTECTION_ENABLED',
  prowlerId: 'rds_instance_deletion_protection',
  evaluate: ({rds}) => [
    ...rds.instances
      .filter((i) => !isClusterMember(i))
      .map((i) => ({
        resource: instanceResource(i),
        pass: i.DeletionProtection === true,
        reason: `DB instance ${i.DBInstanceIdentifier} has deletion protection ${i.DeletionProtection ? 'on' : 'off'}.`,
      })),
    ...rds.clusters.map((c) => ({
      resource: clusterResource(c),
      pass: c.DeletionProtection === true,
      reason: `DB cluster ${c.DBClusterIdentifier} has deletion protection ${c.DeletionProtection ? 'on' : 'off'}.`,
    })),
  ],
}
