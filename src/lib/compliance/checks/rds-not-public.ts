import {instanceResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsNotPublic: Check = {
  id: 'rds-not-public',
  title: 'RDS DB instances are not publicly accessible',
  service: 'rds',
  inventories: ['rds'],
  severity: 'critical',
  risk: 'A publicly accessible instance gets a public IP address: its endpoint can be reached, scanned and brute-forced from the internet.',
  remediation: {
    text: 'Turn public accessibility off and reach the database through the VPC.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --no-publicly-accessible --apply-immediately',
  },
  configRule: 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK',
  prowlerId: 'rds_instance_no_public_access',
  evaluate: ({rds}) =>
    rds.instances.map((i) => ({
      resource: instanceResource(i),
      pass: i.PubliclyAccessible !== true,
      reason: i.PubliclyAccessible
        ? `DB instance ${i.DBInstanceIdentifier} is publicly accessible.`
        : `DB instance ${i.DBInstanceIdentifier} is not publicly accessible.`,
    })),
}
