import {DeleteDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand} from '@aws-sdk/client-rds'
import {expect} from 'chai'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {type RestoreFrom, snapshotRestoreContext, snapshotRestoreWorkflow} from '../../../src/lib/recovery/restore.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {automatedSnapshot, collectingReporter, now, runId, ScriptedRds, sourceId} from './scripted-rds.js'

const targetId = 'tenant-shard-001-copy'
const iso = (ms: number) => new Date(ms).toISOString()

describe('snapshot restore workflow (scripted RDS timelines)', () => {
  let rds: ScriptedRds
  beforeEach(() => {
    rds = new ScriptedRds()
  })
  afterEach(() => rds.mock.restore())

  async function restore(from: RestoreFrom, options: {timeoutMs?: number; keepOnFailure?: boolean} = {}) {
    const clock = new VirtualClock(now)
    const reporter = collectingReporter()
    const outcome = await runWorkflow({
      workflow: snapshotRestoreWorkflow({}),
      context: snapshotRestoreContext(await testSession(runId), {
        sourceId,
        from,
        targetId,
        deletionProtection: true,
        pollIntervalMs: 30_000,
        timeoutMs: options.timeoutMs ?? 3_600_000,
      }),
      parameters: {from},
      runId,
      clock,
      reporter,
      undoOnFailure: !options.keepOnFailure,
    })
    return {...outcome, reporter, outcome: outcome.record.outcome, finishedAt: clock.now()}
  }

  it('waits through creating, backing-up and modifying with progress, and measures the recovery time', async () => {
    rds.timeline = ['creating', 'creating', 'backing-up', 'modifying', 'available']
    const {exitCode, record, outcome, reporter} = await restore({latest: true})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(reporter.progress).to.deep.equal([`${targetId} is creating`, `${targetId} is creating`, `${targetId} is backing-up`, `${targetId} is modifying`])
    expect(record.metrics.rtoSeconds).to.equal(120)
    expect(outcome).to.include({rtoSeconds: 120, restoreType: 'latest', restorePoint: iso(now - 5 * 60_000), targetId})
  })

  it('restores from a snapshot with the data from the time the snapshot was taken', async () => {
    const snapshot = automatedSnapshot(new Date(now - 26 * 3_600_000))
    rds.snapshots = [snapshot]
    const {outcome} = await restore({snapshotId: snapshot.DBSnapshotIdentifier!})
    expect(outcome).to.include({restoreType: 'snapshot', snapshotId: snapshot.DBSnapshotIdentifier, restorePoint: iso(now - 26 * 3_600_000)})
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0].args[0].input).to.deep.include({
      DBInstanceIdentifier: targetId,
      DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
      DBInstanceClass: 'db.r6g.large',
      MultiAZ: true,
      StorageType: 'gp3',
      Port: 5432,
      DeletionProtection: true,
    })
  })

  it("refuses a snapshot that is not available yet (moto's are available at once), creating nothing", async () => {
    const snapshot = automatedSnapshot(new Date(now - 3_600_000), {Status: 'creating'})
    rds.snapshots = [snapshot]
    const {exitCode, record} = await restore({snapshotId: snapshot.DBSnapshotIdentifier!})
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.equal(
      `DB snapshot ${snapshot.DBSnapshotIdentifier} is creating, not available; wait until it is available or pick another (see "opsctl snapshot list ${sourceId}").`,
    )
    expect(rds.changes()).to.deep.equal([])
  })

  describe('restorable window (moto accepts any time)', () => {
    const earliest = now - 3 * 86_400_000
    const latest = now - 5 * 60_000
    const window = `choose a time between ${iso(earliest)} and ${iso(latest)}, the restorable window of ${sourceId}, or use --latest.`
    beforeEach(() => {
      rds.restoreWindow = {EarliestTime: new Date(earliest), LatestTime: new Date(latest)}
    })

    it("takes the earliest time from the automated backup's restore window rather than the retention period", async () => {
      const {exitCode, record} = await restore({time: new Date(now - 10 * 86_400_000)})
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.equal(`--to-time ${iso(now - 10 * 86_400_000)} is before the earliest restorable time of ${sourceId}; ${window}`)
      expect(rds.changes()).to.deep.equal([])
    })

    it('refuses a time after the latest restorable time', async () => {
      const {record} = await restore({time: new Date(now - 60_000)})
      expect(record.error?.message).to.equal(`--to-time ${iso(now - 60_000)} is after the latest restorable time of ${sourceId}; ${window}`)
      expect(rds.changes()).to.deep.equal([])
    })

    it('refuses a time in the future', async () => {
      const {record} = await restore({time: new Date(now + 60_000)})
      expect(record.error?.message).to.equal(`--to-time ${iso(now + 60_000)} is in the future; ${window}`)
    })

    it('restores a time inside the window to exactly that time', async () => {
      const {exitCode, outcome} = await restore({time: new Date(now - 86_400_000)})
      expect(exitCode).to.equal(ExitCode.Success)
      expect(rds.mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0].args[0].input).to.deep.include({
        SourceDBInstanceIdentifier: sourceId,
        TargetDBInstanceIdentifier: targetId,
        RestoreTime: new Date(now - 86_400_000),
      })
      expect(outcome).to.include({restoreType: 'point-in-time', restorePoint: iso(now - 86_400_000)})
    })

    it('falls back to now minus the retention period when RDS reports no restore window', async () => {
      rds.restoreWindow = undefined
      rds.source.BackupRetentionPeriod = 7
      const {record} = await restore({time: new Date(now - 8 * 86_400_000)})
      expect(record.error?.message).to.contain(`choose a time between ${iso(now - 7 * 86_400_000)} and ${iso(latest)}`)
    })

    it('uses the latest restorable time with --latest', async () => {
      await restore({latest: true})
      expect(rds.mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0].args[0].input).to.deep.include({UseLatestRestorableTime: true})
    })
  })

  it('deletes the half-made instance when verification fails: waits until it settles, turns deletion protection off, skips the final snapshot', async () => {
    rds.restoredEngineVersion = '15.7'
    const {exitCode, record} = await restore({latest: true})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.error?.message).to.equal(`Restored DB instance ${targetId} failed verification: its engine version is 15.7, not 16.3.`)
    expect(record.steps.find((s) => s.id === 'restore-instance')).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceToPointInTime', 'ModifyDBInstance', 'DeleteDBInstance'])
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)[0].args[0].input).to.deep.equal({
      DBInstanceIdentifier: targetId,
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: true,
    })
  })

  it('keeps the half-made instance with --keep-on-failure', async () => {
    rds.restoredEngineVersion = '15.7'
    const {exitCode} = await restore({latest: true}, {keepOnFailure: true})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceToPointInTime'])
  })

  it('on timeout, waits for the instance to leave creating before deleting it', async () => {
    rds.timeline = [...Array(7).fill('creating'), 'available']
    const {exitCode, record} = await restore({latest: true}, {timeoutMs: 120_000})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps.find((s) => s.id === 'wait-available')?.error?.code).to.equal('StepTimeout')
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceToPointInTime', 'ModifyDBInstance', 'DeleteDBInstance'])
  })

  it('on SIGINT while waiting, stops, deletes the new instance and exits 130', async () => {
    rds.timeline = [...Array(10).fill('creating'), 'available']
    rds.onDescribeTarget = (count) => count === 3 && setImmediate(() => process.emit('SIGINT'))
    const {exitCode, record} = await restore({latest: true})
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(record.status).to.equal('interrupted')
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceToPointInTime', 'ModifyDBInstance', 'DeleteDBInstance'])
    expect(process.listenerCount('SIGINT')).to.equal(0)
  })

  it('never deletes an instance of that name that this run did not create', async () => {
    rds.target = {DBInstanceIdentifier: targetId, DBInstanceStatus: 'available', TagList: [{Key: 'team', Value: 'billing'}]}
    const {exitCode, record} = await restore({latest: true})
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.equal(`A DB instance named ${targetId} already exists; restores always go to a new instance, so choose another --target.`)
    expect(rds.changes()).to.deep.equal([])
  })

  it('finds the instance an earlier attempt of the run restored instead of restoring again', async () => {
    rds.target = {
      DBInstanceIdentifier: targetId,
      DBInstanceStatus: 'creating',
      Engine: 'postgres',
      EngineVersion: '16.3',
      StorageEncrypted: true,
      KmsKeyId: rds.source.KmsKeyId,
      InstanceCreateTime: new Date(now - 600_000),
      TagList: [{Key: 'opsctl:run-id', Value: runId}],
    }
    rds.timeline = ['creating', 'creating', 'creating', 'available']
    const {exitCode, record} = await restore({latest: true})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(rds.changes()).to.deep.equal([])
    // The restore started when the earlier attempt created the instance, ten minutes before this run.
    expect(record.metrics.rtoSeconds).to.equal(600 + 30)
  })
})
