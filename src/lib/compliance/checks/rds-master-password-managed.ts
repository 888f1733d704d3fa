import {clusterResource, instanceResource, isClusterMember, isReadReplica} from '../inventory/rds.js'
import type {Check, Verdict} from '../types.js'

const verdict = (resource: Verdict['resource'], what: string, managed: boolean): Verdict => ({
  resource,
  pass: managed,
  reason: managed
    ? `${what} ${resource.id} has its master password managed by RDS in Secrets Manager.`
    : `${what} ${resource.id} has a master password set by hand, not managed by RDS in Secrets Manager.`,
})

export const rdsMasterPasswordManaged: Check = {
  id: 'rds-master-password-managed',
  title: 'RDS DB instances and clusters keep their master password in Secrets Manager, managed by RDS',
  service: 'rds',
  inventories: ['rds'],
  severity: 'medium',
  risk: 'A master password chosen by hand lives wherever it was typed (scripts, templates, CI variables, code) and changes only when someone remembers to change it.',
  remediation: {
    text: 'Let RDS manage the master password in Secrets Manager (it generates, stores and rotates it); applications read it from the secret.',
    cli: 'aws rds modify-db-instance --db-instance-identifier <instance> --manage-master-user-password --apply-immediately',
  },
  // Neither AWS Config nor Prowler has a rule for ManageMasterUserPassword, so neither is named here.
  // Aurora and Multi-AZ cluster members use their cluster's master user, and read replicas their source's: judged there.
  evaluate: ({rds}) => [
    ...rds.instances
      .filter((i) => !isClusterMember(i) && !isReadReplica(i))
      .map((i) => verdict(instanceResource(i), 'DB instance', Boolean(i.MasterUserSecret?.SecretArn))),
    ...rds.clusters.map((c) => verdict(clusterResource(c), 'DB cluster', Boolean(c.MasterUserSecret?.SecretArn))),
  ],
}
