import {CloudTrailClient, GetTrailCommand, GetTrailStatusCommand} from '@aws-sdk/client-cloudtrail'
import {CloudWatchClient, DescribeAlarmsCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, ListKeysCommand} from '@aws-sdk/client-kms'
import {DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {GetBucketPolicyCommand, S3Client} from '@aws-sdk/client-s3'
import {expect} from 'chai'

import type {AwsSession} from '../../../src/lib/aws/session.js'
import {auroraSeeder} from '../../../src/lib/sandbox/seed/aurora.js'
import {cloudTrailSeeder} from '../../../src/lib/sandbox/seed/cloudtrail.js'
import {POSTGRES_HOSTS} from '../../../src/lib/sandbox/seed/ec2.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {kmsSeeder} from '../../../src/lib/sandbox/seed/kms.js'
import {rdsSeeder} from '../../../src/lib/sandbox/seed/rds.js'
import type {Seeder} from '../../../src/lib/sandbox/seed/seeder.js'
import {testSession} from '../../support/aws.js'

const dbInstance = async (session: AwsSession, id: string) =>
  (await session.client(RDSClient).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: id}))).DBInstances![0]

const keyArn = async (session: AwsSession, alias: string) => (await session.client(KMSClient).send(new DescribeKeyCommand({KeyId: alias}))).KeyMetadata!.Arn

const rotationEnabled = async (session: AwsSession, alias: string) =>
  (await session.client(KMSClient).send(new GetKeyRotationStatusCommand({KeyId: await keyArn(session, alias)}))).KeyRotationEnabled

const postgresHosts = async (session: AwsSession) => {
  const {Reservations = []} = await session.client(EC2Client).send(new DescribeInstancesCommand({Filters: [{Name: 'tag:Role', Values: ['postgres']}]}))
  return Reservations.flatMap((r) => r.Instances ?? [])
}

/** The shards and their key, without the seeders these tests do not look at (the tenant store and the compliance estate take seconds). */
const shardSeeders = [kmsSeeder, rdsSeeder]

