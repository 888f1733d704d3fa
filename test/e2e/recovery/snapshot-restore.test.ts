import {CreateAliasCommand, CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'

const instanceIds = async () => ((await new RDSClient({}).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier)
const snapshotIds = async () =>
  ((await new RDSClient({}).send(new DescribeDBSnapshotsCommand({DBInstanceIdentifier: 'tenant-shard-001'}))).DBSnapshots ?? [])
    .map((s) => s.DBSnapshotIdentifier)
    .sort()

/** A KMS key with the alias alias/tenant-shards-2027 and a manual snapshot of tenant-shard-001; the key's ARN. */
async function newKeyAndSnapshot(): Promise<string> {
  const kms = new KMSClient({})
  const {KeyMetadata} = await kms.send(new CreateKeyCommand({Description: 'tenant shards from 2027'}))
  await kms.send(new CreateAliasCommand({AliasName: 'alias/tenant-shards-2027', TargetKeyId: KeyMetadata!.KeyId}))
  await new RDSClient({}).send(new CreateDBSnapshotCommand({DBInstanceIdentifier: 'tenant-shard-001', DBSnapshotIdentifier: 'tenant-shard-001-baseline'}))
  return KeyMetadata!.Arn!
}

describe('opsctl snapshot restore (e2e against moto)', () => {
  beforeEach(() => createDbInstance('tenant-shard-001', {StorageEncrypted: true}))

  it('restores the latest restorable time to a new instance and describes it in --json', async () => {
    const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--latest', '--target', 'tenant-shard-001-copy', '--poll-interval', '1', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'snapshot-restore')
    expect(envelope.result.outcome).to.include({
      sourceId: 'tenant-shard-001',
      targetId: 'tenant-shard-001-copy',
      restoreType: 'latest',
      encrypted: true,
      deletionProtection: true,
    })
    expect(envelope.result.metrics.rtoSeconds).to.be.a('number')
    expect(await instanceIds()).to.include('tenant-shard-001-copy')
  })

  it('says where the restored data came from and how long it took', async () => {
    const result = await opsctl([
      'snapshot',
      'restore',
      'tenant-shard-001',
      '--to-time',
      new Date(Date.now() - 600_000).toISOString(),
      '--target',
      'tenant-shard-001-copy',
      '--no-deletion-protection',
      '--poll-interval',
      '1',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/Restored tenant-shard-001 to tenant-shard-001-copy \(data from \S+Z\) in \d+ s; endpoint \S+:5432\./)
    expect(result.stdout).to.contain('Deletion protection is off: delete tenant-shard-001-copy when you no longer need it.')
  })

  it('shows the plan with --dry-run and creates nothing', async () => {
    const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--latest', '--dry-run', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const {result: record} = parseJson(result)
    expect(record.status).to.equal('planned')
    expect(record.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`)).to.deep.equal([
      'check-source:succeeded',
      'restore-point:succeeded',
      'check-target:succeeded',
      'restore-instance:planned',
      'wait-available:planned',
      'verify-instance:planned',
    ])
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
  })

  it('restores a snapshot under another KMS key through a copy, deletes the copy and describes it in --json', async () => {
    const keyArn = await newKeyAndSnapshot()
    const snapshotsBefore = await snapshotIds()
    const result = await opsctl([
      'snapshot',
      'restore',
      'tenant-shard-001',
      '--snapshot',
      'tenant-shard-001-baseline',
      '--kms-key',
      'alias/tenant-shards-2027',
      '--target',
      'tenant-shard-001-rekeyed',
      '--poll-interval',
      '1',
      '--json',
    ])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'snapshot-restore')
    const {runId, outcome} = envelope.result
    expect(outcome).to.include({
      targetId: 'tenant-shard-001-rekeyed',
      restoreType: 'snapshot',
      snapshotId: 'tenant-shard-001-baseline',
      encrypted: true,
      kmsKeyId: keyArn,
      copySnapshotId: `tenant-shard-001-rekey-${runId.toLowerCase()}`,
      copySnapshotDeleted: true,
    })
    expect(envelope.result.parameters).to.include({kmsKeyId: 'alias/tenant-shards-2027'})
    expect(await snapshotIds()).to.deep.equal(snapshotsBefore)
  })

  it('says which key the instance is encrypted with and that the copy was deleted', async () => {
    const keyArn = await newKeyAndSnapshot()
    const result = await opsctl([
      'snapshot',
      'restore',
      'tenant-shard-001',
      '--snapshot',
      'tenant-shard-001-baseline',
      '--kms-key',
      'alias/tenant-shards-2027',
      '--target',
      'tenant-shard-001-rekeyed',
      '--poll-interval',
      '1',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(
      new RegExp(`It is encrypted with KMS key ${keyArn} \\(--kms-key\\); the copy tenant-shard-001-rekey-\\S+ of the snapshot was deleted\\.`),
    )
  })

  it('shows the plan of a restore under another KMS key with --dry-run, checking the key, and creates nothing', async () => {
    await newKeyAndSnapshot()
    const snapshotsBefore = await snapshotIds()
    const result = await opsctl([
      'snapshot',
      'restore',
      'tenant-shard-001',
      '--snapshot',
      'tenant-shard-001-baseline',
      '--kms-key',
      'alias/tenant-shards-2027',
      '--dry-run',
      '--json',
    ])
    expect(result.code, result.stderr).to.equal(0)
    const {result: record} = parseJson(result)
    expect(record.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`)).to.deep.equal([
      'check-source:succeeded',
      'restore-point:succeeded',
      'check-kms-key:succeeded',
      'check-target:succeeded',
      'copy-snapshot:planned',
      'wait-copy-available:planned',
      'restore-instance:planned',
      'wait-available:planned',
      'verify-instance:planned',
      'delete-copy:planned',
    ])
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    expect(await snapshotIds()).to.deep.equal(snapshotsBefore)
  })

  describe('refuses bad input with exit 2 and one sentence, creating nothing', () => {
    const offline = {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}}

    it('neither a snapshot nor a time', async () => {
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001'], offline)
      expect(result.code).to.equal(2)
      expect(result.stderr).to.contain('Exactly one of the following must be provided: --latest, --snapshot, --to-time')
    })

    for (const [flag, value] of [['--latest'], ['--to-time', '2026-11-23T09:41:00Z']]) {
      it(`--kms-key with ${flag}, before any AWS call`, async () => {
        const result = await opsctl(
          ['snapshot', 'restore', 'tenant-shard-001', flag, ...(value ? [value] : []), '--kms-key', 'alias/tenant-shards-2027'],
          offline,
        )
        expect(result.code).to.equal(2)
        expect(result.stderr).to.contain(
          `Error: --kms-key cannot be used with ${flag}, since RDS restores a point in time only under the source's own key; to restore under another key, restore from a snapshot (--snapshot).`,
        )
      })
    }

    it('a KMS key that does not exist, naming it and the region', async () => {
      await newKeyAndSnapshot()
      const result = await opsctl([
        'snapshot',
        'restore',
        'tenant-shard-001',
        '--snapshot',
        'tenant-shard-001-baseline',
        '--kms-key',
        'alias/tenant-shards-2099',
        '--json',
      ])
      expect(result.code).to.equal(2)
      const envelope = parseJson(result)
      expectMatchesSchema(envelope, 'snapshot-restore')
      expect(envelope.error).to.deep.include({
        code: 'NotFound',
        message:
          'No KMS key alias/tenant-shards-2099 in us-east-1; check the key id, ARN or alias with "aws kms list-aliases --region us-east-1" or pass --region.',
      })
      expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    })

    it('a time that is not ISO-8601 with a zone, before any AWS call', async () => {
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--to-time', 'yesterday 10:00'], offline)
      expect(result.code).to.equal(2)
      expect(result.stderr).to.contain('--to-time "yesterday 10:00" is not an ISO-8601 time with a zone; write it like 2026-11-23T09:41:00Z.')
    })

    it('the source as the target, before any AWS call', async () => {
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--latest', '--target', 'tenant-shard-001'], offline)
      expect(result.code).to.equal(2)
      expect(result.stderr).to.contain('Refusing to restore over the source instance tenant-shard-001')
    })

    it('an invalid target name, before any AWS call', async () => {
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--latest', '--target', 'copy--1'], offline)
      expect(result.code).to.equal(2)
      expect(result.stderr).to.contain('"copy--1" is not a valid DB instance identifier')
    })

    it('a time in the future, naming the restorable window', async () => {
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--to-time', '2099-01-01T00:00:00Z', '--json'])
      expect(result.code).to.equal(2)
      const envelope = parseJson(result)
      expectMatchesSchema(envelope, 'snapshot-restore')
      expect(envelope.error).to.deep.include({code: 'OutsideRestorableWindow'})
      expect(envelope.error!.message).to.match(
        /^--to-time 2099-01-01T00:00:00.000Z is in the future; choose a time between \S+ and \S+, the restorable window of tenant-shard-001, or use --latest\.$/,
      )
      expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    })

    it('a snapshot of another instance', async () => {
      await createDbInstance('tenant-shard-002')
      const snapshots = parseJson(await opsctl(['snapshot', 'list', 'tenant-shard-002', '--json'])).result.snapshots
      const result = await opsctl(['snapshot', 'restore', 'tenant-shard-001', '--snapshot', snapshots[0].snapshotId])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.contain(`Error: DB snapshot ${snapshots[0].snapshotId} belongs to DB instance tenant-shard-002, not tenant-shard-001`)
      expect(await instanceIds()).to.deep.equal(['tenant-shard-001', 'tenant-shard-002'])
    })
  })
})
