import {randomUUID} from 'node:crypto'
import {isDeepStrictEqual} from 'node:util'
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
  type AutomationExecutionMetadata,
  type AutomationExecutionStatus,
  CancelCommandCommand,
  type CommandInvocation,
  CreateDocumentCommand,
  DescribeAutomationExecutionsCommand,
  type DescribeAutomationExecutionsCommandInput,
  DescribeInstanceInformationCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  GetInventoryCommand,
  IdempotentParameterMismatch,
  ListCommandInvocationsCommand,
  PutComplianceItemsCommand,
  type PutComplianceItemsCommandInput,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
  StartAutomationExecutionCommand,
  type StartAutomationExecutionCommandInput,
  StopAutomationExecutionCommand,
  UpdateDocumentCommand,
  UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'

/*
 * A PostgreSQL fleet for the patch tests: EC2 instances with a data volume at /dev/sdf in moto (real), and, for what
 * moto lacks, the SSM agent's side by an SDK mock of SSMClient: every instance is managed and Online, inventory reports
 * nothing, a command's invocations go InProgress, then Success or Failed as the test decides, a version command prints
 * the instance's version and an upgrade raises it. SendCommand's tag targets are resolved against moto's EC2.
 *
 * For `--engine ssm`, SSM Automation as SSM runs the patch runbook with rate control (moto has no executions): a start
 * resolves the Targets tag against moto's EC2 in the caller's region and makes one child execution per instance, which
 * ends as the behaviour says when the execution is next looked at; a client token already used returns its execution.
 * The runbook's documents are moto's own (the calls pass through).
 */

export interface FleetServer {
  name: string
  cluster?: string
  version: string
  /** Default us-east-1. */
  region?: string
}

/** An Automation execution of the patch runbook with a child execution per instance its Targets resolved to. */
export interface AutomationRun {
  executionId: string
  region: string
  input: StartAutomationExecutionCommandInput
  status: AutomationExecutionStatus
  children: AutomationExecutionMetadata[]
  /** GetAutomationExecution calls so far: the first answers InProgress, the next ends the children still running. */
  polls: number
}

