import type {Instance, IpPermission, Route, RouteTable, SecurityGroup} from '@aws-sdk/client-ec2'

import {collectPages} from '../../aws/paginate.js'
import {tagMap} from '../../aws/tags.js'
import type {CollectorContext} from './collector.js'

export interface NetworkInventory {
  securityGroups: SecurityGroup[]
  securityGroupById: ReadonlyMap<string, SecurityGroup>
  /** Each subnet's explicitly associated route table and each VPC's main one, indexed once so that a scan stays linear. */
  routeTables: {bySubnet: ReadonlyMap<string, RouteTable>; mainByVpc: ReadonlyMap<string, RouteTable>}
  /** Self-managed database servers: EC2 instances tagged with a database Role, terminated ones left out. */
  databaseServers: Instance[]
}

/** The network inventory of what the describe calls returned, with its indexes. */
export function networkInventory(securityGroups: SecurityGroup[], routeTables: RouteTable[], databaseServers: Instance[]): NetworkInventory {
  const bySubnet = new Map<string, RouteTable>()
  const mainByVpc = new Map<string, RouteTable>()
  for (const table of routeTables) {
    for (const a of table.Associations ?? []) {
      if (a.Main) mainByVpc.set(table.VpcId!, table)
      else if (a.SubnetId && a.AssociationState?.State !== 'disassociated') bySubnet.set(a.SubnetId, table)
    }
  }
  const securityGroupById = new Map(securityGroups.map((g) => [g.GroupId!, g]))
  return {securityGroups, securityGroupById, routeTables: {bySubnet, mainByVpc}, databaseServers}
}

/** The port a self-managed database server listens on, by its Role tag. */
export const DATABASE_PORTS: Readonly<Record<string, number>> = {postgres: 5432, mysql: 3306, sqlserver: 1433, oracle: 1521}

/** An RDS engine's default port ('aurora-postgresql' → 5432, 'mariadb' → 3306): for an instance still being created, without an endpoint. */
export const enginePort = (engine = ''): number | undefined =>
  Object.entries({...DATABASE_PORTS, mariadb: 3306}).find(([family]) => engine.includes(family))?.[1]

/** Instances that are gone or going: nothing can reach them any more. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped']

export async function collectNetwork({session}: CollectorContext): Promise<NetworkInventory> {
  const {EC2Client, paginateDescribeInstances, paginateDescribeRouteTables, paginateDescribeSecurityGroups} = await import('@aws-sdk/client-ec2')
  const client = session.client(EC2Client)
  const Filters = [
    {Name: 'tag:Role', Values: Object.keys(DATABASE_PORTS)},
    {Name: 'instance-state-name', Values: LIVE_STATES},
  ]
  const [securityGroups, routeTables, reservations] = await Promise.all([
    collectPages(paginateDescribeSecurityGroups({client}, {MaxResults: 1000}), (p) => p.SecurityGroups),
    collectPages(paginateDescribeRouteTables({client}, {MaxResults: 100}), (p) => p.RouteTables),
    collectPages(paginateDescribeInstances({client}, {Filters, MaxResults: 1000}), (p) => p.Reservations),
  ])
  return networkInventory(
    securityGroups,
    routeTables,
    reservations.flatMap((r) => r.Instances ?? []),
  )
}

export const securityGroupResource = (g: SecurityGroup) => ({type: 'AWS::EC2::SecurityGroup', id: g.GroupId!, tags: tagMap(g.Tags)})
export const serverResource = (i: Instance) => ({type: 'AWS::EC2::Instance', id: i.InstanceId!, tags: tagMap(i.Tags)})

/** The port of a database server by its Role tag (undefined for a Role the collector does not ask for). */
export const serverPort = (i: Instance): number | undefined => DATABASE_PORTS[tagMap(i.Tags).Role]

/** A server's security groups: the instance's and those of each of its network interfaces. */
export const serverGroupIds = (i: Instance): string[] => [
  ...new Set([...(i.SecurityGroups ?? []), ...(i.NetworkInterfaces ?? []).flatMap((n) => n.Groups ?? [])].map((g) => g.GroupId!)),
]

const INTERNET = {v4: '0.0.0.0/0', v6: '::/0'}

/** Whether a rule covers the port: all traffic (protocol -1), or TCP with the port in its range. */
function coversPort(rule: IpPermission, port: number): boolean {
  if (rule.IpProtocol === '-1') return true
  if (rule.IpProtocol !== 'tcp' && rule.IpProtocol !== '6') return false
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535)
}

/** The sources of a rule that are the whole internet (0.0.0.0/0, ::/0); other groups and narrower ranges are not. */
const internetSources = (rule: IpPermission): string[] => [
  ...((rule.IpRanges ?? []).some((r) => r.CidrIp === INTERNET.v4) ? [INTERNET.v4] : []),
  ...((rule.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === INTERNET.v6) ? [INTERNET.v6] : []),
]

const describeRule = (rule: IpPermission) => {
  const ports = rule.IpProtocol === '-1' ? 'all traffic' : rule.FromPort === rule.ToPort ? `tcp ${rule.FromPort}` : `tcp ${rule.FromPort}-${rule.ToPort}`
  return `${ports} from ${internetSources(rule).join(' and ')}`
}

/** The security groups of these ids that the inventory holds (one deleted since its database was described is gone). */
export const securityGroupsOf = ({securityGroupById}: NetworkInventory, ids: string[]): SecurityGroup[] => ids.flatMap((id) => securityGroupById.get(id) ?? [])

/** How a group opens the port to the internet, one phrase per inbound rule that does ("tcp 5432 from 0.0.0.0/0"). */
export function openToInternet(group: SecurityGroup, port: number): string[] {
  return (group.IpPermissions ?? []).filter((rule) => coversPort(rule, port) && internetSources(rule).length > 0).map(describeRule)
}

/** The route table a subnet uses: its explicit association, else the main route table of its VPC. */
const routeTableOf = ({routeTables}: NetworkInventory, subnetId: string, vpcId: string | undefined): RouteTable | undefined =>
  routeTables.bySubnet.get(subnetId) ?? (vpcId ? routeTables.mainByVpc.get(vpcId) : undefined)

/** A route to an internet gateway that is not a blackhole (its gateway detached or deleted), whatever its destination. */
const isInternetRoute = (r: Route) => Boolean(r.GatewayId?.startsWith('igw-')) && r.State !== 'blackhole'

/** The internet gateway a subnet routes to ("igw-… for 0.0.0.0/0"), or undefined for a private subnet. */
export function internetRouteOf(network: NetworkInventory, subnetId: string, vpcId: string | undefined): string | undefined {
  const table = routeTableOf(network, subnetId, vpcId)
  const route = table?.Routes?.find(isInternetRoute)
  if (!route) return undefined
  const destination = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId
  return `${route.GatewayId} for ${destination} (route table ${table!.RouteTableId})`
}
