import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
  type Tag,
  type Volume,
} from '@aws-sdk/client-ec2'
import {CreateTopicCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'
import {CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient} from '@aws-sdk/client-sqs'
import {
  type CommandInvocation,
  ListCommandInvocationsCommand,
  PutComplianceItemsCommand,
  type PutComplianceItemsCommandInput,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import type {AwsSession} from '../../../src/lib/aws/session.js'
import {assertRunnableLocally, loadValidRunbook, shippedRunbooksDir} from '../../../src/lib/runbook/load.js'
import {runLocally} from '../../../src/lib/runbook/local-engine.js'
import {resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

const runbookFile = `${shippedRunbooksDir}/opsctl-PatchPostgreSQL.yaml`
const ec2 = new EC2Client({})
const tagsOf = (tags: Tag[] = []) => Object.fromEntries(tags.map((t) => [t.Key, t.Value]))

/** A PostgreSQL server in moto: an instance with its data volume attached at /dev/sdf. */
async function postgresServer(): Promise<{instanceId: string; zone: string; dataVolumeId: string}> {
  const {Instances} = await ec2.send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1}))
  const instanceId = Instances![0].InstanceId!
  const zone = Instances![0].Placement!.AvailabilityZone!
  const {VolumeId} = await ec2.send(new CreateVolumeCommand({AvailabilityZone: zone, Size: 20, VolumeType: 'gp3'}))
  await ec2.send(new AttachVolumeCommand({VolumeId, InstanceId: instanceId, Device: '/dev/sdf'}))
  return {instanceId, zone, dataVolumeId: VolumeId!}
}

async function volumeAt(instanceId: string, device: string): Promise<Volume | undefined> {
  const {Volumes} = await ec2.send(
    new DescribeVolumesCommand({
      Filters: [
        {Name: 'attachment.instance-id', Values: [instanceId]},
        {Name: 'attachment.device', Values: [device]},
      ],
    }),
  )
  return Volumes![0]
}

const volume = async (id: string) => (await ec2.send(new DescribeVolumesCommand({VolumeIds: [id]}))).Volumes![0]

/**
 * What moto lacks, scripted: the command invocations (each InProgress, then Success or the status given for its
 * step) and PutComplianceItems. SendCommand itself goes to moto. Each command names its step in its Comment.
 */
function scriptInstance(session: AwsSession, failing: Partial<Record<string, 'Failed' | 'TimedOut'>> = {}, onPoll?: (step: string) => void) {
  const ssm = mockClient(session.client(SSMClient))
  const moto = new SSMClient({})
  const sent = new Map<string, {step: string; instanceId: string}>()
  const polled = new Set<string>()
  ssm.on(SendCommandCommand).callsFake(async (input: SendCommandCommandInput) => {
    const output = await moto.send(new SendCommandCommand(input))
    sent.set(output.Command!.CommandId!, {step: input.Comment!.split(' ')[1], instanceId: input.InstanceIds![0]})
    return output
  })
  ssm.on(ListCommandInvocationsCommand).callsFake(async ({CommandId}: {CommandId: string}) => {
    const {step, instanceId} = sent.get(CommandId)!
    onPoll?.(step)
    const status = polled.has(CommandId) ? (failing[step] ?? 'Success') : 'InProgress'
    polled.add(CommandId)
    const output = status === 'Success' ? (step === 'verifyVersion' ? '15.8\n' : '') : `${step} failed\n`
    const invocation: CommandInvocation = {
      CommandId,
      InstanceId: instanceId,
      Status: status,
      CommandPlugins: [{ResponseCode: status === 'Success' ? 0 : 1, Output: output}],
    }
    return {CommandInvocations: [invocation]}
  })
  ssm.on(PutComplianceItemsCommand).resolves({})
  return {
    /** The steps whose commands were sent, in order. */
    commands: () => ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.Comment!.split(' ')[1]),
    compliance: () => ssm.commandCalls(PutComplianceItemsCommand).map((c) => c.args[0].input as PutComplianceItemsCommandInput),
    sentTo: () => [...new Set(ssm.commandCalls(SendCommandCommand).flatMap((c) => c.args[0].input.InstanceIds ?? []))],
  }
}

async function patch(session: AwsSession, given: Record<string, string>, interrupt?: AbortSignal) {
  const runbook = await loadValidRunbook(runbookFile)
  await assertRunnableLocally(runbook, [shippedRunbooksDir], {canApprove: false})
  const parameters = resolveParameters(runbook.document!, given)
  const refuse = async () => {
    throw new Error('no approval expected')
  }
  return runLocally({runbook, parameters, session, approve: refuse, clock: new VirtualClock(), documentDirs: [shippedRunbooksDir], interrupt})
}