/** The runbook's steps that the behaviour decides, in its order: a failure after stopPostgreSQL rolls back from the snapshot. */
const RUNBOOK_STEPS = ['stopPostgreSQL', 'upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion']
/** What SSM puts in an output whose step did not succeed. */
export const NO_OUTPUT = 'No output available yet because the step is not successfully executed'

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
  readonly automations: AutomationRun[] = []
  /** Called when SSM started an execution, before it answers (throwing loses the answer). */
  onStart: (run: AutomationRun) => void = () => {}
  /** Called each time an execution's status is asked, before it answers (a test may interrupt there, or end a child). */
  onPoll: (run: AutomationRun) => void = () => {}
  private readonly ssm: AwsClientStub<SSMClient>
  private readonly finished = new Map<string, CommandInvocation[]>()
  private idsMade = 0

  constructor() {
    const moto = SSMClient.prototype.send as (this: SSMClient, command: unknown) => Promise<unknown>
    this.ssm = mockClient(SSMClient)
    const passToMoto = <I>(Command: new (input: I) => unknown) =>
      this.ssm.on(Command as never).callsFake((input: I, getClient) => moto.call(getClient() as SSMClient, new Command(input)))
    passToMoto(GetDocumentCommand)
    passToMoto(CreateDocumentCommand)
    passToMoto(UpdateDocumentCommand)
    passToMoto(UpdateDocumentDefaultVersionCommand)
    this.ssm.on(StartAutomationExecutionCommand).callsFake((input, getClient) => this.startAutomation(input, getClient() as SSMClient))
    this.ssm.on(GetAutomationExecutionCommand).callsFake(async ({AutomationExecutionId}: {AutomationExecutionId: string}) => this.poll(AutomationExecutionId))
    this.ssm.on(DescribeAutomationExecutionsCommand).callsFake(async (input: DescribeAutomationExecutionsCommandInput) => ({
      AutomationExecutionMetadataList: this.automations.find((r) => r.executionId === input.Filters?.[0]?.Values?.[0])?.children ?? [],
    }))
    this.ssm
      .on(StopAutomationExecutionCommand)
      .callsFake(async ({AutomationExecutionId}: {AutomationExecutionId: string}) => this.cancel(AutomationExecutionId))
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
    this.ssm.on(SendCommandCommand).callsFake(async (input: SendCommandCommandInput, getClient) => this.send(input, await getClient().config.region()))
    this.ssm.on(ListCommandInvocationsCommand).callsFake(async ({CommandId}: {CommandId: string}) => this.list(CommandId))
  }

  /** Launches the servers in moto (in their region), each with a data volume at /dev/sdf, tagged Role=postgres (and opsctl:cluster). */
  async launch(servers: FleetServer[]): Promise<string[]> {
    const ids: string[] = []
    for (const server of servers) {
      const region = server.region ?? 'us-east-1'
      const ec2 = ec2In(region)
      const {Images = []} = await ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
      const tags = [
        {Key: 'Name', Value: server.name},
        {Key: 'Role', Value: 'postgres'},
        ...(server.cluster ? [{Key: 'opsctl:cluster', Value: server.cluster}] : []),
      ]
      const {Instances = []} = await ec2.send(
        new RunInstancesCommand({
          ImageId: Images[0].ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          Placement: {AvailabilityZone: `${region}a`},
          TagSpecifications: [{ResourceType: 'instance', Tags: tags}],
        }),
      )
      const instanceId = Instances[0].InstanceId!
      const {VolumeId} = await ec2.send(new CreateVolumeCommand({AvailabilityZone: `${region}a`, Size: 20, VolumeType: 'gp3'}))
      await ec2.send(new AttachVolumeCommand({VolumeId, InstanceId: instanceId, Device: '/dev/sdf'}))
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

  /** The inputs of the SSM calls of a kind the fleet was sent, in order. */
  callsOf<I extends object>(Command: new (input: I) => unknown): I[] {
    return this.ssm.commandCalls(Command as never).map((call) => call.args[0].input as I)
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

  /** Ends a child execution of the run as the behaviour says: patched, or failed at a step (rolled back from its snapshot after stopPostgreSQL). */
  endChild(run: AutomationRun, instanceId: string): void {
    const child = run.children.find((c) => c.Target === instanceId)!
    for (const step of RUNBOOK_STEPS) {
      const failure = this.behaviour(step, instanceId)
      if (!failure) continue
      const end = step === 'stopPostgreSQL' ? 'gave-up' : 'rolled-back'
      Object.assign(child, {
        AutomationExecutionStatus: 'Failed',
        CurrentStepName: end === 'gave-up' ? 'startPostgreSQLAgain' : 'recordNonCompliant',
        FailureMessage: `Step fails when it is Poll action status for completion. ${step} ${failure.status}: ${failure.output}`,
        Outputs: this.outputsOf(instanceId, end),
      })
      return
    }
    this.versions.set(instanceId, this.upgradeTo)
    Object.assign(child, {AutomationExecutionStatus: 'Success', CurrentStepName: 'recordCompliant', Outputs: this.outputsOf(instanceId, 'patched')})
  }

  restore(): void {
    this.ssm.restore()
  }

  private async startAutomation(input: StartAutomationExecutionCommandInput, client: SSMClient) {
    const region = await client.config.region()
    const earlier = this.automations.find((r) => r.region === region && r.input.ClientToken === input.ClientToken)
    if (earlier && !isDeepStrictEqual(earlier.input, input))
      throw new IdempotentParameterMismatch({message: 'The client token was used with other parameters.', $metadata: {}})
    if (earlier) return {AutomationExecutionId: earlier.executionId}
    const executionId = randomUUID()
    const children = (await this.targeted(input.Targets ?? [], region)).map(
      (Target): AutomationExecutionMetadata => ({
        AutomationExecutionId: randomUUID(),
        ParentAutomationExecutionId: executionId,
        DocumentName: input.DocumentName,
        AutomationExecutionStatus: 'InProgress',
        CurrentStepName: 'upgradePostgreSQL',
        Target,
      }),
    )
    const run: AutomationRun = {executionId, region, input, status: 'InProgress', children, polls: 0}
    this.automations.push(run)
    this.onStart(run)
    return {AutomationExecutionId: executionId}
  }

  /** The first look finds the execution InProgress; the next ends the children still running, and with them the execution. */
  private poll(executionId: string) {
    const run = this.automations.find((r) => r.executionId === executionId)!
    run.polls += 1
    this.onPoll(run)
    if (run.status === 'InProgress' && run.polls > 1) {
      for (const child of run.children) if (child.AutomationExecutionStatus === 'InProgress') this.endChild(run, child.Target!)
      run.status = run.children.every((c) => c.AutomationExecutionStatus === 'Success') ? 'Success' : 'Failed'
    }
    const answer = {AutomationExecution: {AutomationExecutionId: executionId, AutomationExecutionStatus: run.status}}
    if (run.status === 'Cancelling') run.status = 'Cancelled'
    return answer
  }

  /** SSM cancels the children still running: the runbook's onCancel branch rolls each back from its snapshot. */
  private cancel(executionId: string) {
    const run = this.automations.find((r) => r.executionId === executionId)!
    if (run.status !== 'InProgress') return {}
    run.status = 'Cancelling'
    for (const child of run.children.filter((c) => c.AutomationExecutionStatus === 'InProgress'))
      Object.assign(child, {
        AutomationExecutionStatus: 'Cancelled',
        CurrentStepName: 'recordNonCompliant',
        Outputs: this.outputsOf(child.Target!, 'rolled-back'),
      })
    return {}
  }

  /** The runbook's outputs as SSM reports them: a step that did not succeed has a placeholder, not nothing. */
  private outputsOf(instanceId: string, end: 'patched' | 'rolled-back' | 'gave-up'): Record<string, string[]> {
    const snapshotted = end !== 'gave-up'
    const values: Record<string, string | undefined> = {
      'findDataVolume.VolumeId': snapshotted ? this.newId('vol') : undefined,
      'snapshotDataVolume.SnapshotId': snapshotted ? this.newId('snap') : undefined,
      'verifyVersion.Output': end === 'patched' ? `psql (PostgreSQL) ${this.versions.get(instanceId)}\n` : undefined,
      'createRestoredVolume.VolumeId': end === 'rolled-back' ? this.newId('vol') : undefined,
    }
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value ?? NO_OUTPUT]]))
  }

  private newId(prefix: 'vol' | 'snap'): string {
    this.idsMade += 1
    return `${prefix}-${this.idsMade.toString(16).padStart(17, '0')}`
  }

  private async send(input: SendCommandCommandInput, region: string) {
    const instanceIds = input.InstanceIds ?? (await this.targeted(input.Targets ?? [], region))
    const commandId = `cmd-${this.sent.length + 1}`
    const step = input.Comment?.split(' ').at(-1) ?? ''
    this.sent.push({commandId, step: input.Comment?.startsWith('opsctl patch scan') ? 'readVersion' : step, input, instanceIds})
    return {Command: {CommandId: commandId}}
  }

  /** The instances tag targets match, as SSM resolves them (here, against moto's EC2 in the region). */
  private async targeted(targets: {Key?: string; Values?: string[]}[], region: string): Promise<string[]> {
    const Filters = targets.map((t) => ({Name: t.Key!, Values: t.Values}))
    const {Reservations = []} = await ec2In(region).send(new DescribeInstancesCommand({Filters}))
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

const ec2In = (region: string) => new EC2Client({region})
