import {instanceResource} from '../inventory/rds.js'
import type {Check} from '../types.js'

export const rdsMinorUpgrade: Check = {
  id: 'rds-minor-upgrade',
  title: 'RDS DB instances take automatic minor version upgrades',
  service: 'rds',
  inventories: ['rds'],
  severity: 'low',
  risk: 'Without automatic minor upgrades, security fixes of the engine wait for someone to apply them by hand.',
  remediation: {
    text: 'Turn automatic minor version upgrade on; it applies in the maintenance window.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --auto-minor-version-upgrade --apply-immediately',
  },
  configRule: 'RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED',
  prowlerId: 'rds_instance_minor_version_upgrade_enabled',
  evaluate: ({rds}) =>
    rds.instances.map((i) => ({
      resource: instanceResource(i),
      pass: i.AutoMinorVersionUpgrade === true,
      reason: `DB instance ${i.DBInstanceIdentifier} has automatic minor version upgrade ${i.AutoMinorVersionUpgrade ? 'on' : 'off'}.`,
    })),
}
