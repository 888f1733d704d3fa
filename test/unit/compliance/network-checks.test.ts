import {
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type Instance,
  type IpPermission,
  type RouteTable,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {AwsSession} from '../../../src/lib/aws/session.js'

import {ec2DbPortNotPublic} from '../../../src/lib/compliance/checks/ec2-db-port-not-public.js'
import {ec2DbPrivate} from '../../../src/lib/compliance/checks/ec2-db-private.js'
import {ec2SshRdpNotPublic} from '../../../src/lib/compliance/checks/ec2-ssh-rdp-not-public.js'
import {rdsPrivateSubnets} from '../../../src/lib/compliance/checks/rds-private-subnets.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import {collectNetwork, networkInventory} from '../../../src/lib/compliance/inventory/network.js'
import type {Check, CheckContext} from '../../../src/lib/compliance/types.js'

const context: CheckContext = {
  region: 'us-east-1',
  accountId: '123456789012',
  now: new Date('2026-11-23T12:00:00Z'),
  minRetentionDays: 30,
  maxRotationDays: 365,
  cpuThreshold: 60,
}

const inventory = (over: {
  instances?: DBInstance[]
  clusters?: DBCluster[]
  securityGroups?: SecurityGroup[]
  routeTables?: RouteTable[]
  databaseServers?: Instance[]
}) =>
  ({
    rds: {instances: over.instances ?? [], clusters: over.clusters ?? [], snapshots: [], clusterSnapshots: [], restoreAccess: new Map()},
    network: networkInventory(over.securityGroups ?? [], over.routeTables ?? [], over.databaseServers ?? []),
  }) as unknown as RegionInventory

const judge = (check: Check, inv: RegionInventory) => check.evaluate(inv, context)
const passes = (check: Check, inv: RegionInventory) => Object.fromEntries(judge(check, inv).map((v) => [v.resource.id, v.pass]))
const reasonOf = (check: Check, inv: RegionInventory, id: string) => judge(check, inv).find((v) => v.resource.id === id)!.reason

const tcp = (from: number, to: number, source: Partial<IpPermission>): IpPermission => ({IpProtocol: 'tcp', FromPort: from, ToPort: to, ...source})
const world = {IpRanges: [{CidrIp: '0.0.0.0/0'}]}
const worldV6 = {Ipv6Ranges: [{CidrIpv6: '::/0'}]}
const group = (id: string, ...rules: IpPermission[]): SecurityGroup => ({GroupId: id, GroupName: `${id}-name`, VpcId: 'vpc-1', IpPermissions: rules})
const dbInstance = (id: string, port: number, groups: string[], over: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  Engine: 'postgres',
  Endpoint: {Port: port},
  VpcSecurityGroups: groups.map((g) => ({VpcSecurityGroupId: g, Status: 'active'})),
  ...over,
})
const server = (id: string, role: string, over: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  SubnetId: 'subnet-private-a',
  VpcId: 'vpc-1',
  Tags: [{Key: 'Role', Value: role}],
  ...over,
})

