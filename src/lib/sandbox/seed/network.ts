import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type IpPermission,
  type ResourceType,
} from '@aws-sdk/client-ec2'

import type {AwsSession} from '../../aws/session.js'
import type {SeedReport} from './seeder.js'

/** The administrators' address range: the only one SSH is open to, on the bastion. */
export const ADMIN_CIDR = '198.51.100.0/24'

/** The demo's VPC as the platform's guidance draws it: a public subnet for the NAT gateway, private ones for the databases. */
export interface SandboxNetwork {
  vpcId: string
  publicSubnet: string
  /** In zones a and b: a DB subnet group needs two. */
  privateSubnets: [string, string]
  groups: {
    /** The application servers: HTTPS from anywhere. */
    app: string
    /** SSH from the administrators' range only. */
    bastion: string
    /** The databases: their ports from the application servers, SSH from the bastion. */
    database: string
    /** What the checks must catch: database ports, SSH and RDP open to the world. */
    exposed: string
  }
}

const NAME = 'opsctl-demo'
const CIDR = '10.42.0.0/16'
const tagged = (type: ResourceType, name: string) => [{ResourceType: type, Tags: [{Key: 'Name', Value: name}]}]
const byName = (name: string) => [{Name: 'tag:Name', Values: [name]}]

const tcp = (port: number, from: {cidr?: string; cidrV6?: string; group?: string}): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  ...(from.cidr ? {IpRanges: [{CidrIp: from.cidr}]} : {}),
  ...(from.cidrV6 ? {Ipv6Ranges: [{CidrIpv6: from.cidrV6}]} : {}),
  ...(from.group ? {UserIdGroupPairs: [{GroupId: from.group}]} : {}),
})

/** Creates what is missing of the demo's VPC (found again by Name tags) and returns its parts. */
export async function ensureSandboxNetwork(session: AwsSession, report: SeedReport): Promise<SandboxNetwork> {
  const ec2 = session.client(EC2Client)
  const vpcId = (
    await report.ensure(
      'ec2-vpc',
      NAME,
      async () => (await ec2.send(new DescribeVpcsCommand({Filters: byName(NAME)}))).Vpcs?.[0],
      async () => (await ec2.send(new CreateVpcCommand({CidrBlock: CIDR, TagSpecifications: tagged('vpc', NAME)}))).Vpc!,
    )
  ).VpcId!
  const inVpc = [{Name: 'vpc-id', Values: [vpcId]}]
  const igw = await report.ensure(
    'ec2-internet-gateway',
    NAME,
    async () => (await ec2.send(new DescribeInternetGatewaysCommand({Filters: byName(NAME)}))).InternetGateways?.[0],
    async () => {
      const {InternetGateway} = await ec2.send(new CreateInternetGatewayCommand({TagSpecifications: tagged('internet-gateway', NAME)}))
      await ec2.send(new AttachInternetGatewayCommand({InternetGatewayId: InternetGateway!.InternetGatewayId, VpcId: vpcId}))
      return InternetGateway!
    },
  )
  const subnet = async (name: string, cidr: string, zone: string) =>
    (
      await report.ensure(
        'ec2-subnet',
        name,
        async () => (await ec2.send(new DescribeSubnetsCommand({Filters: [...inVpc, ...byName(name)]}))).Subnets?.[0],
        async () =>
          (
            await ec2.send(
              new CreateSubnetCommand({VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${session.region}${zone}`, TagSpecifications: tagged('subnet', name)}),
            )
          ).Subnet!,
      )
    ).SubnetId!
  const publicSubnet = await subnet(`${NAME}-public-a`, '10.42.0.0/24', 'a')
  const privateSubnets: [string, string] = [await subnet(`${NAME}-private-a`, '10.42.10.0/24', 'a'), await subnet(`${NAME}-private-b`, '10.42.11.0/24', 'b')]
  const nat = await report.ensure(
    'ec2-nat-gateway',
    NAME,
    async () =>
      (await ec2.send(new DescribeNatGatewaysCommand({Filter: [...byName(NAME), {Name: 'state', Values: ['pending', 'available']}]}))).NatGateways?.[0],
    async () => {
      const {AllocationId} = await ec2.send(new AllocateAddressCommand({Domain: 'vpc'}))
      return (await ec2.send(new CreateNatGatewayCommand({SubnetId: publicSubnet, AllocationId, TagSpecifications: tagged('natgateway', NAME)}))).NatGateway!
    },
  )
  const routeTable = (name: string, route: {GatewayId?: string; NatGatewayId?: string}, subnets: string[]) =>
    report.ensure(
      'ec2-route-table',
      name,
      async () => (await ec2.send(new DescribeRouteTablesCommand({Filters: [...inVpc, ...byName(name)]}))).RouteTables?.[0],
      async () => {
        const {RouteTable} = await ec2.send(new CreateRouteTableCommand({VpcId: vpcId, TagSpecifications: tagged('route-table', name)}))
        await ec2.send(new CreateRouteCommand({RouteTableId: RouteTable!.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', ...route}))
        for (const SubnetId of subnets) await ec2.send(new AssociateRouteTableCommand({RouteTableId: RouteTable!.RouteTableId, SubnetId}))
        return RouteTable!
      },
    )
  await routeTable(`${NAME}-public`, {GatewayId: igw.InternetGatewayId}, [publicSubnet])
  await routeTable(`${NAME}-private`, {NatGatewayId: nat.NatGatewayId}, privateSubnets)
  const group = async (name: string, description: string, ingress: (ids: Record<string, string>) => IpPermission[], ids: Record<string, string> = {}) =>
    (
      await report.ensure(
        'ec2-security-group',
        name,
        async () => (await ec2.send(new DescribeSecurityGroupsCommand({Filters: [...inVpc, {Name: 'group-name', Values: [name]}]}))).SecurityGroups?.[0],
        async () => {
          const {GroupId} = await ec2.send(
            new CreateSecurityGroupCommand({GroupName: name, Description: description, VpcId: vpcId, TagSpecifications: tagged('security-group', name)}),
          )
          await ec2.send(new AuthorizeSecurityGroupIngressCommand({GroupId, IpPermissions: ingress(ids)}))
          return {GroupId}
        },
      )
    ).GroupId!
  const app = await group(`${NAME}-app`, 'Application servers: HTTPS from anywhere', () => [tcp(443, {cidr: '0.0.0.0/0'})])
  const bastion = await group(`${NAME}-bastion`, 'SSH from the administrators only', () => [tcp(22, {cidr: ADMIN_CIDR})])
  const database = await group(
    `${NAME}-database`,
    'Databases: their ports from the application servers, SSH from the bastion',
    (from) => [tcp(5432, {group: from.app}), tcp(3306, {group: from.app}), tcp(22, {group: from.bastion})],
    {app, bastion},
  )
  const exposed = await group(`${NAME}-exposed`, 'What compliance checks must catch: database ports, SSH and RDP open to the internet', () => [
    tcp(5432, {cidr: '0.0.0.0/0'}),
    tcp(3306, {cidrV6: '::/0'}),
    tcp(22, {cidr: '0.0.0.0/0'}),
    tcp(3389, {cidrV6: '::/0'}),
  ])
  return {vpcId, publicSubnet, privateSubnets, groups: {app, bastion, database, exposed}}
}
