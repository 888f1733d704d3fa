import {CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CreateAliasCommand, CreateKeyCommand, type CreateKeyCommandInput, DisableKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  CreateOptionGroupCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {tagValue} from '../../../src/lib/aws/rds.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {type RestoreFrom, snapshotRestoreContext, snapshotRestoreWorkflow} from '../../../src/lib/recovery/restore.js'
import {testSession} from '../../support/aws.js'
import {createDbInstance} from '../../support/rds.js'

const rds = new RDSClient({})
const instances = async () => (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []
const instance = async (id: string) => (await instances()).find((i) => i.DBInstanceIdentifier === id)
const automatedSnapshotOf = async (id: string) =>
  (await rds.send(new DescribeDBSnapshotsCommand({DBInstanceIdentifier: id, SnapshotType: 'automated'}))).DBSnapshots![0].DBSnapshotIdentifier!

/** A tenant shard with every setting a restore must copy set to something other than the default. */
async function createTenantShard(id: string, overrides: Record<string, unknown> = {}): Promise<{securityGroupId: string}> {
  const ec2 = new EC2Client({})
  const {GroupId} = await ec2.send(new CreateSecurityGroupCommand({GroupName: `${id}-db`, Description: 'tenant shard'}))
  const {Subnets} = await ec2.send(new DescribeSubnetsCommand({}))
  await rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: 'tenant-shards',
      DBSubnetGroupDescription: 'shards',
      SubnetIds: Subnets!.slice(0, 2).map((s) => s.SubnetId!),
    }),
  )
  await rds.send(new CreateDBParameterGroupCommand({DBParameterGroupName: 'tenant-pg16', DBParameterGroupFamily: 'postgres16', Description: 'shards'}))
  // moto knows option groups of PostgreSQL 10–13 only; it does not check the instance's version against it.
  await rds.send(
    new CreateOptionGroupCommand({OptionGroupName: 'tenant-og', EngineName: 'postgres', MajorEngineVersion: '13', OptionGroupDescription: 'shards'}),
  )
  await createDbInstance(id, {
    DBSubnetGroupName: 'tenant-shards',
    VpcSecurityGroupIds: [GroupId!],
    DBParameterGroupName: 'tenant-pg16',
    OptionGroupName: 'tenant-og',
    MultiAZ: true,
    StorageType: 'gp3',
    Port: 5433,
    StorageEncrypted: true,
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    CopyTagsToSnapshot: true,
    Tags: [
      {Key: 'tenant-shard', Value: '001'},
      {Key: 'opsctl:role', Value: 'tenant-shard'},
      {Key: 'opsctl:run-id', Value: '20261001T000000Z-aaaaaa'},
    ],
    ...overrides,
  })
  return {securityGroupId: GroupId!}
}

interface RestoreOptions {
  targetId?: string
  deletionProtection?: boolean
  sourceId?: string
  kmsKeyId?: string
  interruptAfter?: string
  undoOnFailure?: boolean
}

const restoreContext = async (from: RestoreFrom, options: RestoreOptions) =>
  snapshotRestoreContext(await testSession(), {
    sourceId: options.sourceId ?? 'tenant-shard-001',
    from,
    targetId: options.targetId,
    kmsKeyId: options.kmsKeyId,
    deletionProtection: options.deletionProtection ?? true,
    pollIntervalMs: 10,
    timeoutMs: 60_000,
  })

async function restore(from: RestoreFrom, options: RestoreOptions = {}) {
  const interrupt = new AbortController()
  const run = await runWorkflow({
    workflow: snapshotRestoreWorkflow(options),
    context: await restoreContext(from, options),
    parameters: {from},
    interrupt: interrupt.signal,
    undoOnFailure: options.undoOnFailure,
    reporter: {...silentReporter, stepFinished: (step) => step.id === options.interruptAfter && interrupt.abort()},
  })
  return {...run, outcome: run.record.outcome as Record<string, any> | undefined}
}

const tags = (i: DBInstance) => Object.fromEntries((i.TagList ?? []).map((t) => [t.Key, t.Value]))

