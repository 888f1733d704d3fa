// The fleet of `npm run bench:patch`: PostgreSQL servers launched in moto (instances, data volumes, tags and snapshots
// real), and what moto lacks — the SSM agents' side and SSM Automation — answered by an SDK mock of SSMClient, as
// test/support/patch-fleet.ts does for the tests, here at fleet scale: launched in batches, and every list paged as SSM
// pages it (50 a page), so the calls counted are the calls AWS would take.
import {DescribeImagesCommand, EC2Client, paginateDescribeTags, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {
  CreateDocumentCommand,
  DescribeAutomationExecutionsCommand,
  DescribeInstanceInformationCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  GetInventoryCommand,
  InvalidDocument,
  ListCommandInvocationsCommand,
  PutComplianceItemsCommand,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'

/** The version an upgrade installs. */
export const UPGRADE_TO = '15.10'
/** SSM's largest page of command invocations and of Automation executions. */
const PAGE = 50
/** RunInstances launches up to this many servers with the same tags in one call. */
const LAUNCH_BATCH = 100

/** Whether a SendCommand is patch scan's read-only version query (the wave steps' comments end with the step). */
export const isScanCommand = (input) => input.Comment.startsWith('opsctl patch scan')

/** `size` servers: three in ten in clusters of three (opsctl:cluster), one in ten already at UPGRADE_TO, the rest below. */
export function fleetLayout(size) {
  return Array.from({length: size}, (_, i) => ({
    cluster: i % 10 < 3 ? `pg-cluster-${Math.floor(i / 10)}` : undefined,
    version: i % 10 === 9 ? UPGRADE_TO : i % 2 === 0 ? '15.6' : '14.11',
  }))
}

/** The layout's servers with the same tags: each cluster, and the servers outside clusters a hundred at a time. */
function launchGroups(layout) {
  const clusters = new Map()
  for (const server of layout) if (server.cluster) clusters.set(server.cluster, [...(clusters.get(server.cluster) ?? []), server])
  const alone = layout.filter((s) => !s.cluster)
  const batches = Array.from({length: Math.ceil(alone.length / LAUNCH_BATCH)}, (_, b) => alone.slice(b * LAUNCH_BATCH, (b + 1) * LAUNCH_BATCH))
  return [...clusters.values(), ...batches]
}

/** Launches the layout in moto (Role=postgres, a data volume at /dev/sdf each); returns instance id → installed version. */
export async function launchFleet(layout) {
  const ec2 = new EC2Client({})
  const {Images = []} = await ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
  const versions = new Map()
  for (const group of launchGroups(layout)) {
    const tags = [{Key: 'Role', Value: 'postgres'}, ...(group[0].cluster ? [{Key: 'opsctl:cluster', Value: group[0].cluster}] : [])]
    const {Instances = []} = await ec2.send(
      new RunInstancesCommand({
        ImageId: Images[0].ImageId,
        MinCount: group.length,
        MaxCount: group.length,
        InstanceType: 't3.micro',
        Placement: {AvailabilityZone: 'us-east-1a'},
        BlockDeviceMappings: [{DeviceName: '/dev/sdf', Ebs: {VolumeSize: 20, VolumeType: 'gp3'}}],
        TagSpecifications: [{ResourceType: 'instance', Tags: tags}],
      }),
    )
    for (const [i, instance] of Instances.entries()) versions.set(instance.InstanceId, group[i].version)
  }
  return versions
}

/** One page of `items` from `NextToken` (an offset), as SSM pages its lists. */
function page(items, NextToken) {
  const start = Number(NextToken ?? 0)
  const next = start + PAGE
  return {items: items.slice(start, next), NextToken: next < items.length ? String(next) : undefined}
}

/**
 * The SSM side of the fleet: every instance managed and Online, no inventory, a command's invocations InProgress at
 * the first look and Success at the next (an upgrade raises the version, a version query prints it), and an
 * Automation execution of a wave InProgress, then Success with one successful child execution per target instance.
 * Tag targets are resolved against moto's EC2, as SSM resolves them against EC2.
 */
export class SsmSide {
  constructor(versions) {
    this.versions = versions
    this.ec2 = new EC2Client({})
    this.commands = new Map()
    this.executions = new Map()
    /** Wall time the mock spent resolving tag targets in moto: SSM's work, not opsctl's. */
    this.resolvingMs = 0
    this.mock = mockClient(SSMClient)
    this.mock.on(DescribeInstanceInformationCommand).callsFake(({Filters = []}) => ({
      InstanceInformationList: (Filters[0]?.Values ?? []).map((InstanceId) => ({InstanceId, PingStatus: 'Online', ResourceType: 'EC2Instance'})),
    }))
    this.mock.on(GetInventoryCommand).resolves({Entities: []})
    this.mock.on(PutComplianceItemsCommand).resolves({})
    this.mock.on(SendCommandCommand).callsFake((input) => this.send(input))
    this.mock.on(ListCommandInvocationsCommand).callsFake((input) => this.invocations(input))
    this.mock.on(GetDocumentCommand).rejects(new InvalidDocument({message: 'InvalidDocument', $metadata: {}}))
    this.mock.on(CreateDocumentCommand).resolves({DocumentDescription: {DocumentVersion: '1'}})
    this.mock.on(StartAutomationExecutionCommand).callsFake((input) => this.startAutomation(input))
    this.mock.on(GetAutomationExecutionCommand).callsFake((input) => this.automation(input))
    this.mock.on(DescribeAutomationExecutionsCommand).callsFake((input) => this.children(input))
  }

  /** opsctl's SSM calls by operation (`SSM.SendCommand`): the mock answers before the SDK's middleware, so the run record holds none. */
  byOperation() {
    const counts = new Map()
    for (const call of this.mock.calls()) {
      const operation = `SSM.${call.args[0].constructor.name.replace(/Command$/, '')}`
      counts.set(operation, (counts.get(operation) ?? 0) + 1)
    }
    return counts
  }

  /** The commands opsctl sent, whose input passes `which`. */
  sent(which) {
    return this.mock.commandCalls(SendCommandCommand).filter((call) => which(call.args[0].input)).length
  }

  restore() {
    this.mock.restore()
  }

  /** The instances a command or execution addresses: its ids, or the instances its tag targets match in moto (DescribeTags: SSM's own lookup costs opsctl nothing, so the mock's is kept light). */
  async targeted({InstanceIds, Targets = []}) {
    if (InstanceIds) return InstanceIds
    const started = performance.now()
    const [{Key, Values}] = Targets
    const Filters = [
      {Name: 'resource-type', Values: ['instance']},
      {Name: 'key', Values: [Key.replace(/^tag:/, '')]},
      {Name: 'value', Values},
    ]
    const ids = []
    for await (const {Tags = []} of paginateDescribeTags({client: this.ec2}, {Filters})) ids.push(...Tags.map((t) => t.ResourceId))
    this.resolvingMs += performance.now() - started
    return ids
  }

  async send(input) {
    const CommandId = `cmd-${this.commands.size + 1}`
    const step = isScanCommand(input) ? 'readVersion' : input.Comment.split(' ').at(-1)
    // The id is taken before the targets are resolved: the scan sends several commands at once.
    const command = {step, instanceIds: [], looks: 0}
    this.commands.set(CommandId, command)
    command.instanceIds = await this.targeted(input)
    return {Command: {CommandId}}
  }

  invocations({CommandId, NextToken}) {
    const command = this.commands.get(CommandId)
    if (!NextToken) command.looks++
    const Status = command.looks === 1 ? 'InProgress' : 'Success'
    if (command.looks === 1 && !NextToken && command.step === 'upgradePostgreSQL') for (const id of command.instanceIds) this.versions.set(id, UPGRADE_TO)
    const {items, NextToken: next} = page(command.instanceIds, NextToken)
    const printed = (id) =>
      Status === 'Success' && ['readVersion', 'verifyVersion'].includes(command.step) ? `psql (PostgreSQL) ${this.versions.get(id)}` : ''
    const CommandInvocations = items.map((InstanceId) => ({
      CommandId,
      InstanceId,
      Status,
      CommandPlugins: [{Name: 'aws:runShellScript', Status, Output: printed(InstanceId)}],
    }))
    return {CommandInvocations, NextToken: next}
  }

  async startAutomation(input) {
    const AutomationExecutionId = `exec-${this.executions.size + 1}`
    const execution = {instanceIds: [], looks: 0}
    this.executions.set(AutomationExecutionId, execution)
    execution.instanceIds = await this.targeted(input)
    return {AutomationExecutionId}
  }

  automation({AutomationExecutionId}) {
    const execution = this.executions.get(AutomationExecutionId)
    execution.looks++
    return {AutomationExecution: {AutomationExecutionId, AutomationExecutionStatus: execution.looks === 1 ? 'InProgress' : 'Success'}}
  }

  children({Filters, NextToken}) {
    const parent = Filters.find((f) => f.Key === 'ParentExecutionId').Values[0]
    const execution = this.executions.get(parent)
    const done = execution.looks > 1
    const {items, NextToken: next} = page(execution.instanceIds, NextToken)
    const AutomationExecutionMetadataList = items.map((Target, i) => ({
      AutomationExecutionId: `${parent}-${Number(NextToken ?? 0) + i}`,
      ParentAutomationExecutionId: parent,
      Target,
      AutomationExecutionStatus: done ? 'Success' : 'InProgress',
      CurrentStepName: done ? undefined : 'upgradePostgreSQL',
      Outputs: done ? {'verifyVersion.Output': [`psql (PostgreSQL) ${UPGRADE_TO}`], 'snapshotDataVolume.SnapshotId': [`snap-${Target.slice(2)}`]} : {},
    }))
    return {AutomationExecutionMetadataList, NextToken: next}
  }
}