describe('compliance check ec2-db-port-not-public', () => {
  const groups = [
    group('sg-open', tcp(5432, 5432, world)),
    group('sg-range-v6', tcp(5400, 5500, worldV6)),
    group('sg-all-traffic', {IpProtocol: '-1', ...world}),
    group('sg-app-only', tcp(5432, 5432, {UserIdGroupPairs: [{GroupId: 'sg-app'}]}), tcp(5432, 5432, {IpRanges: [{CidrIp: '10.0.0.0/8'}]})),
    group('sg-other-ports', tcp(22, 22, world), {IpProtocol: 'udp', FromPort: 5432, ToPort: 5432, ...world}, tcp(5433, 6000, world)),
    group('sg-mysql-v6', tcp(3306, 3306, worldV6)),
    group('sg-custom', tcp(6543, 6543, world)),
  ]

  it('fails a DB instance whose group opens its port to 0.0.0.0/0 or ::/0, by a single port, a range or all traffic', () => {
    const inv = inventory({
      securityGroups: groups,
      instances: [
        dbInstance('open', 5432, ['sg-app-only', 'sg-open']),
        dbInstance('range-v6', 5432, ['sg-range-v6']),
        dbInstance('all-traffic', 5432, ['sg-all-traffic']),
        dbInstance('app-only', 5432, ['sg-app-only', 'sg-other-ports']),
      ],
    })
    expect(passes(ec2DbPortNotPublic, inv)).to.deep.equal({open: false, 'range-v6': false, 'all-traffic': false, 'app-only': true})
    expect(reasonOf(ec2DbPortNotPublic, inv, 'open')).to.equal(
      'DB instance open is open to the internet on its port 5432: security group sg-open allows tcp 5432 from 0.0.0.0/0.',
    )
    expect(reasonOf(ec2DbPortNotPublic, inv, 'range-v6')).to.equal(
      'DB instance range-v6 is open to the internet on its port 5432: security group sg-range-v6 allows tcp 5400-5500 from ::/0.',
    )
    expect(reasonOf(ec2DbPortNotPublic, inv, 'all-traffic')).to.contain('security group sg-all-traffic allows all traffic from 0.0.0.0/0')
    expect(reasonOf(ec2DbPortNotPublic, inv, 'app-only')).to.equal('DB instance app-only is not open to the internet on its port 5432.')
  })

  it("judges the database's own port: a moved port is safe behind a group that opens the default one, and exposed by one that opens it", () => {
    const inv = inventory({
      securityGroups: groups,
      instances: [dbInstance('moved-safe', 6543, ['sg-open']), dbInstance('moved-open', 6543, ['sg-custom'])],
    })
    expect(passes(ec2DbPortNotPublic, inv)).to.deep.equal({'moved-safe': true, 'moved-open': false})
  })

  it("judges an Aurora cluster on the cluster's port and groups, not its members, and names both sources of a rule", () => {
    const inv = inventory({
      securityGroups: [...groups, group('sg-both', tcp(3306, 3306, {...world, ...worldV6}))],
      clusters: [
        {DBClusterIdentifier: 'aurora', Engine: 'aurora-mysql', Port: 3306, VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-mysql-v6'}]},
        {DBClusterIdentifier: 'aurora-pg', Engine: 'aurora-postgresql', Port: 5432, VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-app-only'}]},
        {DBClusterIdentifier: 'aurora-both', Engine: 'aurora-mysql', Port: 3306, VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-both'}]},
      ],
      instances: [dbInstance('aurora-1', 3306, ['sg-open'], {DBClusterIdentifier: 'aurora', Engine: 'aurora-mysql'})],
    })
    expect(passes(ec2DbPortNotPublic, inv)).to.deep.equal({aurora: false, 'aurora-pg': true, 'aurora-both': false})
    expect(judge(ec2DbPortNotPublic, inv)[0].resource.type).to.equal('AWS::RDS::DBCluster')
    expect(reasonOf(ec2DbPortNotPublic, inv, 'aurora-both')).to.contain('allows tcp 3306 from 0.0.0.0/0 and ::/0')
  })

  it("takes the engine's default port for an instance still being created (no endpoint; AWS reports DbInstancePort 0)", () => {
    const inv = inventory({
      securityGroups: groups,
      instances: [
        dbInstance('creating-pg', 0, ['sg-open'], {Endpoint: undefined, DbInstancePort: 0}),
        dbInstance('creating-mariadb', 0, ['sg-open'], {Endpoint: undefined, Engine: 'mariadb'}),
      ],
    })
    expect(passes(ec2DbPortNotPublic, inv)).to.deep.equal({'creating-pg': false, 'creating-mariadb': true})
  })

  it('judges EC2 database servers on the port of their Role, through the groups of the instance and of its network interfaces', () => {
    const inv = inventory({
      securityGroups: groups,
      databaseServers: [
        server('i-mysql-eni', 'mysql', {SecurityGroups: [{GroupId: 'sg-app-only'}], NetworkInterfaces: [{Groups: [{GroupId: 'sg-mysql-v6'}]}]}),
        server('i-postgres', 'postgres', {SecurityGroups: [{GroupId: 'sg-app-only'}]}),
        server('i-sqlserver', 'sqlserver', {SecurityGroups: [{GroupId: 'sg-all-traffic'}]}),
        server('i-oracle', 'oracle', {SecurityGroups: [{GroupId: 'sg-open'}]}),
      ],
    })
    expect(passes(ec2DbPortNotPublic, inv)).to.deep.equal({'i-mysql-eni': false, 'i-postgres': true, 'i-sqlserver': false, 'i-oracle': true})
    expect(reasonOf(ec2DbPortNotPublic, inv, 'i-mysql-eni')).to.equal(
      'Database server i-mysql-eni is open to the internet on its port 3306: security group sg-mysql-v6 allows tcp 3306 from ::/0.',
    )
    expect(judge(ec2DbPortNotPublic, inv)[0].resource).to.deep.equal({type: 'AWS::EC2::Instance', id: 'i-mysql-eni', tags: {Role: 'mysql'}})
  })
})

describe('compliance check ec2-ssh-rdp-not-public', () => {
  const inv = inventory({
    securityGroups: [
      group('sg-ssh-world', tcp(22, 22, world)),
      group('sg-rdp-v6', tcp(3389, 3389, worldV6)),
      group('sg-range', tcp(20, 25, world)),
      group('sg-all-traffic', {IpProtocol: '-1', ...worldV6}),
      group('sg-bastion', tcp(22, 22, {IpRanges: [{CidrIp: '198.51.100.0/24'}]})),
      group('sg-from-bastion', tcp(22, 22, {UserIdGroupPairs: [{GroupId: 'sg-bastion'}]}), tcp(3389, 3389, {UserIdGroupPairs: [{GroupId: 'sg-bastion'}]})),
      group('sg-web', tcp(443, 443, world), tcp(23, 3388, world)),
      group('sg-empty'),
      group('sg-both', tcp(22, 22, world), tcp(3389, 3389, world)),
    ],
  })

  it('fails every group that lets the internet reach 22 or 3389, by port, range, all traffic, IPv4 or IPv6', () => {
    expect(passes(ec2SshRdpNotPublic, inv)).to.deep.equal({
      'sg-ssh-world': false,
      'sg-rdp-v6': false,
      'sg-range': false,
      'sg-all-traffic': false,
      'sg-bastion': true,
      'sg-from-bastion': true,
      'sg-web': true,
      'sg-empty': true,
      'sg-both': false,
    })
  })

  it('names the group and each rule that opens it', () => {
    expect(reasonOf(ec2SshRdpNotPublic, inv, 'sg-both')).to.equal(
      'Security group sg-both (sg-both-name) opens SSH or RDP to the internet: tcp 22 from 0.0.0.0/0; tcp 3389 from 0.0.0.0/0.',
    )
    expect(reasonOf(ec2SshRdpNotPublic, inv, 'sg-all-traffic'), 'one rule covering both ports is named once').to.equal(
      'Security group sg-all-traffic (sg-all-traffic-name) opens SSH or RDP to the internet: all traffic from ::/0.',
    )
    expect(reasonOf(ec2SshRdpNotPublic, inv, 'sg-bastion')).to.equal('Security group sg-bastion (sg-bastion-name) opens neither SSH nor RDP to the internet.')
    expect(judge(ec2SshRdpNotPublic, inv)[0].resource.type).to.equal('AWS::EC2::SecurityGroup')
  })
})

/**
 * vpc-1: the main route table sends 0.0.0.0/0 to the internet gateway (so subnets without an association are public);
 * the private subnets have their own table, through a NAT gateway; one subnet's internet route is a blackhole, one
 * routes only IPv6 to the gateway. vpc-2: its main route table is local only.
 */
const routeTables: RouteTable[] = [
  {
    RouteTableId: 'rtb-main',
    VpcId: 'vpc-1',
    Associations: [{Main: true, RouteTableId: 'rtb-main'}],
    Routes: [
      {DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active'},
      {DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active'},
    ],
  },
  {
    RouteTableId: 'rtb-private',
    VpcId: 'vpc-1',
    Associations: [
      {SubnetId: 'subnet-private-a', RouteTableId: 'rtb-private'},
      {SubnetId: 'subnet-private-b', RouteTableId: 'rtb-private'},
      {SubnetId: 'subnet-gone', RouteTableId: 'rtb-private', AssociationState: {State: 'disassociated'}},
    ],
    Routes: [
      {DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active'},
      {DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active'},
    ],
  },
  {
    RouteTableId: 'rtb-blackhole',
    VpcId: 'vpc-1',
    Associations: [{SubnetId: 'subnet-blackhole', RouteTableId: 'rtb-blackhole'}],
    Routes: [{DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-deleted', State: 'blackhole'}],
  },
  {
    RouteTableId: 'rtb-v6',
    VpcId: 'vpc-1',
    Associations: [{SubnetId: 'subnet-v6', RouteTableId: 'rtb-v6'}],
    Routes: [
      {DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active'},
      {DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-1', State: 'active'},
    ],
  },
  {
    RouteTableId: 'rtb-main-2',
    VpcId: 'vpc-2',
    Associations: [{Main: true, RouteTableId: 'rtb-main-2'}],
    Routes: [{DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local', State: 'active'}],
  },
]

describe('compliance check rds-private-subnets', () => {
  const subnetGroup = (name: string, vpc: string, subnets: string[]) => ({
    DBSubnetGroup: {
      DBSubnetGroupName: name,
      DBSubnetGroupArn: `arn:aws:rds:us-east-1:123456789012:subgrp:${name}`,
      VpcId: vpc,
      Subnets: subnets.map((s) => ({SubnetIdentifier: s})),
    },
  })
  const inv = inventory({
    routeTables,
    instances: [
      dbInstance('a', 5432, [], subnetGroup('private', 'vpc-1', ['subnet-private-a', 'subnet-private-b'])),
      dbInstance('b', 5432, [], subnetGroup('private', 'vpc-1', ['subnet-private-a', 'subnet-private-b'])),
      dbInstance('c', 5432, [], subnetGroup('mixed', 'vpc-1', ['subnet-private-a', 'subnet-implicit'])),
      dbInstance('d', 5432, [], subnetGroup('blackhole', 'vpc-1', ['subnet-blackhole', 'subnet-private-b'])),
      dbInstance('e', 5432, [], subnetGroup('ipv6', 'vpc-1', ['subnet-v6'])),
      dbInstance('f', 5432, [], subnetGroup('other-vpc', 'vpc-2', ['subnet-vpc2'])),
      dbInstance('g', 5432, [], subnetGroup('disassociated', 'vpc-1', ['subnet-gone'])),
      dbInstance('aurora-1', 5432, [], {DBClusterIdentifier: 'aurora', ...subnetGroup('mixed', 'vpc-1', ['subnet-private-a', 'subnet-implicit'])}),
      dbInstance('no-group', 5432, []),
    ],
  })

  it('judges each DB subnet group in use once: public when a subnet routes to an internet gateway, explicitly or through the main route table', () => {
    expect(passes(rdsPrivateSubnets, inv)).to.deep.equal({
      private: true,
      mixed: false,
      blackhole: true,
      ipv6: false,
      'other-vpc': true,
      disassociated: false,
    })
  })

  it('names the public subnets, the gateway and the route table, and every database using the group', () => {
    expect(reasonOf(rdsPrivateSubnets, inv, 'mixed')).to.equal(
      'DB subnet group mixed (used by c, aurora-1) has public subnets: subnet-implicit routes to igw-1 for 0.0.0.0/0 (route table rtb-main).',
    )
    expect(reasonOf(rdsPrivateSubnets, inv, 'ipv6')).to.contain('subnet-v6 routes to igw-1 for ::/0 (route table rtb-v6)')
    expect(reasonOf(rdsPrivateSubnets, inv, 'private')).to.equal('DB subnet group private (used by a, b) has no subnet with a route to an internet gateway.')
    expect(judge(rdsPrivateSubnets, inv)[0].resource).to.deep.equal({
      type: 'AWS::RDS::DBSubnetGroup',
      id: 'private',
      arn: 'arn:aws:rds:us-east-1:123456789012:subgrp:private',
    })
  })
})

describe('compliance check ec2-db-private', () => {
  const inv = inventory({
    routeTables,
    databaseServers: [
      server('i-private', 'postgres', {PrivateIpAddress: '10.0.10.5'}),
      server('i-public-ip', 'postgres', {PublicIpAddress: '203.0.113.7'}),
      server('i-eip-on-eni', 'mysql', {NetworkInterfaces: [{Association: {PublicIp: '203.0.113.8'}}]}),
      server('i-main-table', 'mysql', {SubnetId: 'subnet-implicit'}),
      server('i-ipv6-private', 'postgres', {Ipv6Address: '2001:db8::5', SubnetId: 'subnet-private-b'}),
      server('i-ipv6-public', 'postgres', {Ipv6Address: '2001:db8::6', SubnetId: 'subnet-v6'}),
      server('i-exposed', 'mysql', {
        SubnetId: 'subnet-implicit',
        PublicIpAddress: '203.0.113.9',
        NetworkInterfaces: [{Association: {PublicIp: '203.0.113.9'}}],
      }),
    ],
  })

  it('fails a server with a public IPv4 address (its own or on an interface) or in a subnet that routes to an internet gateway', () => {
    expect(passes(ec2DbPrivate, inv)).to.deep.equal({
      'i-private': true,
      'i-public-ip': false,
      'i-eip-on-eni': false,
      'i-main-table': false,
      'i-ipv6-private': true,
      'i-ipv6-public': false,
      'i-exposed': false,
    })
  })

  it('says what makes it public, each address once', () => {
    expect(reasonOf(ec2DbPrivate, inv, 'i-exposed')).to.equal(
      'Database server i-exposed has the public IP 203.0.113.9 and sits in subnet subnet-implicit, which routes to igw-1 for 0.0.0.0/0 (route table rtb-main).',
    )
    expect(reasonOf(ec2DbPrivate, inv, 'i-private')).to.equal('Database server i-private has no public IP and sits in private subnet subnet-private-a.')
  })
})

describe('network inventory collector', () => {
  let ec2: AwsClientStub<EC2Client>
  before(() => {
    ec2 = mockClient(EC2Client)
  })
  after(() => ec2.restore())

  // moto answers a thousand groups in one page, so the paging and the filters are checked here.
  it('follows every page of the three lists, at their largest page size, and asks only for live database servers', async () => {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .resolves({SecurityGroups: [group('sg-2')]})
      .on(DescribeSecurityGroupsCommand, {NextToken: undefined})
      .resolves({SecurityGroups: [group('sg-1')], NextToken: 'groups-2'})
      .on(DescribeRouteTablesCommand)
      .resolves({RouteTables: routeTables})
      .on(DescribeInstancesCommand)
      .resolves({Reservations: [{Instances: [server('i-2', 'mysql')]}]})
      .on(DescribeInstancesCommand, {NextToken: undefined})
      .resolves({Reservations: [{Instances: [server('i-1', 'postgres')]}, {Instances: []}], NextToken: 'servers-2'})
    const session = await AwsSession.open({region: 'us-east-1'})
    const network = await collectNetwork({
      session,
      home: session,
      region: 'us-east-1',
      accountRegion: 'us-east-1',
      withTags: false,
      once: (_key, fetch) => fetch(),
    })
    expect(network.securityGroups.map((g) => g.GroupId)).to.deep.equal(['sg-1', 'sg-2'])
    expect(network.databaseServers.map((i) => i.InstanceId)).to.deep.equal(['i-1', 'i-2'])
    // Route tables indexed by the subnets associated with them (a disassociated one left out) and the VPCs they are main in.
    expect([...network.routeTables.bySubnet.keys()]).to.have.members(['subnet-private-a', 'subnet-private-b', 'subnet-blackhole', 'subnet-v6'])
    expect([...network.routeTables.mainByVpc].map(([vpc, t]) => [vpc, t.RouteTableId])).to.deep.equal([
      ['vpc-1', 'rtb-main'],
      ['vpc-2', 'rtb-main-2'],
    ])
    expect(network.securityGroupById.get('sg-2')?.GroupId).to.equal('sg-2')
    // (The SDK's paginators pass one input object along, so the calls are counted and their last input read.)
    const inputs = (command: Parameters<typeof ec2.commandCalls>[0]) => ec2.commandCalls(command).map((c) => c.args[0].input as Record<string, unknown>)
    expect(inputs(DescribeSecurityGroupsCommand)).to.have.length(2)
    expect(inputs(DescribeSecurityGroupsCommand)[1]).to.deep.equal({MaxResults: 1000, NextToken: 'groups-2'})
    expect(inputs(DescribeRouteTablesCommand)).to.have.length(1)
    expect(inputs(DescribeRouteTablesCommand)[0]).to.include({MaxResults: 100})
    expect(inputs(DescribeInstancesCommand)).to.have.length(2)
    expect(inputs(DescribeInstancesCommand)[1]).to.deep.equal({
      MaxResults: 1000,
      NextToken: 'servers-2',
      Filters: [
        {Name: 'tag:Role', Values: ['postgres', 'mysql', 'sqlserver', 'oracle']},
        {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
      ],
    })
    expect(ec2.calls()).to.have.length(5)
  })
})