describe('sandbox seed (against moto)', () => {
  let session: AwsSession
  beforeEach(async () => {
    session = await testSession()
  })

  it('creates tenant shards that are Multi-AZ, encrypted with the rotated customer key, kept 30 days and protected', async () => {
    await seedDemoEstate(session, shardSeeders)
    const shardKey = await keyArn(session, 'alias/opsctl-demo-shards')
    for (const id of ['tenant-shard-001', 'tenant-shard-002']) {
      const shard = await dbInstance(session, id)
      expect(shard, id).to.include({
        Engine: 'postgres',
        MultiAZ: true,
        StorageEncrypted: true,
        KmsKeyId: shardKey,
        BackupRetentionPeriod: 30,
        DeletionProtection: true,
        PubliclyAccessible: false,
      })
      expect(shard.TagList).to.deep.include({Key: 'opsctl:role', Value: 'tenant-shard'})
    }
    expect(await rotationEnabled(session, 'alias/opsctl-demo-shards')).to.equal(true)
    expect(await rotationEnabled(session, 'alias/opsctl-demo-legacy')).to.equal(false)
  })

  it('creates legacy-reporting breaking the rules on purpose: unencrypted, single-AZ, 1-day retention, public', async () => {
    await seedDemoEstate(session, shardSeeders)
    expect(await dbInstance(session, 'legacy-reporting')).to.include({
      StorageEncrypted: false,
      MultiAZ: false,
      BackupRetentionPeriod: 1,
      PubliclyAccessible: true,
    })
  })

  it('takes an encrypted manual snapshot of each shard', async () => {
    await seedDemoEstate(session, shardSeeders)
    const {DBSnapshots = []} = await session.client(RDSClient).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))
    const shardSnapshots = DBSnapshots.filter((s) => s.DBInstanceIdentifier?.startsWith('tenant-shard-'))
    expect(shardSnapshots.map((s) => [s.DBSnapshotIdentifier, s.DBInstanceIdentifier, s.Encrypted])).to.have.deep.members([
      ['tenant-shard-001-baseline', 'tenant-shard-001', true],
      ['tenant-shard-002-baseline', 'tenant-shard-002', true],
    ])
  })

  it('creates a logging CloudTrail trail whose bucket lets CloudTrail deliver', async () => {
    await seedDemoEstate(session, [cloudTrailSeeder])
    const cloudtrail = session.client(CloudTrailClient)
    const {Trail} = await cloudtrail.send(new GetTrailCommand({Name: 'opsctl-demo-trail'}))
    expect(Trail).to.include({S3BucketName: 'opsctl-demo-trail-123456789012', IsMultiRegionTrail: true, LogFileValidationEnabled: true})
    expect((await cloudtrail.send(new GetTrailStatusCommand({Name: 'opsctl-demo-trail'}))).IsLogging).to.equal(true)
    const {Policy} = await session.client(S3Client).send(new GetBucketPolicyCommand({Bucket: Trail!.S3BucketName}))
    const statements = JSON.parse(Policy!).Statement as {Action: string; Principal: {Service: string}; Resource: string}[]
    expect(statements.map((s) => [s.Principal.Service, s.Action, s.Resource])).to.deep.equal([
      ['cloudtrail.amazonaws.com', 's3:GetBucketAcl', 'arn:aws:s3:::opsctl-demo-trail-123456789012'],
      ['cloudtrail.amazonaws.com', 's3:PutObject', 'arn:aws:s3:::opsctl-demo-trail-123456789012/AWSLogs/123456789012/*'],
    ])
  })

  it('creates nothing new when run again, and reports every resource as existing', async () => {
    const first = await seedDemoEstate(session)
    expect(first.every((r) => r.status === 'created')).to.equal(true)
    const {Keys: keysBefore} = await session.client(KMSClient).send(new ListKeysCommand({}))

    const second = await seedDemoEstate(session)
    expect(second.map((r) => r.id)).to.deep.equal(first.map((r) => r.id))
    expect(second.every((r) => r.status === 'existing')).to.equal(true)
    const {Keys: keysAfter} = await session.client(KMSClient).send(new ListKeysCommand({}))
    expect(keysAfter).to.have.length(keysBefore!.length)
    expect(await postgresHosts(session)).to.have.length(POSTGRES_HOSTS.length)
    const {DBSnapshots: snapshotsBefore = []} = await session.client(RDSClient).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))
    await seedDemoEstate(session)
    const {DBSnapshots: snapshotsAfter = []} = await session.client(RDSClient).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))
    expect(snapshotsAfter).to.have.length(snapshotsBefore.length)
  })

  it('runs a seeder appended to the list and reports its resources under its name', async () => {
    const extra: Seeder = {
      name: 'extra',
      async seed(_, report) {
        await report.ensure(
          'thing',
          'thing-1',
          async () => undefined,
          async () => 'made',
        )
      },
    }
    const resources = await seedDemoEstate(session, [...shardSeeders, extra])
    expect(resources.at(-1)).to.deep.equal({seeder: 'extra', type: 'thing', id: 'thing-1', status: 'created'})
  })
})

describe('sandbox seed: the Aurora cluster for failover drills', () => {
  it('creates an encrypted Aurora cluster with a writer and a reader, and an OK CPU alarm on it', async () => {
    const session = await testSession()
    await seedDemoEstate(session, [kmsSeeder, auroraSeeder])
    const {DBClusters = []} = await session.client(RDSClient).send(new DescribeDBClustersCommand({DBClusterIdentifier: 'tenants-aurora'}))
    const members = DBClusters[0].DBClusterMembers ?? []
    expect(DBClusters[0]).to.include({
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      BackupRetentionPeriod: 30,
      DeletionProtection: true,
      KmsKeyId: await keyArn(session, 'alias/opsctl-demo-shards'),
    })
    expect(members.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).to.have.deep.members([
      ['tenants-aurora-1', true],
      ['tenants-aurora-2', false],
    ])
    const {MetricAlarms = []} = await session.client(CloudWatchClient).send(new DescribeAlarmsCommand({AlarmNames: ['tenants-aurora-cpu-above-60']}))
    expect(MetricAlarms[0]).to.include({Threshold: 60, MetricName: 'CPUUtilization'})
    expect(MetricAlarms[0].StateValue).to.equal('OK')
  })
})
