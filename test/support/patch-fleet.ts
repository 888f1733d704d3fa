import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2'
import {
  CancelCommandCommand,
  type CommandInvocation,
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  ListCommandInvocationsCommand,
  PutComplianceItemsCommand,
  type PutComplianceItemsCommandInput,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'

/*
 * A PostgreSQL fleet for the patch tests: EC2 instances with a data volume at /dev/sdf in moto (real), and, for what
 * moto lacks, the SSM agent's side by an SDK mock of SSMClient: every instance is managed and Online, inventory reports
 * nothing, a command's invocations go InProgress, then Success or Failed as the test decides, a version command prints
 * the instance's version and an upgrade raises it. SendCommand's tag targets are resolved against moto's EC2.
 */

export interface FleetServer {
  name: string
  cluster?: string
  version: string
}

export interface SentCommand {
  commandId: string
  step: string
  input: SendCommandCommandInput
  instanceIds: string[]
}

/** Decides how an instance runs a step: undefined (success) or a failure status with what it printed. */
export type Behaviour = (step: string, instanceId: string) => {status: 'Failed' | 'TimedOut'; output: string} | undefined

export class PatchFleet {
  readonly ec2 = new EC2Client({})
  readonly sent: SentCommand[] = []
  readonly compliance: PutComplianceItemsCommandInput[] = []
  /** Commands cancelled (an interrupt while they ran). */
  readonly cancelled: string[] = []
  /** Instance id → its installed version (an upgrade raises it to the target). */
  readonly versions = new Map<string, string>()
  readonly names = new Map<string, string>()
  behaviour: Behaviour = () => undefined
  /** The version an upgrade installs (the repository's newest). */
  upgradeTo = '15.10'
  /** Called each time a command's invocations are listed (a test may interrupt there). */
  onList: (command: SentCommand) => void = () => {}
  private readonly ssm: AwsClientStub<SSMClient>
  private readonly finished = new Map<string, CommandInvocation[]>()

  constructor() {
    this.ssm = mockClient(SSMClient)
    this.ssm.on(DescribeInstanceInformationCommand).callsFake(async () => ({
      InstanceInformationList: [...this.versions.keys()].map((InstanceId) => ({InstanceId, PingStatus: 'Online', ResourceType: 'EC2Instance'})),
    }))
    this.ssm.on(GetInventoryCommand).resolves({Entities: []})
    this.ssm.on(PutComplianceItemsCommand).callsFake(async (input: PutComplianceItemsCommandInput) => {
      this.compliance.push(input)
      return {}
    })
    this.ssm.on(CancelCommandCommand).callsFake(async ({CommandId}: {CommandId: string}) => {
      this.cancelled.push(this.sent.find((c) => c.commandId === CommandId)!.step)
      return {}
    })
    this.ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => this.send(input))
    this.ssm.on(ListCommandInvocationsCommand).callsFake(async ({CommandId}: {CommandId: string}) => this.list(CommandId))
  }

  /** Launches the servers in moto, each with a data volume at /dev/sdf, tagged Role=postgres (and opsctl:cluster). */
  async launch(servers: FleetServer[]): Promise<string[]> {
    const {Images = []} = await this.ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
    const ids: string[] = []
    for (const server of servers) {
      const tags = [
        {Key: 'Name', Value: server.name},
        {Key: 'Role', Value: 'postgres'},
        ...(server.cluster ? [{Key: 'opsctl:cluster', Value: server.cluster}] : []),
      ]
      const {Instances = []} = await this.ec2.send(
        new RunInstancesCommand({
          ImageId: Images[0].ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          Placement: {AvailabilityZone: 'us-east-1a'},
          TagSpecifications: [{ResourceType: 'instance', Tags: tags}],
        }),
      )
      const instanceId = Instances[0].InstanceId!
      const {VolumeId} = await this.ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 20, VolumeType: 'gp3'}))
      await this.ec2.send(new AttachVolumeCommand({VolumeId, InstanceId: instanceId, Device: '/dev/sdf'}))
      this.versions.set(instanceId, server.version)
      this.names.set(server.name, instanceId)
      ids.push(instanceId)
    }
    return ids
  }

  /** The first instance that runs `step` fails it (the canary, whichever the plan chose); returns who that was. */
  failFirst(step: string, failure: {status: 'Failed' | 'TimedOut'; output: string}): () => string | undefined {
    let first: string | undefined
    this.behaviour = (s, id) => {
      if (s === step) first ??= id
      return s === step && id === first ? failure : undefined
    }
    return () => first
  }

  /** Every instance after the first that runs `step` fails it. */
  failAllButFirst(step: string, failure: {status: 'Failed' | 'TimedOut'; output: string}): void {
    let first: string | undefined
    this.behaviour = (s, id) => {
      if (s === step) first ??= id
      return s === step && id !== first ? failure : undefined
    }
  }

  idOf(name: string): string {
    return this.names.get(name)!
  }

  /** The volume now at /dev/sdf of the instance, and every volume that was ever attached there and is kept. */
  async dataVolumeOf(instanceId: string) {
    const {Volumes = []} = await this.ec2.send(
      new DescribeVolumesCommand({
        Filters: [
          {Name: 'attachment.instance-id', Values: [instanceId]},
          {Name: 'attachment.device', Values: ['/dev/sdf']},
        ],
      }),
    )
    return Volumes[0]
  }

  /** Steps sent, as "<step> <instance names, sorted>" in the order sent. */
  stepsSent(): string[] {
    const nameOf = new Map([...this.names].map(([name, id]) => [id, name]))
    return this.sent.map(
      (c) =>
        `${c.step} ${c.instanceIds
          .map((id) => nameOf.get(id) ?? id)
          .sort()
          .join(',')}`,
    )
  }

  restore(): void {
    this.ssm.restore()
  }

  private async send(input: SendCommandCommandInput) {
    const instanceIds = input.InstanceIds ?? (await this.targeted(input.Targets ?? []))
    const commandId = `cmd-${this.sent.length + 1}`
    const step = input.Comment?.split(' ').at(-1) ?? ''
    this.sent.push({commandId, step: input.Comment?.startsWith('opsctl patch scan') ? 'readVersion' : step, input, instanceIds})
    return {Command: {CommandId: commandId}}
  }

  /** The instances tag targets match, as SSM resolves them (here, against moto's EC2). */
  private async targeted(targets: {Key?: string; Values?: string[]}[]): Promise<string[]> {
    const Filters = targets.map((t) => ({Name: t.Key!, Values: t.Values}))
    const {Reservations = []} = await this.ec2.send(new DescribeInstancesCommand({Filters}))
    return Reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!)
  }

  /** First listing: every invocation InProgress (what it does is done then); later ones: each finished as the behaviour says. */
  private list(commandId: string): {CommandInvocations: CommandInvocation[]} {
    const command = this.sent.find((c) => c.commandId === commandId)!
    this.onList(command)
    const invocation = (InstanceId: string, Status: 'InProgress' | 'Success' | 'Failed' | 'TimedOut', Output: string): CommandInvocation => ({
      CommandId: commandId,
      InstanceId,
      Status,
      CommandPlugins: [{Name: 'aws:runShellScript', Status, Output}],
    })
    const done = this.finished.get(commandId)
    if (done) return {CommandInvocations: done}
    this.finished.set(
      commandId,
      command.instanceIds.map((id) => {
        const failure = this.behaviour(command.step, id)
        if (failure) return invocation(id, failure.status, failure.output)
        if (command.step === 'upgradePostgreSQL') this.versions.set(id, this.upgradeTo)
        const printed = ['readVersion', 'verifyVersion'].includes(command.step) ? `psql (PostgreSQL) ${this.versions.get(id)}` : ''
        return invocation(id, 'Success', printed)
      }),
    )
    return {CommandInvocations: command.instanceIds.map((id) => invocation(id, 'InProgress', ''))}
  }
}
