import {
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  EC2Client,
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
import {ensureSandboxNetwork} from '../../../src/lib/sandbox/seed/network.js'
import type {SeedReport} from '../../../src/lib/sandbox/seed/seeder.js'
import {testSession} from '../../support/aws.js'

const ACCOUNT = '123456789012'
const REGIONS = ['us-east-1', 'eu-west-1']
const NETWORK_CHECKS = ['rds-private-subnets', 'ec2-db-port-not-public', 'ec2-ssh-rdp-not-public', 'ec2-db-private']

const seedReport: SeedReport = {ensure: async (_type, _id, find, create) => (await find()) ?? create()}

/**
 * The demo's VPC (a public subnet with its own route to the internet gateway, private ones through a NAT gateway, the
 * database, bastion and exposed groups) with two more mistakes: the main route table sends 0.0.0.0/0 to the internet
 * gateway, so a subnet without a table of its own is public, and a group opens a port range holding 3389 to ::/0.
 */
async function buildVpc(ec2: EC2Client) {
  const network = await ensureSandboxNetwork(await testSession(), seedReport)
  const inVpc = [{Name: 'vpc-id', Values: [network.vpcId]}]
  const tables = (await ec2.send(new DescribeRouteTablesCommand({Filters: inVpc}))).RouteTables!
  const tableOf = (match: (a: {Main?: boolean; SubnetId?: string}) => boolean) => tables.find((t) => t.Associations?.some(match))!.RouteTableId!
  const igw = (await ec2.send(new DescribeInternetGatewaysCommand({Filters: [{Name: 'attachment.vpc-id', Values: [network.vpcId]}]}))).InternetGateways![0]
    .InternetGatewayId!
  const main = tableOf((a) => a.Main === true)
  await ec2.send(new CreateRouteCommand({RouteTableId: main, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw}))
  const implicit = (await ec2.send(new CreateSubnetCommand({VpcId: network.vpcId, CidrBlock: '10.42.1.0/24', AvailabilityZone: 'us-east-1b'}))).Subnet!
    .SubnetId!
  const {GroupId: rdp} = await ec2.send(new CreateSecurityGroupCommand({GroupName: 'rdp', Description: 'rdp', VpcId: network.vpcId}))
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: rdp,
      IpPermissions: [{IpProtocol: 'tcp', FromPort: 3300, ToPort: 3400, Ipv6Ranges: [{CidrIpv6: '::/0'}]}],
    }),
  )
  return {
    igw,
    subnets: {public: network.publicSubnet, implicit, privateA: network.privateSubnets[0], privateB: network.privateSubnets[1]},
    tables: {main, public: tableOf((a) => a.SubnetId === network.publicSubnet)},
    groups: {...network.groups, rdp: rdp!},
  }
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
    expect(reasonOf(result, 'ec2-ssh-rdp-not-public', vpc.groups.exposed)).to.equal(
      `Security group ${vpc.groups.exposed} (opsctl-demo-exposed) opens SSH or RDP to the internet: tcp 22 from 0.0.0.0/0; tcp 3389 from ::/0.`,
    )
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
