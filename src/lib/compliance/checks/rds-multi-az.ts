import {clusterResource, instanceResource, primaryInstances} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsMultiAz: Check = {
  id: 'rds-multi-az',
  title: 'RDS DB instances and Aurora clusters span more than one Availability Zone',
  service: 'rds',
  inventories: ['rds'],
  severity: 'medium',
  risk: 'A single-AZ database is down until it is restored when its Availability Zone fails; Multi-AZ fails over automatically in 60–120 seconds.',
  remediation: {
    text: 'Turn on Multi-AZ for the instance, or add an Aurora replica in another Availability Zone to the cluster.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --multi-az --apply-immediately',
  },
  configRule: 'RDS_MULTI_AZ_SUPPORT',
  prowlerId: 'rds_instance_multi_az',
  evaluate: ({rds}) => [
    ...primaryInstances(rds).map((i) => ({
      resource: instanceResource(i),
      pass: i.MultiAZ === true,
      reason: i.MultiAZ ? `DB instance ${i.DBInstanceIdentifier} is Multi-AZ.` : `DB instance ${i.DBInstanceIdentifier} runs in a single Availability Zone.`,
    })),
    ...rds.clusters.map((c) => ({
      resource: clusterResource(c),
      pass: c.MultiAZ === true,
      reason: c.MultiAZ
        ? `DB cluster ${c.DBClusterIdentifier} has members in more than one Availability Zone.`
        : `DB cluster ${c.DBClusterIdentifier} has all its members in one Availability Zone.`,
    })),
  ],
}
