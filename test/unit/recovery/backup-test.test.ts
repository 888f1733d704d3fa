import {DeleteDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand} from '@aws-sdk/client-rds'
import {expect} from 'chai'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {type BackupTestContext, backupTestContext, backupTestWorkflow} from '../../../src/lib/recovery/backup-test.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {automatedSnapshot, collectingReporter, now, runId, ScriptedRds, sourceId} from './scripted-rds.js'

const temporaryId = `${sourceId}-backup-test-4f9a1c`
const hours = 3_600_000

describe('backup test workflow (scripted RDS timelines)', () => {
  let rds: ScriptedRds
  beforeEach(() => {
    rds = new ScriptedRds()
    rds.snapshots = [
      automatedSnapshot(new Date(now - 50 * hours)),
      automatedSnapshot(new Date(now - 26 * hours)),
      automatedSnapshot(new Date(now - 2 * hours), {Status: 'creating'}),
      automatedSnapshot(new Date(now - 74 * hours)),
    ]
  })
  afterEach(() => rds.mock.restore())

  async function backupTest(options: Partial<BackupTestContext> = {}) {
    const reporter = collectingReporter()
    const run = await runWorkflow({
      workflow: backupTestWorkflow,
      context: backupTestContext(await testSession(runId), {
        sourceId,
        minRetentionDays: 30,
        keep: false,
        pollIntervalMs: 60_000,
        timeoutMs: 7_200_000,
        ...options,
      }),
      parameters: {dbInstanceId: sourceId},
      runId,
      clock: new VirtualClock(now),
      reporter,
      undoOnFailure: !options.keep,
    })
    return {...run, reporter, outcome: run.record.outcome as Record<string, any> | undefined}
  }

  it('measures RTO from restore start to available and RPO as the age of the newest available automated snapshot', async () => {
    rds.timeline = [...Array(10).fill('creating'), 'backing-up', 'backing-up', 'available']
    const {exitCode, record, outcome} = await backupTest({maxRtoSeconds: 900, maxRpoSeconds: 100_000})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(outcome).to.include({snapshotId: rds.snapshots[1].DBSnapshotIdentifier, restorePoint: new Date(now - 26 * hours).toISOString(), verdict: 'passed'})
    expect(record.metrics).to.deep.equal({rpoSeconds: 26 * 3600, rtoSeconds: 12 * 60})
    expect(outcome!.checks.slice(3)).to.deep.equal([
      {check: 'rto', passed: true, detail: 'RTO 720 s is within the limit of 900 s (--max-rto)'},
      {check: 'rpo', passed: true, detail: 'RPO 93600 s is within the limit of 100000 s (--max-rpo)'},
    ])
  })

  it('misses the objectives when RTO and RPO exceed their limits, and still deletes the temporary instance', async () => {
    rds.timeline = [...Array(10).fill('creating'), 'available']
    const {exitCode, outcome, record, reporter} = await backupTest({maxRtoSeconds: 300, maxRpoSeconds: 86_400})
    expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
    expect(outcome).to.include({verdict: 'failed', temporaryInstanceDeleted: true})
    expect(outcome!.checks.filter((c: {passed: boolean}) => !c.passed).map((c: {detail: string}) => c.detail)).to.deep.equal([
      'RTO 600 s is above the limit of 300 s (--max-rto)',
      'RPO 93600 s is above the limit of 86400 s (--max-rpo)',
    ])
    // Each finding once: on its own step, referred to by id in the objective, never also as a warning.
    expect(record.steps.filter((s) => s.missed).map((s) => [s.id, s.status, s.missed])).to.deep.equal([
      ['check-rto', 'succeeded', 'RTO 600 s is above the limit of 300 s (--max-rto)'],
      ['check-rpo', 'succeeded', 'RPO 93600 s is above the limit of 86400 s (--max-rpo)'],
    ])
    expect(record.objective).to.deep.equal({met: false, missed: ['check-rto', 'check-rpo']})
    expect(reporter.warnings).to.deep.equal([])
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceFromDBSnapshot', 'DeleteDBInstance'])
  })

  it('restores the temporary instance without deletion protection and waits until it is deleted', async () => {
    const {exitCode, record, reporter} = await backupTest()
    expect(exitCode).to.equal(ExitCode.Success)
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0].args[0].input).to.deep.include({
      DBInstanceIdentifier: temporaryId,
      DeletionProtection: false,
    })
    expect(record.steps.find((s) => s.id === 'delete-temporary-instance')?.outputs).to.deep.equal({targetId: temporaryId, deleted: true})
    expect(reporter.progress).to.include(`${temporaryId} is deleting`)
    expect(rds.target).to.equal(undefined)
  })

  it('deletes the temporary instance after a failure', async () => {
    rds.restoredEngineVersion = '15.7'
    const {exitCode, record} = await backupTest()
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps.find((s) => s.id === 'verify-instance')?.status).to.equal('failed')
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)[0].args[0].input).to.deep.equal({
      DBInstanceIdentifier: temporaryId,
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: true,
    })
  })

  it('deletes the temporary instance after Ctrl-C, once RDS lets it', async () => {
    rds.timeline = [...Array(6).fill('creating'), 'available']
    rds.onDescribeTarget = (count) => count === 2 && setImmediate(() => process.emit('SIGINT'))
    const {exitCode, record} = await backupTest()
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(record.steps.find((s) => s.id === 'restore-instance')?.undo).to.deep.equal({status: 'succeeded'})
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceFromDBSnapshot', 'DeleteDBInstance'])
  })

  it('keeps the temporary instance with --keep, also after a failure', async () => {
    rds.restoredEngineVersion = '15.7'
    const {exitCode} = await backupTest({keep: true})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(rds.changes()).to.deep.equal(['RestoreDBInstanceFromDBSnapshot'])
  })

  it('exits 4 without restoring anything when there is no available automated snapshot', async () => {
    rds.source.BackupRetentionPeriod = 0
    rds.snapshots = []
    const {exitCode, record} = await backupTest()
    expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
    expect(record.error?.message).to.equal(
      `DB instance ${sourceId} has no available automated snapshot to test; turn on automated backups, or pass --snapshot to test a manual one.`,
    )
    expect(record.steps.find((s) => s.id === 'check-automated-backups')?.outputs).to.deep.include({
      passed: false,
      detail: 'automated backups are off (retention 0 days)',
    })
    expect(rds.changes()).to.deep.equal([])
  })
})