describe('snapshot restore workflow (against moto)', () => {
  it('restores a snapshot beside the source with its configuration, tags and deletion protection', async () => {
    const {securityGroupId} = await createTenantShard('tenant-shard-001')
    await rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: 'tenant-shard-001', DBSnapshotIdentifier: 'before-upgrade'}))
    const {exitCode, record, outcome} = await restore({snapshotId: 'before-upgrade'}, {targetId: 'tenant-shard-001-copy'})

    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    const restored = (await instance('tenant-shard-001-copy'))!
    expect(restored).to.deep.include({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.t3.micro',
      MultiAZ: true,
      StorageType: 'gp3',
      StorageEncrypted: true,
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      Engine: 'postgres',
      EngineVersion: '16.3',
    })
    expect(restored.Endpoint?.Port).to.equal(5433)
    expect(restored.DBSubnetGroup?.DBSubnetGroupName).to.equal('tenant-shards')
    expect(restored.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).to.deep.equal([securityGroupId])
    expect(restored.DBParameterGroups?.[0].DBParameterGroupName).to.equal('tenant-pg16')
    expect(restored.OptionGroupMemberships?.[0].OptionGroupName).to.equal('tenant-og')
    expect(tags(restored)).to.include({
      'tenant-shard': '001',
      'opsctl:role': 'tenant-shard',
      'opsctl:restored-from': 'tenant-shard-001',
      'opsctl:run-id': record.runId,
      'opsctl:workflow': 'snapshot-restore',
    })
    expect(restored.TagList!.filter((t) => t.Key === 'opsctl:run-id')).to.have.length(1)

    const snapshot = (await rds.send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: 'before-upgrade'}))).DBSnapshots![0]
    expect(outcome).to.deep.include({
      sourceId: 'tenant-shard-001',
      targetId: 'tenant-shard-001-copy',
      restoreType: 'snapshot',
      snapshotId: 'before-upgrade',
      restorePoint: snapshot.SnapshotCreateTime!.toISOString(),
      endpoint: restored.Endpoint!.Address,
      port: 5433,
      encrypted: true,
      deletionProtection: true,
    })
    expect(outcome!.rtoSeconds).to.be.a('number').and.equal(record.metrics.rtoSeconds)
  })

  it('never changes the source', async () => {
    await createTenantShard('tenant-shard-001')
    // moto's LatestRestorableTime is always "now".
    const settings = async () => ({...(await instance('tenant-shard-001')), LatestRestorableTime: undefined})
    const before = await settings()
    await restore({latest: true})
    expect(await settings()).to.deep.equal(before)
  })

  it('restores a point in time within the restorable window, named after the source and the run', async () => {
    await createTenantShard('tenant-shard-001')
    const anHourAgo = new Date(Date.now() - 3_600_000)
    const {exitCode, record, outcome} = await restore({time: anHourAgo})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    const expectedName = `tenant-shard-001-restore-${record.runId.slice(0, 8)}${record.runId.slice(9, 13)}`
    expect(outcome).to.deep.include({targetId: expectedName, restoreType: 'point-in-time', restorePoint: anHourAgo.toISOString(), encrypted: true})
    expect(tagValue((await instance(expectedName))!.TagList, 'opsctl:restore-point')).to.equal(anHourAgo.toISOString())
  })

  it('restores the latest restorable time without deletion protection when asked', async () => {
    await createTenantShard('tenant-shard-001')
    const {exitCode, outcome} = await restore({latest: true}, {targetId: 'tenant-shard-001-latest', deletionProtection: false})
    expect(exitCode).to.equal(ExitCode.Success)
    expect(outcome).to.include({restoreType: 'latest', deletionProtection: false})
    expect((await instance('tenant-shard-001-latest'))!.DeletionProtection).to.equal(false)
  })

  it('deletes the half-made instance, deletion protection and all, when the run is interrupted after the restore started', async () => {
    await createTenantShard('tenant-shard-001')
    const {exitCode, record} = await restore({latest: true}, {targetId: 'tenant-shard-001-copy', interruptAfter: 'restore-instance'})
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(record.steps.find((s) => s.id === 'restore-instance')).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    expect(await instance('tenant-shard-001-copy')).to.equal(undefined)
    expect(await instance('tenant-shard-001')).to.not.equal(undefined)
  })

  it('keeps the new instance after a failure with --keep-on-failure', async () => {
    await createTenantShard('tenant-shard-001')
    const {exitCode} = await restore({latest: true}, {targetId: 'tenant-shard-001-copy', interruptAfter: 'restore-instance', undoOnFailure: false})
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(await instance('tenant-shard-001-copy')).to.not.equal(undefined)
  })

  describe('refuses bad input with exit 2, naming the problem, and creates nothing', () => {
    async function expectRefused(from: RestoreFrom, message: RegExp, options: Parameters<typeof restore>[1] = {}) {
      const before = (await instances()).map((i) => i.DBInstanceIdentifier)
      const {exitCode, record} = await restore(from, options)
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.match(message)
      expect(record.steps.filter((s) => s.mutates).map((s) => s.status)).to.deep.equal(['pending'])
      expect((await instances()).map((i) => i.DBInstanceIdentifier)).to.deep.equal(before)
    }

    beforeEach(() => createTenantShard('tenant-shard-001'))

    it('a source that does not exist', () => expectRefused({latest: true}, /^No DB instance named no-such-db in us-east-1/, {sourceId: 'no-such-db'}))

    it('a snapshot that belongs to another instance', async () => {
      await createDbInstance('tenant-shard-002')
      const other = await automatedSnapshotOf('tenant-shard-002')
      await expectRefused(
        {snapshotId: other},
        new RegExp(`^DB snapshot ${other} belongs to DB instance tenant-shard-002, not tenant-shard-001; pick one of tenant-shard-001's snapshots`),
      )
    })

    it('a snapshot that does not exist', () =>
      expectRefused({snapshotId: 'no-such-snapshot'}, /^No DB snapshot named no-such-snapshot in us-east-1; see "opsctl snapshot list tenant-shard-001"/))

    it('a time in the future', () =>
      expectRefused(
        {time: new Date(Date.now() + 3_600_000)},
        /is in the future; choose a time between \S+ and \S+, the restorable window of tenant-shard-001, or use --latest\.$/,
      ))

    it('a time before the earliest restorable time (now minus the 30-day retention)', () =>
      expectRefused({time: new Date(Date.now() - 31 * 86_400_000)}, /is before the earliest restorable time of tenant-shard-001; choose a time between/))

    it('a point in time of an instance without automated backups', async () => {
      await createDbInstance('no-backups', {BackupRetentionPeriod: 0})
      await expectRefused({latest: true}, /^DB instance no-backups has automated backups turned off \(retention 0 days\)/, {sourceId: 'no-backups'})
    })

    it('a target that already exists', async () => {
      await createDbInstance('tenant-shard-002')
      await expectRefused({latest: true}, /^A DB instance named tenant-shard-002 already exists; .* choose another --target\.$/, {targetId: 'tenant-shard-002'})
    })

    it('the source as the target', () =>
      expectRefused({latest: true}, /^Refusing to restore over the source instance tenant-shard-001/, {targetId: 'tenant-shard-001'}))
  })

  it('shortens the source part of the default name to stay within 63 characters', async () => {
    const longName = `tenant-shard-${'x'.repeat(48)}`
    await createDbInstance(longName)
    const {exitCode, outcome, record} = await restore({latest: true}, {sourceId: longName})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(outcome!.targetId)
      .to.have.length.of.at.most(63)
      .and.match(/^tenant-shard-x+-restore-\d{12}$/)
  })

  it('resumes a run that stopped after the restore started without restoring twice', async () => {
    await createTenantShard('tenant-shard-001')
    const first = await restore({latest: true}, {targetId: 'tenant-shard-001-copy', interruptAfter: 'restore-instance', undoOnFailure: false})
    const resumed = await runWorkflow({
      workflow: snapshotRestoreWorkflow({}),
      context: await restoreContext({latest: true}, {targetId: 'tenant-shard-001-copy'}),
      parameters: {from: {latest: true}},
      resume: first.record,
    })
    expect(resumed.exitCode).to.equal(ExitCode.Success)
    expect(resumed.record.steps.find((s) => s.id === 'restore-instance')?.status).to.equal('skipped')
    expect((await instances()).filter((i) => i.DBInstanceIdentifier === 'tenant-shard-001-copy')).to.have.length(1)
  })

  describe('under another KMS key (--kms-key)', () => {
    const kms = new KMSClient({})
    const newKeyAlias = 'alias/tenant-shards-2027'
    /** A KMS key in moto, with an alias; its ARN. */
    async function createKey(alias: string, input: CreateKeyCommandInput = {}): Promise<string> {
      const {KeyMetadata} = await kms.send(new CreateKeyCommand({Description: alias, ...input}))
      await kms.send(new CreateAliasCommand({AliasName: alias, TargetKeyId: KeyMetadata!.KeyId}))
      return KeyMetadata!.Arn!
    }
    /** The source's snapshots (a copy is one of them too). */
    const snapshotIds = async () =>
      ((await rds.send(new DescribeDBSnapshotsCommand({DBInstanceIdentifier: 'tenant-shard-001'}))).DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier).sort()
    const copyOf = (runId: string) => `tenant-shard-001-rekey-${runId.toLowerCase()}`

    it('restores the snapshot under the new key through a copy of it, verifies the key and deletes the copy', async () => {
      await createTenantShard('tenant-shard-001')
      const newKeyArn = await createKey(newKeyAlias)
      await rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: 'tenant-shard-001', DBSnapshotIdentifier: 'before-upgrade'}))
      const snapshotsBefore = await snapshotIds()
      const {exitCode, record, outcome} = await restore({snapshotId: 'before-upgrade'}, {targetId: 'tenant-shard-001-rekeyed', kmsKeyId: newKeyAlias})

      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect(record.steps.map((s) => `${s.id}:${s.status}`)).to.deep.equal([
        'check-source:succeeded',
        'restore-point:succeeded',
        'check-kms-key:succeeded',
        'check-target:succeeded',
        'copy-snapshot:succeeded',
        'wait-copy-available:succeeded',
        'restore-instance:succeeded',
        'wait-available:succeeded',
        'verify-instance:succeeded',
        'delete-copy:succeeded',
      ])
      // moto carries the copy's key through the restore, as RDS does.
      expect(await instance('tenant-shard-001-rekeyed')).to.deep.include({StorageEncrypted: true, KmsKeyId: newKeyArn, MultiAZ: true, Engine: 'postgres'})
      expect(record.steps.find((s) => s.id === 'wait-copy-available')?.outputs).to.deep.equal({
        copySnapshotId: copyOf(record.runId),
        encrypted: true,
        kmsKeyId: newKeyArn,
      })
      const snapshot = (await rds.send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: 'before-upgrade'}))).DBSnapshots![0]
      expect(outcome).to.deep.include({
        snapshotId: 'before-upgrade',
        restorePoint: snapshot.SnapshotCreateTime!.toISOString(),
        encrypted: true,
        kmsKeyId: newKeyArn,
        copySnapshotId: copyOf(record.runId),
        copySnapshotDeleted: true,
      })
      expect(await snapshotIds()).to.deep.equal(snapshotsBefore)
    })

    it('encrypts the restored instance when the source is not encrypted', async () => {
      await createDbInstance('tenant-shard-001')
      const newKeyArn = await createKey(newKeyAlias)
      const {exitCode, record, outcome} = await restore(
        {snapshotId: await automatedSnapshotOf('tenant-shard-001')},
        {targetId: 'tenant-shard-001-encrypted', kmsKeyId: newKeyArn},
      )
      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect(record.steps.find((s) => s.id === 'check-kms-key')?.outputs).to.include({snapshotEncrypted: false, keyArn: newKeyArn})
      expect(outcome).to.include({encrypted: true, kmsKeyId: newKeyArn})
      expect(await instance('tenant-shard-001-encrypted')).to.deep.include({StorageEncrypted: true, KmsKeyId: newKeyArn})
    })

    it('deletes the copy and the half-made instance when the run is interrupted after the restore started', async () => {
      await createTenantShard('tenant-shard-001')
      await createKey(newKeyAlias)
      const snapshotsBefore = await snapshotIds()
      const {exitCode, record} = await restore(
        {snapshotId: await automatedSnapshotOf('tenant-shard-001')},
        {targetId: 'tenant-shard-001-rekeyed', kmsKeyId: newKeyAlias, interruptAfter: 'restore-instance'},
      )
      expect(exitCode).to.equal(ExitCode.Interrupted)
      expect(record.steps.filter((s) => s.undo).map((s) => `${s.id}:${s.status}:${s.undo!.status}`)).to.deep.equal([
        'copy-snapshot:undone:succeeded',
        'restore-instance:undone:succeeded',
      ])
      expect(await instance('tenant-shard-001-rekeyed')).to.equal(undefined)
      expect(await snapshotIds()).to.deep.equal(snapshotsBefore)
    })

    it('resumes a run that stopped after the copy without copying twice', async () => {
      await createTenantShard('tenant-shard-001')
      await createKey(newKeyAlias)
      const from = {snapshotId: await automatedSnapshotOf('tenant-shard-001')}
      const options = {targetId: 'tenant-shard-001-rekeyed', kmsKeyId: newKeyAlias}
      const first = await restore(from, {...options, interruptAfter: 'copy-snapshot', undoOnFailure: false})
      expect(await snapshotIds()).to.include(copyOf(first.record.runId))
      const resumed = await runWorkflow({
        workflow: snapshotRestoreWorkflow(options),
        context: await restoreContext(from, options),
        parameters: {from},
        resume: first.record,
      })
      expect(resumed.exitCode, resumed.record.error?.message).to.equal(ExitCode.Success)
      expect(resumed.record.steps.find((s) => s.id === 'copy-snapshot')?.status).to.equal('skipped')
      expect(resumed.record.outcome).to.include({copySnapshotId: copyOf(first.record.runId), copySnapshotDeleted: true})
      expect(await snapshotIds()).to.not.include(copyOf(first.record.runId))
    })

    describe('refuses a key it cannot restore under with exit 2, naming the key and the region, and creates nothing', () => {
      async function expectRefused(kmsKeyId: string, message: RegExp) {
        const snapshotId = await automatedSnapshotOf('tenant-shard-001')
        const snapshotsBefore = await snapshotIds()
        const {exitCode, record} = await restore({snapshotId}, {kmsKeyId})
        expect(exitCode).to.equal(ExitCode.Usage)
        expect(record.error?.message).to.match(message)
        expect(record.steps.filter((s) => s.mutates).map((s) => s.status)).to.deep.equal(['pending', 'pending', 'pending'])
        expect((await instances()).map((i) => i.DBInstanceIdentifier)).to.deep.equal(['tenant-shard-001'])
        expect(await snapshotIds()).to.deep.equal(snapshotsBefore)
      }

      it('a key that does not exist', async () => {
        await createTenantShard('tenant-shard-001')
        await expectRefused(
          'alias/no-such-key',
          /^No KMS key alias\/no-such-key in us-east-1; check the key id, ARN or alias with "aws kms list-aliases --region us-east-1" or pass --region\.$/,
        )
      })

      it('a disabled key', async () => {
        await createTenantShard('tenant-shard-001')
        const arn = await createKey(newKeyAlias)
        await kms.send(new DisableKeyCommand({KeyId: arn.split('/').pop()}))
        await expectRefused(
          newKeyAlias,
          new RegExp(`^KMS key ${newKeyAlias} \\(${arn}\\) is Disabled, not Enabled, in us-east-1; enable it or choose another --kms-key\\.$`),
        )
      })

      it('a key RDS cannot encrypt with (asymmetric)', async () => {
        await createTenantShard('tenant-shard-001')
        await createKey(newKeyAlias, {KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY'})
        await expectRefused(newKeyAlias, /is a ECC_NIST_P256 key for SIGN_VERIFY, but RDS encrypts only with symmetric encryption keys/)
      })

      it('the key the snapshot is already encrypted with', async () => {
        const arn = await createKey(newKeyAlias)
        await createDbInstance('tenant-shard-001', {StorageEncrypted: true, KmsKeyId: arn})
        await expectRefused(
          newKeyAlias,
          /^DB snapshot rds:tenant-shard-001-\S+ is already encrypted with KMS key alias\/tenant-shards-2027 \(arn:\S+\); restore it without --kms-key\.$/,
        )
      })
    })
  })
})
