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
  DescribeRouteTablesCommand,
  EC2Client,
  type IpPermission,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2'
import {CreateDBClusterCommand, CreateDBInstanceCommand, CreateDBSubnetGroupCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import type {ComplianceResult} from '../../../src/lib/compliance/types.js'
import {amazonLinuxImage} from '../../../src/lib/sandbox/seed/ec2.js'
import {testSession} from '../../support/aws.js'

const ACCOUNT = '123456789012'
const REGIONS = ['us-east-1', 'eu-west-1']
const NETWORK_CHECKS = ['rds-private-subnets', 'ec2-db-port-not-public', 'ec2-ssh-rdp-not-public', 'ec2-db-private']

const tcp = (port: number, from: {cidr?: string; cidrV6?: string; group?: string}): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  ...(from.cidr ? {IpRanges: [{CidrIp: from.cidr}]} : {}),
  ...(from.cidrV6 ? {Ipv6Ranges: [{CidrIpv6: from.cidrV6}]} : {}),
  ...(from.group ? {UserIdGroupPairs: [{GroupId: from.group}]} : {}),
})

/**
 * A VPC as the platform draws it, with its mistakes: the main route table sends 0.0.0.0/0 to the internet gateway (so
 * a subnet without its own table is public), the public subnet has its own route to it, and the private subnets go out
 * through a NAT gateway.
 */
async function buildVpc(ec2: EC2Client) {
  const {Vpc} = await ec2.send(new CreateVpcCommand({CidrBlock: '10.0.0.0/16'}))
  const vpcId = Vpc!.VpcId!
  const {InternetGateway} = await ec2.send(new CreateInternetGatewayCommand({}))
  const igw = InternetGateway!.InternetGatewayId!
  await ec2.send(new AttachInternetGatewayCommand({InternetGatewayId: igw, VpcId: vpcId}))
  const subnet = async (cidr: string, zone: string) =>
    (await ec2.send(new CreateSubnetCommand({VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `us-east-1${zone}`}))).Subnet!.SubnetId!
  const subnets = {
    public: await subnet('10.0.0.0/24', 'a'),
    implicit: await subnet('10.0.1.0/24', 'b'),
    privateA: await subnet('10.0.10.0/24', 'a'),
    privateB: await subnet('10.0.11.0/24', 'b'),
  }
  const {AllocationId} = await ec2.send(new AllocateAddressCommand({Domain: 'vpc'}))
  const nat = (await ec2.send(new CreateNatGatewayCommand({SubnetId: subnets.public, AllocationId}))).NatGateway!.NatGatewayId!
  const mainTable = (await ec2.send(new DescribeRouteTablesCommand({Filters: [{Name: 'vpc-id', Values: [vpcId]}]}))).RouteTables![0].RouteTableId!
  await ec2.send(new CreateRouteCommand({RouteTableId: mainTable, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw}))
  const table = async (route: {GatewayId?: string; NatGatewayId?: string}, associated: string[]) => {
    const RouteTableId = (await ec2.send(new CreateRouteTableCommand({VpcId: vpcId}))).RouteTable!.RouteTableId!
    await ec2.send(new CreateRouteCommand({RouteTableId, DestinationCidrBlock: '0.0.0.0/0', ...route}))
    for (const SubnetId of associated) await ec2.send(new AssociateRouteTableCommand({RouteTableId, SubnetId}))
    return RouteTableId
  }
  const tables = {
    main: mainTable,
    public: await table({GatewayId: igw}, [subnets.public]),
    private: await table({NatGatewayId: nat}, [subnets.privateA, subnets.privateB]),
  }
  const group = async (name: string, ...rules: IpPermission[]) => {
    const {GroupId} = await ec2.send(new CreateSecurityGroupCommand({GroupName: name, Description: name, VpcId: vpcId}))
    if (rules.length > 0) await ec2.send(new AuthorizeSecurityGroupIngressCommand({GroupId, IpPermissions: rules}))
    return GroupId!
  }
  const app = await group('app', tcp(443, {cidr: '0.0.0.0/0'}))
  const bastion = await group('bastion', tcp(22, {cidr: '198.51.100.0/24'}))
  const groups = {
    app,
    bastion,
    database: await group('database', tcp(5432, {group: app}), tcp(3306, {group: app}), tcp(22, {group: bastion})),
    exposed: await group('exposed', tcp(5432, {cidr: '0.0.0.0/0'}), tcp(3306, {cidrV6: '::/0'}), tcp(22, {cidr: '0.0.0.0/0'})),
    rdp: await group('rdp', {IpProtocol: 'tcp', FromPort: 3300, ToPort: 3400, Ipv6Ranges: [{CidrIpv6: '::/0'}]}),
  }
  return {vpcId, igw, nat, subnets, tables, groups}
}
type Vpc = Awaited<ReturnType<typeof buildVpc>>

