import {DescribeInstancesCommand, EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {
  type ComplianceItemEntry,
  DescribeInstanceInformationCommand,
  DescribeInstancePatchStatesCommand,
  GetCommandInvocationCommand,
  GetInventoryCommand,
  GetParameterCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  ListComplianceItemsCommand,
  ListInventoryEntriesCommand,
  PutComplianceItemsCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import type {AwsSession} from '../../../src/lib/aws/session.js'
import {tagMap} from '../../../src/lib/aws/tags.js'
import {ec2Seeder} from '../../../src/lib/sandbox/seed/ec2.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {REPOSITORY_VERSION} from '../../../src/lib/sandbox/ssm-agent-commands.js'
import {sandboxSession} from '../../support/sandbox-session.js'

/** The seeded PostgreSQL servers by name (opsctl-demo-postgres-1 …), as instance ids. */
async function seededServers(session: AwsSession): Promise<Record<string, string>> {
  await seedDemoEstate(session, [ec2Seeder])
  const {Reservations = []} = await session.client(EC2Client).send(new DescribeInstancesCommand({Filters: [{Name: 'tag:Role', Values: ['postgres']}]}))
  return Object.fromEntries(Reservations.flatMap((r) => r.Instances ?? []).map((i) => [tagMap(i.Tags).Name.replace('opsctl-demo-', ''), i.InstanceId!]))
}

const installedVersion = async (session: AwsSession, instanceId: string) => {
  const {Reservations = []} = await session.client(EC2Client).send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
  return tagMap(Reservations[0].Instances![0].Tags)['opsctl:sandbox-postgresql-version']
}

/** Sends a shell script as Run Command does and lists its invocations, which the stand-in executes there and then. */
async function runScript(ssm: SSMClient, aim: {InstanceIds?: string[]; Targets?: {Key: string; Values: string[]}[]}, commands: string[]) {
  const {Command} = await ssm.send(new SendCommandCommand({DocumentName: 'AWS-RunShellScript', Parameters: {commands}, ...aim}))
  const {CommandInvocations = []} = await ssm.send(new ListCommandInvocationsCommand({CommandId: Command!.CommandId, Details: true}))
  return {commandId: Command!.CommandId!, invocations: CommandInvocations}
}

describe("the sandbox's SSM agent stand-in (against moto)", () => {
  let session: AwsSession
  let ssm: SSMClient
  let servers: Record<string, string>
  beforeEach(async () => {
    session = await sandboxSession()
    ssm = session.client(SSMClient)
    servers = await seededServers(session)
  })

  it('lists the instances tagged opsctl:sandbox-ssm=managed as Online managed instances, and no other', async () => {
    await session.client(EC2Client).send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1}))
    const {InstanceInformationList = []} = await ssm.send(new DescribeInstanceInformationCommand({}))
    expect(InstanceInformationList.map((i) => [i.InstanceId, i.PingStatus, i.PlatformType])).to.have.deep.members(
      Object.values(servers).map((id) => [id, 'Online', 'Linux']),
    )
    const {InstanceInformationList: one = []} = await ssm.send(
      new DescribeInstanceInformationCommand({Filters: [{Key: 'InstanceIds', Values: [servers['postgres-2'], 'i-0123456789abcdef0']}]}),
    )
    expect(one.map((i) => i.InstanceId)).to.deep.equal([servers['postgres-2']])
  })

  it('answers a version query sent to tag targets with the version installed on each instance, once for its rpm, dpkg and psql fallbacks', async () => {
    const fallbacks = [
      "p='postgresql'",
      'v=$(rpm -qa "$p*" 2>/dev/null | sort -V | head -n 1)',
      `[ -n "$v" ] || v=$(dpkg-query -W -f '\${Version}' "$p" 2>/dev/null)`,
      '[ -n "$v" ] || v=$(psql --version 2>/dev/null | head -n 1)',
      'if [ -n "$v" ]; then echo "$v"; else echo "$p is not installed (rpm, dpkg-query and psql know none)"; exit 1; fi',
    ]
    const {invocations} = await runScript(ssm, {Targets: [{Key: 'tag:Role', Values: ['postgres']}]}, fallbacks)
    expect(invocations.map((i) => [i.InstanceId, i.Status, i.CommandPlugins?.[0].Output])).to.have.deep.members([
      [servers['postgres-1'], 'Success', 'postgresql-15.6-1.amzn2.x86_64'],
      [servers['postgres-2'], 'Success', 'postgresql-15.8-1.amzn2.x86_64'],
      [servers['postgres-3'], 'Success', 'postgresql-14.11-1.amzn2.x86_64'],
    ])
    const {commandId} = await runScript(ssm, {InstanceIds: [servers['postgres-3']]}, ['psql --version'])
    const invocation = await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId: servers['postgres-3']}))
    expect(invocation).to.include({Status: 'Success', ResponseCode: 0, StandardOutputContent: 'psql (PostgreSQL) 14.11'})
  })

  it('fails a version query on a managed instance without PostgreSQL', async () => {
    const {Instances} = await session.client(EC2Client).send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'opsctl:sandbox-ssm', Value: 'managed'}]}],
      }),
    )
    const {invocations} = await runScript(ssm, {InstanceIds: [Instances![0].InstanceId!]}, ['psql --version'])
    expect(invocations.map((i) => [i.Status, i.CommandPlugins?.[0].Output])).to.deep.equal([
      ['Failed', '\n----------ERROR-------\npackage postgresql is not installed'],
    ])
  })

  it('upgrades an instance to the version its script names, which later queries then report', async () => {
    const upgrade = ['set -euo pipefail', 'TARGET_VERSION=15.8', 'systemctl stop postgresql', 'yum install -y "postgresql-${TARGET_VERSION}"']
    const {invocations} = await runScript(ssm, {InstanceIds: [servers['postgres-1']]}, upgrade)
    expect(invocations.map((i) => [i.Status, i.CommandPlugins?.[0].ResponseCode])).to.deep.equal([['Success', 0]])
    expect(await installedVersion(session, servers['postgres-1'])).to.equal('15.8')
    const {invocations: verified} = await runScript(ssm, {InstanceIds: [servers['postgres-1']]}, ['systemctl is-active postgresql', 'psql --version'])
    expect(verified[0].CommandPlugins?.[0].Output).to.equal('active\npsql (PostgreSQL) 15.8')
  })

  it("upgrades once, to the newest version of the sandbox's repository, with a script of package-manager alternatives naming none", async () => {
    const upgrade = [
      'set -eu',
      "if command -v dnf >/dev/null 2>&1; then dnf -y upgrade 'postgresql*'",
      "elif command -v yum >/dev/null 2>&1; then yum -y update 'postgresql*'",
      "elif command -v apt-get >/dev/null 2>&1; then apt-get install -y --only-upgrade $(dpkg-query -W 'postgresql*')",
      'else exit 1; fi',
    ]
    const {invocations} = await runScript(ssm, {InstanceIds: [servers['postgres-2']]}, upgrade)
    expect(invocations.map((i) => [i.Status, i.CommandPlugins?.[0].Output])).to.deep.equal([
      ['Success', `Upgraded:\n  postgresql-${REPOSITORY_VERSION}-1.amzn2.x86_64\nComplete!`],
    ])
    expect(await installedVersion(session, servers['postgres-2'])).to.equal(REPOSITORY_VERSION)
  })

  it('fails the upgrade of an instance tagged opsctl:sandbox-fail=upgrade and leaves its version as it was', async () => {
    const {commandId, invocations} = await runScript(ssm, {InstanceIds: [servers['postgres-3']]}, [
      'yum install -y postgresql-15.8',
      'systemctl start postgresql',
    ])
    expect(invocations.map((i) => [i.Status, i.CommandPlugins?.[0].ResponseCode])).to.deep.equal([['Failed', 1]])
    expect(invocations[0].CommandPlugins?.[0].Output).to.match(/----------ERROR-------\nError: upgrading PostgreSQL failed .*opsctl:sandbox-fail=upgrade/)
    const invocation = await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId: servers['postgres-3']}))
    expect(invocation).to.include({Status: 'Failed', ResponseCode: 1, StandardOutputContent: ''})
    expect(await installedVersion(session, servers['postgres-3'])).to.equal('14.11')
  })

  it('refuses a command aimed at an instance SSM does not manage, before moto records it', async () => {
    const {Instances} = await session.client(EC2Client).send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1}))
    const unmanaged = Instances![0].InstanceId!
    const error = await ssm
      .send(new SendCommandCommand({DocumentName: 'AWS-RunShellScript', InstanceIds: [servers['postgres-1'], unmanaged], Parameters: {commands: ['true']}}))
      .catch((e: Error) => e)
    expect(error).to.include({name: 'InvalidInstanceId'})
    expect((await ssm.send(new ListCommandsCommand({}))).Commands).to.deep.equal([])
  })

  it('keeps compliance items that a second session, as another CLI process would, reads back; a complete upload replaces the type', async () => {
    const put = (items: ComplianceItemEntry[], at: Date) =>
      ssm.send(
        new PutComplianceItemsCommand({
          ResourceId: servers['postgres-1'],
          ResourceType: 'ManagedInstance',
          ComplianceType: 'Custom:opsctl-postgresql',
          ExecutionSummary: {ExecutionTime: at, ExecutionId: 'run-1', ExecutionType: 'Command'},
          Items: items.map((item) => ({...item, Details: {InstalledVersion: '15.6', MinimumVersion: '15.8'}})),
        }),
      )
    await put([{Id: 'postgresql-old', Status: 'COMPLIANT', Severity: 'UNSPECIFIED'}], new Date('2026-12-01T03:00:00Z'))
    await put([{Id: 'postgresql', Status: 'NON_COMPLIANT', Severity: 'HIGH'}], new Date('2026-12-02T03:00:00Z'))

    const other = (await sandboxSession()).client(SSMClient)
    const {ComplianceItems = []} = await other.send(
      new ListComplianceItemsCommand({
        ResourceIds: [servers['postgres-1']],
        Filters: [{Key: 'ComplianceType', Values: ['Custom:opsctl-postgresql'], Type: 'EQUAL'}],
      }),
    )
    expect(ComplianceItems).to.deep.equal([
      {
        ComplianceType: 'Custom:opsctl-postgresql',
        ResourceType: 'ManagedInstance',
        ResourceId: servers['postgres-1'],
        Id: 'postgresql',
        Status: 'NON_COMPLIANT',
        Severity: 'HIGH',
        Details: {InstalledVersion: '15.6', MinimumVersion: '15.8'},
        ExecutionSummary: {ExecutionTime: new Date('2026-12-02T03:00:00Z'), ExecutionId: 'run-1', ExecutionType: 'Command'},
      },
    ])
    const {ComplianceItems: elsewhere = []} = await other.send(new ListComplianceItemsCommand({ResourceIds: [servers['postgres-2']]}))
    expect(elsewhere).to.deep.equal([])
  })

  it('reports inventory (AWS:Application) only for the instance tagged opsctl:sandbox-inventory=on', async () => {
    const postgresql = [{Key: 'Name', Values: ['postgresql'], Type: 'Equal' as const}]
    const entries = async (instanceId: string) =>
      (await ssm.send(new ListInventoryEntriesCommand({InstanceId: instanceId, TypeName: 'AWS:Application', Filters: postgresql}))).Entries
    expect((await entries(servers['postgres-1']))?.map((e) => [e.Name, e.Version])).to.deep.equal([['postgresql', '15.6']])
    expect(await entries(servers['postgres-2'])).to.deep.equal([])

    const {Entities = []} = await ssm.send(
      new GetInventoryCommand({
        Filters: [{Key: 'AWS:Application.Name', Values: ['postgresql'], Type: 'Equal'}],
        ResultAttributes: [{TypeName: 'AWS:Application'}],
      }),
    )
    expect(Entities.map((e) => [e.Id, e.Data?.['AWS:Application'].Content?.map((c) => c.Version)])).to.deep.equal([[servers['postgres-1'], ['15.6']]])
  })

  it("reports Patch Manager's counts for the instance that has them, and nothing for the others", async () => {
    const {InstancePatchStates = []} = await ssm.send(new DescribeInstancePatchStatesCommand({InstanceIds: Object.values(servers)}))
    expect(InstancePatchStates.map((s) => [s.InstanceId, s.MissingCount, s.FailedCount, s.InstalledPendingRebootCount])).to.deep.equal([
      [servers['postgres-2'], 2, 0, 1],
    ])
  })

  it('leaves what moto implements to moto', async () => {
    await ssm.send(new PutParameterCommand({Name: '/opsctl/demo', Value: 'kept', Type: 'String'}))
    expect((await ssm.send(new GetParameterCommand({Name: '/opsctl/demo'}))).Parameter?.Value).to.equal('kept')
  })
})
