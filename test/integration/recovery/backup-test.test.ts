import {CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {backupTestHistory} from '../../../src/lib/recovery/backup-history.js'
import {type BackupTestContext, backupTestContext, backupTestWorkflow} from '../../../src/lib/recovery/backup-test.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createDbInstance} from '../../support/rds.js'

const rds = new RDSClient({})
const instanceIds = async () => ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier)
const snapshotsOf = async (id: string) => (await rds.send(new DescribeDBSnapshotsCommand({DBInstanceIdentifier: id}))).DBSnapshots ?? []

type Options = Partial<Omit<BackupTestContext, 'rds'>> & {clock?: VirtualClock; interruptAfter?: string}

async function backupTest(options: Options = {}) {
  const {clock, interruptAfter, ...overrides} = options
  const interrupt = new AbortController()
  const parameters = {dbInstanceId: overrides.sourceId ?? 'tenant-shard-001'}
  const run = await runWorkflow({
    workflow: backupTestWorkflow,
    context: backupTestContext(await testSession(), {
      sourceId: 'tenant-shard-001',
      minRetentionDays: 30,
      keep: false,
      pollIntervalMs: 10,
      timeoutMs: 60_000,
      ...overrides,
    }),
    parameters,
    clock,
    interrupt: interrupt.signal,
    undoOnFailure: !overrides.keep,
    reporter: {...silentReporter, stepFinished: (step) => step.id === interruptAfter && interrupt.abort()},
  })
  return {...run, outcome: run.record.outcome as Record<string, any> | undefined}
}

const encryptedShard = {StorageEncrypted: true, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'}

describe('backup test workflow (against moto)', () => {
  it('passes for an encrypted instance kept 30 days: restores the newest automated snapshot, verifies, measures and deletes the temporary instance', async () => {
    await createDbInstance('tenant-shard-001', encryptedShard)
    const [automated] = await snapshotsOf('tenant-shard-001')
    const {exitCode, record, outcome} = await backupTest()

    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(outcome).to.deep.include({
      dbInstanceId: 'tenant-shard-001',
      snapshotId: automated.DBSnapshotIdentifier,
      verdict: 'passed',
      temporaryInstanceDeleted: true,
    })
    expect(outcome!.temporaryInstanceId).to.equal(`tenant-shard-001-backup-test-${record.runId.slice(-6)}`)
    expect(outcome!.checks.map((c: {check: string; passed: boolean}) => [c.check, c.passed])).to.deep.equal([
      ['automated-backups', true],
      ['retention', true],
      ['encryption', true],
      ['rto', true],
      ['rpo', true],
    ])
    expect(record.metrics).to.have.keys('rtoSeconds', 'rpoSeconds')
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    expect(await snapshotsOf(outcome!.temporaryInstanceId)).to.deep.equal([])
    expect(record.objective).to.deep.equal({met: true, missed: []})
  })

  it('tests the snapshot given instead of the newest automated one', async () => {
    await createDbInstance('tenant-shard-001', encryptedShard)
    await rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: 'tenant-shard-001', DBSnapshotIdentifier: 'quarter-end'}))
    const {outcome} = await backupTest({snapshotId: 'quarter-end'})
    expect(outcome).to.include({snapshotId: 'quarter-end', verdict: 'passed'})
  })

  it('reports missed policy checks and still runs the restore, then exits 4 with the run record as evidence', async () => {
    await createDbInstance('tenant-shard-001', {BackupRetentionPeriod: 7})
    const {exitCode, record, outcome} = await backupTest()

    expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
    expect(outcome).to.include({verdict: 'failed', temporaryInstanceDeleted: true})
    expect(outcome!.checks.filter((c: {passed: boolean}) => !c.passed).map((c: {detail: string}) => c.detail)).to.deep.equal([
      'backups are kept 7 days, below the required 30 (--min-retention)',
      `storage is not encrypted; 1 snapshot(s) are not encrypted: ${outcome!.snapshotId}`,
    ])
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    expect(record.objective).to.deep.equal({met: false, missed: ['check-retention', 'check-encryption']})
    expect(record.steps.find((s) => s.id === 'check-retention')).to.deep.include({
      status: 'succeeded',
      missed: 'backups are kept 7 days, below the required 30 (--min-retention)',
    })
  })

  it('misses the RPO objective when the newest snapshot is older than --max-rpo', async () => {
    await createDbInstance('tenant-shard-001', encryptedShard)
    // moto restores at once; a clock two hours ahead makes the snapshot two hours old.
    const {outcome, record} = await backupTest({maxRpoSeconds: 3600, maxRtoSeconds: 600, clock: new VirtualClock(Date.now() + 7_200_000)})
    expect(outcome!.verdict).to.equal('failed')
    expect(record.metrics.rpoSeconds).to.be.within(7200, 7260)
    expect(outcome!.checks.find((c: {check: string}) => c.check === 'rpo')).to.deep.include({passed: false})
    expect(outcome!.checks.find((c: {check: string}) => c.check === 'rto')).to.deep.include({passed: true})
  })

  it('keeps the temporary instance with --keep', async () => {
    await createDbInstance('tenant-shard-001', encryptedShard)
    const {outcome} = await backupTest({keep: true})
    expect(outcome).to.include({temporaryInstanceDeleted: false, verdict: 'passed'})
    expect(await instanceIds()).to.include(outcome!.temporaryInstanceId)
  })

  it('deletes the temporary instance when interrupted after the restore started', async () => {
    await createDbInstance('tenant-shard-001', {...encryptedShard, DeletionProtection: true})
    const {exitCode, record} = await backupTest({interruptAfter: 'restore-instance'})
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(record.steps.find((s) => s.id === 'restore-instance')?.undo).to.deep.equal({status: 'succeeded'})
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
  })

  it('refuses a source that does not exist with exit 2 and creates nothing', async () => {
    const {exitCode, record} = await backupTest({sourceId: 'no-such-db'})
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.match(/^No DB instance named no-such-db in us-east-1/)
    expect(await instanceIds()).to.deep.equal([])
  })

  it('lists past tests from the journals with instance, snapshot, RTO, RPO and verdict', async () => {
    await createDbInstance('tenant-shard-001', encryptedShard)
    await createDbInstance('tenant-shard-002')
    const passed = await backupTest()
    const failed = await backupTest({sourceId: 'tenant-shard-002'})
    const interrupted = await backupTest({interruptAfter: 'restore-instance'})

    const history = await backupTestHistory()
    expect(history.map((h) => [h.runId, h.dbInstanceId, h.verdict])).to.have.deep.members([
      [passed.record.runId, 'tenant-shard-001', 'passed'],
      [failed.record.runId, 'tenant-shard-002', 'failed'],
      [interrupted.record.runId, 'tenant-shard-001', 'interrupted'],
    ])
    expect(history.find((h) => h.runId === passed.record.runId)).to.deep.include({
      snapshotId: passed.outcome!.snapshotId,
      rtoSeconds: passed.record.metrics.rtoSeconds,
      rpoSeconds: passed.record.metrics.rpoSeconds,
    })
    expect((await backupTestHistory('tenant-shard-002')).map((h) => h.runId)).to.deep.equal([failed.record.runId])
  })
})