/** An SNS topic whose messages land in an SQS queue the test can read. */
async function watchedTopic(): Promise<{topicArn: string; messages: () => Promise<string[]>}> {
  const sqs = new SQSClient({})
  const {TopicArn} = await new SNSClient({}).send(new CreateTopicCommand({Name: 'db-patching'}))
  const {QueueUrl} = await sqs.send(new CreateQueueCommand({QueueName: 'db-patching-alerts'}))
  const {Attributes} = await sqs.send(new GetQueueAttributesCommand({QueueUrl, AttributeNames: ['QueueArn']}))
  await new SNSClient({}).send(new SubscribeCommand({TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn}))
  return {
    topicArn: TopicArn!,
    messages: async () =>
      ((await sqs.send(new ReceiveMessageCommand({QueueUrl, MaxNumberOfMessages: 10}))).Messages ?? []).map((m) => JSON.parse(m.Body!).Message),
  }
}

const statusOf = (record: {steps: {id: string; status: string}[]}, id: string) => record.steps.find((s) => s.id === id)?.status

describe('runbook opsctl-PatchPostgreSQL on the local engine (moto for EC2, SNS and SendCommand; SDK mocks for invocations and compliance)', () => {
  it('patches: snapshots the data volume tagged with the run, verifies the version and records COMPLIANT', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const instance = scriptInstance(session)
    const {record, exitCode, outputs} = await patch(session, {InstanceId: server.instanceId, TargetVersion: '15.8', RunId: '20260301T030000Z-5e1f2a'})

    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(instance.commands()).to.deep.equal(['stopPostgreSQL', 'upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion'])
    expect(instance.sentTo()).to.deep.equal([server.instanceId])
    const {Snapshots} = await ec2.send(new DescribeSnapshotsCommand({SnapshotIds: [String(outputs['snapshotDataVolume.SnapshotId'])]}))
    expect(Snapshots![0].VolumeId).to.equal(server.dataVolumeId)
    expect(tagsOf(Snapshots![0].Tags)).to.include({
      'opsctl:run-id': '20260301T030000Z-5e1f2a',
      'opsctl:instance-id': server.instanceId,
      'opsctl:rollback-point-of': server.dataVolumeId,
    })
    const [compliance] = instance.compliance()
    expect(compliance).to.deep.include({ResourceId: server.instanceId, ResourceType: 'ManagedInstance', ComplianceType: 'Custom:opsctl-postgresql'})
    expect(compliance.Items).to.deep.equal([
      {
        Id: 'postgresql',
        Title: 'postgresql 15.8 or later',
        Severity: 'HIGH',
        Status: 'COMPLIANT',
        Details: {TargetVersion: '15.8', RunId: '20260301T030000Z-5e1f2a'},
      },
    ])
    expect(compliance.ExecutionSummary!.ExecutionTime).to.be.instanceOf(Date)
    expect(outputs['verifyVersion.Output']).to.equal('15.8\n')
    expect((await volumeAt(server.instanceId, '/dev/sdf'))!.VolumeId).to.equal(server.dataVolumeId)
    expect(statusOf(record, 'rollback-stop-postgre-sql')).to.equal('skipped')
  })

  it('rolls back a failed upgrade: a volume restored from the snapshot in the same zone replaces the data volume, which is kept and tagged', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const instance = scriptInstance(session, {upgradePostgreSQL: 'Failed'})
    const topic = await watchedTopic()
    const runId = '20260301T030000Z-0b4d7c'
    const {record, exitCode, outputs} = await patch(session, {
      InstanceId: server.instanceId,
      TargetVersion: '15.8',
      RunId: runId,
      NotificationTopicArn: topic.topicArn,
    })

    expect(exitCode).to.equal(1)
    expect(record.status).to.equal('failed')
    expect(instance.commands()).to.deep.equal(['stopPostgreSQL', 'upgradePostgreSQL', 'rollbackStopPostgreSQL', 'rollbackStartPostgreSQL', 'verifyRunning'])
    const snapshotId = String(outputs['snapshotDataVolume.SnapshotId'])
    const restored = (await volumeAt(server.instanceId, '/dev/sdf'))!
    expect(restored.VolumeId).to.equal(outputs['createRestoredVolume.VolumeId'])
    expect(restored.VolumeId).to.not.equal(server.dataVolumeId)
    expect(restored).to.deep.include({SnapshotId: snapshotId, AvailabilityZone: server.zone, VolumeType: 'gp3', State: 'in-use'})
    expect(tagsOf(restored.Tags)).to.include({'opsctl:run-id': runId, 'opsctl:instance-id': server.instanceId, 'opsctl:restored-from': snapshotId})
    const replaced = await volume(server.dataVolumeId)
    expect(replaced.State).to.equal('available')
    expect(replaced.Attachments ?? []).to.deep.equal([])
    expect(tagsOf(replaced.Tags)).to.include({'opsctl:replaced-by-rollback': runId, 'opsctl:replaced-by': restored.VolumeId})
    expect(tagsOf(replaced.Tags)['opsctl:replaced-at']).to.match(/^\d{4}-\d\d-\d\d_\d\d\.\d\d\.\d\d$/)
    const [message] = await topic.messages()
    expect(message).to.contain(`Patching PostgreSQL on ${server.instanceId} to 15.8 failed (run ${runId})`).and.contain(snapshotId)
    expect(instance.compliance().map((c) => c.Items![0].Status)).to.deep.equal(['NON_COMPLIANT'])
    expect(statusOf(record, 'verify-version')).to.equal('skipped')
    expect(statusOf(record, 'record-compliant')).to.equal('skipped')
  })

  it('rolls back without notifying when no topic is given, tagging with the execution id when no run id is given', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const instance = scriptInstance(session, {verifyVersion: 'Failed'})
    const {record, exitCode, outputs} = await patch(session, {InstanceId: server.instanceId, TargetVersion: '16.4'})

    expect(exitCode).to.equal(1)
    expect(statusOf(record, 'notify-failure')).to.equal('skipped')
    expect(record.steps.flatMap((s) => s.calls.map((c) => c.operation))).to.not.include('Publish')
    expect((await volumeAt(server.instanceId, '/dev/sdf'))!.SnapshotId).to.equal(outputs['snapshotDataVolume.SnapshotId'])
    expect(tagsOf((await volume(server.dataVolumeId)).Tags)).to.include({'opsctl:replaced-by-rollback': record.runId})
    expect(instance.compliance().map((c) => [c.Items![0].Status, c.Items![0].Details!.RunId])).to.deep.equal([['NON_COMPLIANT', record.runId]])
  })

  it('starts PostgreSQL again when it cannot be stopped: no snapshot, no rollback, no compliance written, the run failed', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const instance = scriptInstance(session, {stopPostgreSQL: 'TimedOut'})
    const {record, exitCode} = await patch(session, {InstanceId: server.instanceId, TargetVersion: '15.8'})

    expect(exitCode).to.equal(1)
    expect(record.error!.message).to.contain('TimedOut')
    expect(instance.commands()).to.deep.equal(['stopPostgreSQL', 'startPostgreSQLAgain'])
    expect((await ec2.send(new DescribeSnapshotsCommand({Filters: [{Name: 'volume-id', Values: [server.dataVolumeId]}]}))).Snapshots).to.deep.equal([])
    expect((await volumeAt(server.instanceId, '/dev/sdf'))!.VolumeId).to.equal(server.dataVolumeId)
    expect(instance.compliance()).to.deep.equal([])
  })

  it('rolls back when interrupted during the upgrade (Ctrl-C), then stops with exit 130', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const ctrlC = new AbortController()
    const instance = scriptInstance(session, {}, (step) => step === 'upgradePostgreSQL' && ctrlC.abort())
    const {record, exitCode, outputs} = await patch(session, {InstanceId: server.instanceId, TargetVersion: '15.8'}, ctrlC.signal)

    expect(exitCode).to.equal(130)
    expect(record.status).to.equal('interrupted')
    expect(instance.commands()).to.deep.equal(['stopPostgreSQL', 'upgradePostgreSQL', 'rollbackStopPostgreSQL', 'rollbackStartPostgreSQL', 'verifyRunning'])
    expect((await volumeAt(server.instanceId, '/dev/sdf'))!.SnapshotId).to.equal(outputs['snapshotDataVolume.SnapshotId'])
    expect((await volume(server.dataVolumeId)).State).to.equal('available')
    expect(instance.compliance().map((c) => c.Items![0].Status)).to.deep.equal(['NON_COMPLIANT'])
  })

  it('starts PostgreSQL again when the instance has no volume at the data device, without snapshotting anything', async () => {
    const server = await postgresServer()
    const session = await testSession()
    const instance = scriptInstance(session)
    const {record, exitCode} = await patch(session, {InstanceId: server.instanceId, TargetVersion: '15.8', DataDeviceName: '/dev/sdg'})

    expect(exitCode).to.equal(1)
    expect(statusOf(record, 'snapshot-data-volume')).to.equal('failed')
    expect(instance.commands()).to.deep.equal(['stopPostgreSQL', 'startPostgreSQLAgain'])
    expect((await ec2.send(new DescribeSnapshotsCommand({Filters: [{Name: 'volume-id', Values: [server.dataVolumeId]}]}))).Snapshots).to.deep.equal([])
  })
})
