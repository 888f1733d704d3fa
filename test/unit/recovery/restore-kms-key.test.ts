import {DescribeKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CopyDBSnapshotCommand, DeleteDBSnapshotCommand, RestoreDBInstanceFromDBSnapshotCommand} from '@aws-sdk/client-rds'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {snapshotRestoreContext, snapshotRestoreWorkflow} from '../../../src/lib/recovery/restore.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {automatedSnapshot, collectingReporter, kmsKey, now, runId, ScriptedRds, sourceId} from './scripted-rds.js'

const targetId = 'tenant-shard-001-rekeyed'
const newKeyAlias = 'alias/tenant-shards-2027'
const newKeyId = '99999999-8888-7777-6666-555555555555'
const newKeyArn = `arn:aws:kms:us-east-1:123456789012:key/${newKeyId}`
const copyId = `${sourceId}-rekey-${runId.toLowerCase()}`

describe('snapshot restore under another KMS key (scripted RDS timelines)', () => {
  let rds: ScriptedRds
  let kms: AwsClientStub<KMSClient>
  const snapshot = automatedSnapshot(new Date(now - 26 * 3_600_000))
  beforeEach(() => {
    rds = new ScriptedRds()
    rds.snapshots = [{...snapshot}]
    rds.copyTimeline = ['pending', 'creating', 'creating', 'available']
    kms = mockClient(KMSClient)
    kms.on(DescribeKeyCommand, {KeyId: newKeyAlias}).resolves({
      KeyMetadata: {KeyId: newKeyId, Arn: newKeyArn, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT'},
    })
  })
  afterEach(() => {
    rds.mock.restore()
    kms.restore()
  })

  async function restore() {
    const reporter = collectingReporter()
    const run = await runWorkflow({
      workflow: snapshotRestoreWorkflow({kmsKeyId: newKeyAlias}),
      context: snapshotRestoreContext(await testSession(runId), {
        sourceId,
        from: {snapshotId: snapshot.DBSnapshotIdentifier!},
        kmsKeyId: newKeyAlias,
        targetId,
        deletionProtection: true,
        pollIntervalMs: 30_000,
        timeoutMs: 3_600_000,
      }),
      parameters: {kmsKeyId: newKeyAlias},
      runId,
      clock: new VirtualClock(now),
      reporter,
    })
    return {...run, reporter}
  }

  it('copies the snapshot under the key the alias names, waits for the copy with progress, restores the copy and deletes it', async () => {
    const {exitCode, record, reporter} = await restore()
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(rds.changes()).to.deep.equal(['CopyDBSnapshot', 'RestoreDBInstanceFromDBSnapshot', 'DeleteDBSnapshot'])
    const copy = rds.mock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input
    expect(copy).to.deep.include({SourceDBSnapshotIdentifier: snapshot.DBSnapshotIdentifier, TargetDBSnapshotIdentifier: copyId, KmsKeyId: newKeyArn})
    expect(copy.Tags).to.deep.include({Key: 'opsctl:run-id', Value: runId})
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0].args[0].input.DBSnapshotIdentifier).to.equal(copyId)
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)[0].args[0].input).to.deep.equal({DBSnapshotIdentifier: copyId})
    expect(reporter.progress.filter((line) => line.startsWith(copyId))).to.deep.equal([
      `${copyId} is pending, 0% done`,
      `${copyId} is creating, 0% done`,
      `${copyId} is creating, 0% done`,
    ])
    // The data is still from the moment the original snapshot was taken.
    expect(record.outcome).to.include({
      snapshotId: snapshot.DBSnapshotIdentifier,
      restorePoint: snapshot.SnapshotCreateTime!.toISOString(),
      kmsKeyId: newKeyArn,
      copySnapshotId: copyId,
      copySnapshotDeleted: true,
    })
  })

  it('deletes the copy and the half-made instance when the restored instance is not under the new key', async () => {
    rds.restoredKmsKeyId = kmsKey
    const {exitCode, record} = await restore()
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.error?.message).to.equal(
      `Restored DB instance ${targetId} failed verification: it is encrypted with KMS key ${kmsKey}, not with ${newKeyArn} (--kms-key).`,
    )
    expect(rds.changes()).to.deep.equal(['CopyDBSnapshot', 'RestoreDBInstanceFromDBSnapshot', 'ModifyDBInstance', 'DeleteDBInstance', 'DeleteDBSnapshot'])
    expect(rds.snapshots.map((s) => s.DBSnapshotIdentifier)).to.deep.equal([snapshot.DBSnapshotIdentifier])
  })

  it('keeps the restored instance and warns when the copy cannot be deleted at the end', async () => {
    rds.deleteSnapshotError = new Error('InvalidDBSnapshotState: Cannot delete the snapshot now.')
    const {exitCode, record, reporter} = await restore()
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(reporter.warnings).to.deep.equal([
      `Could not delete the copy ${copyId} of the snapshot (InvalidDBSnapshotState: Cannot delete the snapshot now.); delete it with "aws rds delete-db-snapshot --db-snapshot-identifier ${copyId}".`,
    ])
    expect(record.outcome).to.include({copySnapshotId: copyId, copySnapshotDeleted: false})
    expect(rds.changes()).to.not.include('DeleteDBInstance')
  })
})
