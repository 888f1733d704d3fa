import type {Instance} from '@aws-sdk/client-ec2'

import {internetRouteOf, serverResource} from '../inventory/network.js'
import type {Check} from '../types.js'

/**
 * The public IPv4 addresses of a server: its primary one and any on its network interfaces (an Elastic IP on a second
 * interface). IPv6 addresses are global by nature: whether the internet reaches them is the subnet's route.
 */
const publicAddresses = (i: Instance) => [
  ...new Set([i.PublicIpAddress, ...(i.NetworkInterfaces ?? []).map((n) => n.Association?.PublicIp)].filter((ip): ip is string => Boolean(ip))),
]

export const ec2DbPrivate: Check = {
  id: 'ec2-db-private',
  title: 'EC2 database servers have no public IP and sit in private subnets',
  service: 'ec2',
  inventories: ['network'],
  severity: 'high',
  risk: 'A database server with a public address, or in a subnet that routes to an internet gateway, is one security group rule away from the internet; private subnets reach out, where needed, through a NAT gateway.',
  remediation: {
    text: 'Move the server to a private subnet (outbound traffic through a NAT gateway) without a public IP, and release any Elastic IP attached to it.',
    cli: 'aws ec2 disassociate-address --association-id <elastic-ip-association-id>',
  },
  configRule: 'EC2_INSTANCE_NO_PUBLIC_IP',
  prowlerId: 'ec2_instance_public_ip',
  evaluate: ({network}) =>
    network.databaseServers.map((i) => {
      const addresses = publicAddresses(i)
      const route = i.SubnetId ? internetRouteOf(network, i.SubnetId, i.VpcId) : undefined
      const problems = [
        ...(addresses.length > 0 ? [`has the public IP ${addresses.join(', ')}`] : []),
        ...(route ? [`sits in subnet ${i.SubnetId}, which routes to ${route}`] : []),
      ]
      return {
        resource: serverResource(i),
        pass: problems.length === 0,
        reason:
          problems.length === 0
            ? `Database server ${i.InstanceId} has no public IP and sits in private subnet ${i.SubnetId}.`
            : `Database server ${i.InstanceId} ${problems.join(' and ')}.`,
      }
    }),
}