async function launchServers(ec2: EC2Client, vpc: Vpc) {
  const ImageId = await amazonLinuxImage(ec2)
  const launch = async (role: string, subnet: string, group: string, publicIp: boolean) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          NetworkInterfaces: [{DeviceIndex: 0, SubnetId: subnet, Groups: [group], AssociatePublicIpAddress: publicIp}],
          TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Role', Value: role}]}],
        }),
      )
    ).Instances![0].InstanceId!
  const servers = {
    private: await launch('postgres', vpc.subnets.privateA, vpc.groups.database, false),
    exposed: await launch('mysql', vpc.subnets.public, vpc.groups.exposed, true),
    implicit: await launch('postgres', vpc.subnets.implicit, vpc.groups.database, false),
    stopped: await launch('mysql', vpc.subnets.privateB, vpc.groups.exposed, false),
    terminated: await launch('postgres', vpc.subnets.public, vpc.groups.exposed, true),
    web: await launch('web', vpc.subnets.public, vpc.groups.exposed, true),
  }
  await ec2.send(new StopInstancesCommand({InstanceIds: [servers.stopped]}))
  await ec2.send(new TerminateInstancesCommand({InstanceIds: [servers.terminated]}))
  return servers
}

async function createDatabases(rds: RDSClient, vpc: Vpc) {
  const subnetGroup = (name: string, subnets: string[]) =>
    rds.send(new CreateDBSubnetGroupCommand({DBSubnetGroupName: name, DBSubnetGroupDescription: name, SubnetIds: subnets}))
  await subnetGroup('private', [vpc.subnets.privateA, vpc.subnets.privateB])
  await subnetGroup('public', [vpc.subnets.public, vpc.subnets.privateB])
  await subnetGroup('implicit', [vpc.subnets.implicit, vpc.subnets.privateA])
  await subnetGroup('unused', [vpc.subnets.public, vpc.subnets.implicit])
  const instance = (id: string, engine: string, subnetGroupName: string, group: string, extra: object = {}) =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: 'db.t3.micro',
        Engine: engine,
        AllocatedStorage: 20,
        MasterUsername: 'opsadmin',
        MasterUserPassword: 'not-a-real-password-1',
        DBSubnetGroupName: subnetGroupName,
        VpcSecurityGroupIds: [group],
        ...extra,
      }),
    )
  await instance('db-private', 'postgres', 'private', vpc.groups.database)
  await instance('db-exposed', 'postgres', 'public', vpc.groups.exposed)
  await instance('db-moved-port', 'postgres', 'implicit', vpc.groups.exposed, {Port: 6432})
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'aurora-exposed',
      Engine: 'aurora-mysql',
      Port: 3306,
      MasterUsername: 'opsadmin',
      MasterUserPassword: 'not-a-real-password-1',
      DBSubnetGroupName: 'private',
      VpcSecurityGroupIds: [vpc.groups.exposed],
    }),
  )
}

const scan = async () =>
  runComplianceScan(await testSession(), {
    checks: selectChecks({checkIds: NETWORK_CHECKS}),
    regions: REGIONS,
    accountId: ACCOUNT,
    failOn: 'informational',
    minRetentionDays: 30,
  })

const statuses = (result: ComplianceResult, checkId: string) =>
  Object.fromEntries(result.findings.filter((f) => f.checkId === checkId && f.region === 'us-east-1').map((f) => [f.resourceId, f.status]))
const reasonOf = (result: ComplianceResult, checkId: string, resourceId: string) =>
  result.findings.find((f) => f.checkId === checkId && f.resourceId === resourceId)!.reason

