import type {DBSubnetGroup} from '@aws-sdk/client-rds'

import type {RegionInventory} from '../inventory/index.js'
import {internetRouteOf} from '../inventory/network.js'
import type {Check, Verdict} from '../types.js'

/**
 * The DB subnet groups DB instances use, each with its users. DescribeDBInstances returns each instance's group with
 * its subnets and VPC (Aurora members carry their cluster's), so no DescribeDBSubnetGroups call is needed, and unused
 * groups, where nothing runs, are left out.
 */
function subnetGroupsInUse({rds}: RegionInventory): Map<string, {group: DBSubnetGroup; users: string[]}> {
  const inUse = new Map<string, {group: DBSubnetGroup; users: string[]}>()
  for (const i of rds.instances) {
    const group = i.DBSubnetGroup
    if (!group?.DBSubnetGroupName) continue
    const entry = inUse.get(group.DBSubnetGroupName) ?? {group, users: []}
    entry.users.push(i.DBInstanceIdentifier!)
    inUse.set(group.DBSubnetGroupName, entry)
  }
  return inUse
}

function verdict(group: DBSubnetGroup, users: string[], {network}: RegionInventory): Verdict {
  const name = `DB subnet group ${group.DBSubnetGroupName} (used by ${users.join(', ')})`
  const publicSubnets = (group.Subnets ?? []).flatMap((s) => {
    const route = internetRouteOf(network, s.SubnetIdentifier!, group.VpcId)
    return route ? [`${s.SubnetIdentifier} routes to ${route}`] : []
  })
  return {
    resource: {type: 'AWS::RDS::DBSubnetGroup', id: group.DBSubnetGroupName!, arn: group.DBSubnetGroupArn},
    pass: publicSubnets.length === 0,
    reason:
      publicSubnets.length === 0 ? `${name} has no subnet with a route to an internet gateway.` : `${name} has public subnets: ${publicSubnets.join('; ')}.`,
  }
}

export const rdsPrivateSubnets: Check = {
  id: 'rds-private-subnets',
  title: 'DB subnet groups in use have only private subnets (no route to an internet gateway)',
  service: 'rds',
  inventories: ['rds', 'network'],
  severity: 'high',
  risk: 'RDS may place a database, or fail it over, in any subnet of its group: in a subnet that routes to an internet gateway, one setting (public accessibility) or one security group rule away from the internet.',
  remediation: {
    text: 'Replace the public subnets of the DB subnet group with private ones (whose route table sends outbound traffic to a NAT gateway, if anywhere).',
    cli: 'aws rds modify-db-subnet-group --db-subnet-group-name <group> --subnet-ids <private-subnet-a> <private-subnet-b>',
  },
  configRule: 'RDS_INSTANCE_SUBNET_IGW_CHECK',
  evaluate: (inventory) => [...subnetGroupsInUse(inventory).values()].map(({group, users}) => verdict(group, users, inventory)),
}
