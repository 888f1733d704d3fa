import {
  CreateDBSnapshotCommand,
  DBSnapshotNotFoundFault,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {snapshotCreateContext, snapshotCreateWorkflow} from '../../../src/lib/recovery/snapshots.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

const runId = '20261123T192515Z-4f9a1c'
const snapshotId = `tenant-shard-001-${runId.toLowerCase()}`
const ours = [{Key: 'opsctl:run-id', Value: runId}]
const notFound = () => new DBSnapshotNotFoundFault({message: 'not found', $metadata: {}})

describe('snapshot create workflow (scripted RDS timelines)', () => {
  // Created in before(): a mock made while mocha loads the files would stub every other file's RDS clients too.
  let rds: AwsClientStub<RDSClient>
  before(() => {
    rds = mockClient(RDSClient)
  })
  beforeEach(() => {
    rds.reset()
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({DBInstances: [{DBInstanceIdentifier: 'tenant-shard-001', DBInstanceStatus: 'available', Engine: 'postgres', StorageEncrypted: true}]})
    rds.on(CreateDBSnapshotCommand).resolves({})
  })
  after(() => rds.restore())

  async function run(options: {timeoutMs?: number; interruptAfterPolls?: number} = {}) {
    const session = await testSession(runId)
    const clock = new VirtualClock()
    const progress: string[] = []
    const started = clock.now()
    const outcome = await runWorkflow({
      workflow: snapshotCreateWorkflow,
      context: snapshotCreateContext(session, {dbInstanceId: 'tenant-shard-001', pollIntervalMs: 15_000, timeoutMs: options.timeoutMs ?? 3_600_000}),
      parameters: {dbInstanceId: 'tenant-shard-001'},
      runId,
      clock,
      reporter: {...silentReporter, stepProgress: (_s, m) => progress.push(m)},
    })
    return {...outcome, progress, waitedMs: clock.now() - started}
  }

  it('waits through creating with progress until the snapshot is available', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(notFound()) // check-instance: the name is free
      .rejectsOnce(notFound()) // create-snapshot: not made by an earlier attempt
      .resolvesOnce({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'creating', PercentProgress: 0, TagList: ours}]})
      .resolvesOnce({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'creating', PercentProgress: 60, TagList: ours}]})
      .resolves({
        DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'available', PercentProgress: 100, AllocatedStorage: 100, Encrypted: true, TagList: ours}],
      })
    const {record, exitCode, progress, waitedMs} = await run()
    expect(exitCode).to.equal(ExitCode.Success)
    expect(progress).to.deep.equal([`${snapshotId} is creating, 0% done`, `${snapshotId} is creating, 60% done`])
    expect(waitedMs).to.equal(30_000)
    expect(record.outcome).to.include({snapshotId, encrypted: true, allocatedStorageGiB: 100})
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0].args[0].input.Tags).to.deep.include({Key: 'opsctl:run-id', Value: runId})
  })

  it('when the wait times out, waits for the snapshot to become available and deletes it', async () => {
    let calls = 0
    rds.on(DescribeDBSnapshotsCommand).callsFake(() => {
      calls++
      if (calls <= 2) throw notFound()
      // RDS deletes only available snapshots: it becomes available after the wait step gave up.
      return {DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: calls < 10 ? 'creating' : 'available', PercentProgress: 10, TagList: ours}]}
    })
    rds.on(DeleteDBSnapshotCommand).resolves({})
    const {record, exitCode} = await run({timeoutMs: 60_000})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps[2].error?.code).to.equal('StepTimeout')
    expect(record.steps[1]).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).to.have.length(1)
  })

  it('gives up undoing after the undo time limit and says to clean up by hand', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(notFound())
      .rejectsOnce(notFound())
      .resolves({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'creating', PercentProgress: 10, TagList: ours}]})
    const {record, exitCode} = await run({timeoutMs: 60_000})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps[1].undo?.status).to.equal('failed')
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).to.have.length(0)
  })

  it('never deletes a snapshot that another run made', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(notFound())
      .rejectsOnce(notFound())
      .resolvesOnce({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'failed', TagList: ours}]})
      .resolves({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'available', TagList: [{Key: 'opsctl:run-id', Value: 'someone-else'}]}]})
    const {record, exitCode} = await run()
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.error?.message).to.match(/ended in status failed/)
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).to.have.length(0)
  })

  it('deletes its own snapshot when a later step fails', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(notFound())
      .rejectsOnce(notFound())
      .resolvesOnce({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'failed', TagList: ours}]})
      .resolves({DBSnapshots: [{DBSnapshotIdentifier: snapshotId, Status: 'available', TagList: ours}]})
    rds.on(DeleteDBSnapshotCommand).resolves({})
    const {record} = await run()
    expect(record.steps[1]).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    expect(rds.commandCalls(DeleteDBSnapshotCommand)[0].args[0].input).to.deep.equal({DBSnapshotIdentifier: snapshotId})
  })

  it('refuses an instance that is not available, before creating anything', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({DBInstances: [{DBInstanceIdentifier: 'tenant-shard-001', DBInstanceStatus: 'modifying'}]})
    const {record, exitCode} = await run()
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.equal('DB instance tenant-shard-001 is modifying, not available; wait until it is available and run again.')
    expect(rds.commandCalls(CreateDBSnapshotCommand)).to.have.length(0)
  })
})