describe('network isolation checks against a VPC with public and private subnets (moto)', () => {
  const ec2 = new EC2Client({})
  let vpc: Vpc
  let servers: Awaited<ReturnType<typeof launchServers>>
  beforeEach(async function () {
    this.timeout(60_000)
    vpc = await buildVpc(ec2)
    servers = await launchServers(ec2, vpc)
    await createDatabases(new RDSClient({}), vpc)
  })

  it('judges each DB subnet group in use by its subnets: their own route table, else the main one', async () => {
    const result = await scan()
    expect(statuses(result, 'rds-private-subnets')).to.deep.equal({private: 'PASS', public: 'FAIL', implicit: 'FAIL'})
    expect(reasonOf(result, 'rds-private-subnets', 'implicit')).to.equal(
      `DB subnet group implicit (used by db-moved-port) has public subnets: ${vpc.subnets.implicit} routes to ${vpc.igw} for 0.0.0.0/0 (route table ${vpc.tables.main}).`,
    )
    expect(reasonOf(result, 'rds-private-subnets', 'public')).to.contain(
      `${vpc.subnets.public} routes to ${vpc.igw} for 0.0.0.0/0 (route table ${vpc.tables.public})`,
    )
  })

  it('fails every database whose security group opens its own port to the internet: DB instances, Aurora clusters and EC2 servers by Role', async () => {
    const result = await scan()
    expect(statuses(result, 'ec2-db-port-not-public')).to.deep.equal({
      'db-private': 'PASS',
      'db-exposed': 'FAIL',
      'db-moved-port': 'PASS',
      'aurora-exposed': 'FAIL',
      [servers.private]: 'PASS',
      [servers.exposed]: 'FAIL',
      [servers.implicit]: 'PASS',
      [servers.stopped]: 'FAIL',
    })
    expect(reasonOf(result, 'ec2-db-port-not-public', 'db-exposed')).to.equal(
      `DB instance db-exposed is open to the internet on its port 5432: security group ${vpc.groups.exposed} allows tcp 5432 from 0.0.0.0/0.`,
    )
    expect(reasonOf(result, 'ec2-db-port-not-public', 'aurora-exposed')).to.equal(
      `DB cluster aurora-exposed is open to the internet on its port 3306: security group ${vpc.groups.exposed} allows tcp 3306 from ::/0.`,
    )
  })

  it('fails the security groups that open SSH or RDP to the internet, and no others', async () => {
    const result = await scan()
    const judged = statuses(result, 'ec2-ssh-rdp-not-public')
    expect(judged).to.include({
      [vpc.groups.app]: 'PASS',
      [vpc.groups.bastion]: 'PASS',
      [vpc.groups.database]: 'PASS',
      [vpc.groups.exposed]: 'FAIL',
      [vpc.groups.rdp]: 'FAIL',
    })
    expect(
      Object.values(judged).filter((s) => s === 'FAIL'),
      'the default groups pass',
    ).to.have.length(2)
    expect(reasonOf(result, 'ec2-ssh-rdp-not-public', vpc.groups.rdp)).to.equal(
      `Security group ${vpc.groups.rdp} (rdp) opens SSH or RDP to the internet: tcp 3300-3400 from ::/0.`,
    )
  })

  it('fails database servers with a public IP or in a public subnet, judges stopped ones, and leaves out terminated and non-database ones', async () => {
    const result = await scan()
    expect(statuses(result, 'ec2-db-private')).to.deep.equal({
      [servers.private]: 'PASS',
      [servers.exposed]: 'FAIL',
      [servers.implicit]: 'FAIL',
      [servers.stopped]: 'PASS',
    })
    expect(reasonOf(result, 'ec2-db-private', servers.exposed)).to.match(
      new RegExp(
        `^Database server ${servers.exposed} has the public IP [\\d.]+ and sits in subnet ${vpc.subnets.public}, which routes to ${vpc.igw} for 0\\.0\\.0\\.0/0 \\(route table ${vpc.tables.public}\\)\\.$`,
      ),
    )
    expect(reasonOf(result, 'ec2-db-private', servers.implicit)).to.contain(`(route table ${vpc.tables.main})`)
  })

  it('reads the network with one paginated list of each kind per region and nothing per resource', async () => {
    const calls: AwsCall[] = []
    const result = await withinCallScope({calls}, () => scan())
    expect(result.totals.error).to.equal(0)
    const ec2Operations = calls.filter((c) => c.service.toLowerCase().includes('ec2')).map((c) => c.operation)
    expect(ec2Operations.sort()).to.deep.equal(
      ['DescribeInstances', 'DescribeRouteTables', 'DescribeSecurityGroups'].flatMap((operation) => REGIONS.map(() => operation)).sort(),
    )
    const rdsOperations = calls.filter((c) => c.service.toLowerCase().includes('rds')).map((c) => c.operation)
    expect(rdsOperations.filter((o) => o === 'DescribeDBInstances')).to.have.length(REGIONS.length)
    expect(rdsOperations, 'subnet groups come with the DB instances').not.to.include('DescribeDBSubnetGroups')
  })
})
