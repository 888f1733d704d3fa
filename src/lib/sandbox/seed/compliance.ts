import {randomBytes} from 'node:crypto'

import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  TrailNotFoundException,
} from '@aws-sdk/client-cloudtrail'
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service'
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
} from '@aws-sdk/client-ec2'
import {CreateAliasCommand, CreateKeyCommand, EnableKeyRotationCommand, KMSClient, ScheduleKeyDeletionCommand} from '@aws-sdk/client-kms'
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {CreateBucketCommand, HeadBucketCommand, NotFound, PutBucketEncryptionCommand, S3Client, type ServerSideEncryption} from '@aws-sdk/client-s3'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {describeDbInstance, findDbSnapshot} from '../../aws/rds.js'
import type {AwsSession} from '../../aws/session.js'
import {NotFoundError} from '../../errors/errors.js'
import {COMPLIANCE_SUBNET_GROUPS, seedCpuAlarms, seedDatabaseSecrets, seedDatabaseServers, seedDbSubnetGroups} from './compliance-controls.js'
import {findKeyByAlias} from './kms.js'
import {ensureSandboxNetwork, type SandboxNetwork} from './network.js'
import {type Seeder, type SeedReport, unlessMissing} from './seeder.js'

/** The second region of the compliance estate: region-level checks pass in the session region and fail here. */
export const complianceSecondRegion = (session: AwsSession) => (session.region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1')

export const COMPLIANCE_KEYS = {
  rotating: 'alias/opsctl-compliance-rotating',
  static: 'alias/opsctl-compliance-static',
  retired: 'alias/opsctl-compliance-retired',
  signing: 'alias/opsctl-compliance-signing',
}
export const COMPLIANCE_INSTANCES = {good: 'compliance-good', legacy: 'compliance-legacy', awsKey: 'compliance-aws-key'}
export const COMPLIANCE_CLUSTERS = {good: 'compliance-aurora-good', single: 'compliance-aurora-single'}
export const COMPLIANCE_TRAILS = {audit: 'compliance-audit', legacy: 'compliance-legacy'}
export const complianceBuckets = (account: string) => ({
  kms: `opsctl-compliance-kms-${account}`,
  sseS3: `opsctl-compliance-sse-s3-${account}`,
  plain: `opsctl-compliance-plain-${account}`,
})

const password = () => randomBytes(18).toString('base64url')
const SEED_TAG = {Key: 'opsctl:seed', Value: 'compliance'}

async function seedKms(session: AwsSession, report: SeedReport): Promise<string> {
  const kms = session.client(KMSClient)
  const key = (alias: string, create: (keyId: string) => Promise<unknown>, spec: {KeySpec?: 'RSA_2048'; KeyUsage?: 'SIGN_VERIFY'} = {}) =>
    report.ensure(
      'kms-key',
      alias,
      () => findKeyByAlias(kms, alias),
      async () => {
        const {KeyMetadata} = await kms.send(
          new CreateKeyCommand({Description: `opsctl compliance demo: ${alias}`, Tags: [{TagKey: 'opsctl:seed', TagValue: 'compliance'}], ...spec}),
        )
        await kms.send(new CreateAliasCommand({AliasName: alias, TargetKeyId: KeyMetadata!.KeyId}))
        await create(KeyMetadata!.KeyId!)
        return KeyMetadata!
      },
    )
  const rotating = await key(COMPLIANCE_KEYS.rotating, (KeyId) => kms.send(new EnableKeyRotationCommand({KeyId})))
  await key(COMPLIANCE_KEYS.static, async () => {})
  await key(COMPLIANCE_KEYS.retired, (KeyId) => kms.send(new ScheduleKeyDeletionCommand({KeyId, PendingWindowInDays: 30})))
  // Asymmetric keys cannot rotate automatically: kms-rotation must leave this one alone.
  await key(COMPLIANCE_KEYS.signing, async () => {}, {KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY'})
  return rotating.Arn!
}

async function seedRds(session: AwsSession, report: SeedReport, keyArn: string, network: SandboxNetwork): Promise<void> {
  const rds = session.client(RDSClient)
  const instance = (id: string, settings: Record<string, unknown>) =>
    report.ensure(
      'rds-db-instance',
      id,
      () => unlessMissing(describeDbInstance(rds, id), NotFoundError),
      async () =>
        (
          await rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: id,
              DBInstanceClass: 'db.t3.micro',
              Engine: 'postgres',
              EngineVersion: '16.3',
              AllocatedStorage: 20,
              MasterUsername: 'opsadmin',
              MasterUserPassword: password(),
              Tags: [SEED_TAG],
              ...settings,
            }),
          )
        ).DBInstance!,
    )
  // Private subnets behind the databases' group, with the master password in Secrets Manager.
  const isolated = {
    DBSubnetGroupName: COMPLIANCE_SUBNET_GROUPS.private,
    VpcSecurityGroupIds: [network.groups.database],
    ManageMasterUserPassword: true,
    MasterUserPassword: undefined,
  }
  const good = {
    ...isolated,
    MultiAZ: true,
    StorageEncrypted: true,
    KmsKeyId: keyArn,
    BackupRetentionPeriod: 30,
    DeletionProtection: true,
    PubliclyAccessible: false,
    AutoMinorVersionUpgrade: true,
  }
  await instance(COMPLIANCE_INSTANCES.good, good)
  await instance(COMPLIANCE_INSTANCES.legacy, {
    DBSubnetGroupName: COMPLIANCE_SUBNET_GROUPS.public,
    VpcSecurityGroupIds: [network.groups.exposed],
    MultiAZ: false,
    StorageEncrypted: false,
    BackupRetentionPeriod: 0,
    DeletionProtection: false,
    PubliclyAccessible: true,
    AutoMinorVersionUpgrade: false,
  })
  // Encrypted, but with the AWS-managed key (no KmsKeyId given).
  await instance(COMPLIANCE_INSTANCES.awsKey, {...good, KmsKeyId: undefined})

  const cluster = (id: string, settings: Record<string, unknown>, zones: string[]) =>
    report.ensure(
      'rds-db-cluster',
      id,
      () =>
        unlessMissing(
          rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: id})).then((r) => r.DBClusters?.[0]),
          DBClusterNotFoundFault,
        ),
      async () => {
        const {DBCluster} = await rds.send(
          new CreateDBClusterCommand({
            DBClusterIdentifier: id,
            Engine: 'aurora-postgresql',
            MasterUsername: 'opsadmin',
            MasterUserPassword: password(),
            Tags: [SEED_TAG],
            ...settings,
          }),
        )
        for (const [i, zone] of zones.entries()) {
          await rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: `${id}-${i + 1}`,
              DBClusterIdentifier: id,
              Engine: 'aurora-postgresql',
              DBInstanceClass: 'db.r6g.large',
              AvailabilityZone: `${session.region}${zone}`,
              PubliclyAccessible: false,
              AutoMinorVersionUpgrade: true,
              DBSubnetGroupName: settings.DBSubnetGroupName as string | undefined,
              Tags: [SEED_TAG],
            }),
          )
        }
        return DBCluster!
      },
    )
  await cluster(COMPLIANCE_CLUSTERS.good, {...isolated, StorageEncrypted: true, KmsKeyId: keyArn, DeletionProtection: true, BackupRetentionPeriod: 30}, [
    'a',
    'b',
  ])
  await cluster(COMPLIANCE_CLUSTERS.single, {StorageEncrypted: false, DeletionProtection: false, BackupRetentionPeriod: 1}, ['a'])

  const snapshot = (id: string, of: string, isPublic: boolean) =>
    report.ensure(
      'rds-db-snapshot',
      id,
      () => findDbSnapshot(rds, id),
      async () => {
        const {DBSnapshot} = await rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: of, DBSnapshotIdentifier: id, Tags: [SEED_TAG]}))
        if (isPublic) await rds.send(new ModifyDBSnapshotAttributeCommand({DBSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: ['all']}))
        return DBSnapshot!
      },
    )
  await snapshot(`${COMPLIANCE_INSTANCES.good}-manual`, COMPLIANCE_INSTANCES.good, false)
  await snapshot(`${COMPLIANCE_INSTANCES.legacy}-shared`, COMPLIANCE_INSTANCES.legacy, true)
  for (const of of Object.values(COMPLIANCE_CLUSTERS)) {
    const id = `${of}-manual`
    await report.ensure(
      'rds-db-cluster-snapshot',
      id,
      () =>
        unlessMissing(
          rds.send(new DescribeDBClusterSnapshotsCommand({DBClusterSnapshotIdentifier: id})).then((r) => r.DBClusterSnapshots?.[0]),
          DBClusterSnapshotNotFoundFault,
        ),
      async () =>
        (await rds.send(new CreateDBClusterSnapshotCommand({DBClusterIdentifier: of, DBClusterSnapshotIdentifier: id, Tags: [SEED_TAG]}))).DBClusterSnapshot!,
    )
  }
}

async function seedEbs(session: AwsSession, report: SeedReport): Promise<void> {
  const ec2 = session.client(EC2Client)
  const named = (name: string) => [{Name: 'tag:Name', Values: [name]}]
  for (const encrypted of [true, false]) {
    const name = `compliance-${encrypted ? 'encrypted' : 'plain'}`
    const volume = await report.ensure(
      'ebs-volume',
      name,
      async () => (await ec2.send(new DescribeVolumesCommand({Filters: named(name)}))).Volumes?.[0],
      () =>
        ec2.send(
          new CreateVolumeCommand({
            AvailabilityZone: `${session.region}a`,
            Size: 8,
            Encrypted: encrypted,
            TagSpecifications: [{ResourceType: 'volume', Tags: [{Key: 'Name', Value: name}, SEED_TAG]}],
          }),
        ),
    )
    await report.ensure(
      'ebs-snapshot',
      name,
      async () => (await ec2.send(new DescribeSnapshotsCommand({OwnerIds: ['self'], Filters: named(name)}))).Snapshots?.[0],
      () =>
        ec2.send(
          new CreateSnapshotCommand({VolumeId: volume.VolumeId, TagSpecifications: [{ResourceType: 'snapshot', Tags: [{Key: 'Name', Value: name}, SEED_TAG]}]}),
        ),
    )
  }
  // After the unencrypted volume exists: encryption by default would encrypt it.
  await report.ensure(
    'ebs-encryption-by-default',
    session.region,
    async () => ((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault ? true : undefined),
    async () => (await ec2.send(new EnableEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault,
  )
}

async function seedS3(session: AwsSession, report: SeedReport, account: string, second: AwsSession, keyArn: string): Promise<string> {
  const buckets = complianceBuckets(account)
  const bucket = (where: AwsSession, name: string, algorithm?: ServerSideEncryption) =>
    report.ensure(
      's3-bucket',
      name,
      () => unlessMissing(where.client(S3Client).send(new HeadBucketCommand({Bucket: name})), NotFound),
      async () => {
        const s3 = where.client(S3Client)
        const created = await s3.send(
          new CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: where.region === 'us-east-1' ? undefined : {LocationConstraint: where.region as never},
          }),
        )
        if (algorithm) {
          await s3.send(
            new PutBucketEncryptionCommand({
              Bucket: name,
              ServerSideEncryptionConfiguration: {
                Rules: [
                  {
                    ApplyServerSideEncryptionByDefault: {SSEAlgorithm: algorithm, ...(algorithm === 'aws:kms' ? {KMSMasterKeyID: keyArn} : {})},
                    BucketKeyEnabled: algorithm === 'aws:kms',
                  },
                ],
              },
            }),
          )
        }
        return created
      },
    )
  await bucket(session, buckets.kms, 'aws:kms')
  await bucket(session, buckets.sseS3, 'AES256')
  await bucket(second, buckets.plain)
  return buckets.kms
}

async function seedCloudTrail(session: AwsSession, report: SeedReport, second: AwsSession, bucket: string, keyArn: string): Promise<void> {
  const trail = (where: AwsSession, name: string, settings: Record<string, unknown>, logging: boolean) =>
    report.ensure(
      'cloudtrail-trail',
      name,
      () =>
        unlessMissing(
          where
            .client(CloudTrailClient)
            .send(new GetTrailCommand({Name: name}))
            .then((r) => r.Trail),
          TrailNotFoundException,
        ),
      async () => {
        const cloudtrail = where.client(CloudTrailClient)
        const created = await cloudtrail.send(
          new CreateTrailCommand({Name: name, S3BucketName: bucket, IsMultiRegionTrail: false, TagsList: [SEED_TAG], ...settings}),
        )
        if (logging) {
          await cloudtrail.send(new PutEventSelectorsCommand({TrailName: name, EventSelectors: [{ReadWriteType: 'All', IncludeManagementEvents: true}]}))
          await cloudtrail.send(new StartLoggingCommand({Name: name}))
        }
        return created
      },
    )
  await trail(session, COMPLIANCE_TRAILS.audit, {EnableLogFileValidation: true, KmsKeyId: keyArn, IncludeGlobalServiceEvents: true}, true)
  await trail(second, COMPLIANCE_TRAILS.legacy, {EnableLogFileValidation: false, IncludeGlobalServiceEvents: false}, false)
}

async function seedConfig(session: AwsSession, report: SeedReport, account: string, second: AwsSession, bucket: string): Promise<void> {
  const roleARN = `arn:aws:iam::${account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`
  const recorder = (where: AwsSession, allSupported: boolean) =>
    report.ensure(
      'config-recorder',
      `${where.region}/default`,
      async () => (await where.client(ConfigServiceClient).send(new DescribeConfigurationRecordersCommand({}))).ConfigurationRecorders?.[0],
      async () => {
        const config = where.client(ConfigServiceClient)
        const recordingGroup = allSupported
          ? {allSupported: true, includeGlobalResourceTypes: true}
          : {allSupported: false, resourceTypes: ['AWS::RDS::DBInstance' as const]}
        await config.send(new PutConfigurationRecorderCommand({ConfigurationRecorder: {name: 'default', roleARN, recordingGroup}}))
        if (allSupported) {
          await config.send(new PutDeliveryChannelCommand({DeliveryChannel: {name: 'default', s3BucketName: bucket}}))
          await config.send(new StartConfigurationRecorderCommand({ConfigurationRecorderName: 'default'}))
        }
        return {name: 'default'}
      },
    )
  await recorder(session, true)
  // The second region records only DB instances, is stopped and has no delivery channel.
  await recorder(second, false)
}

/**
 * A compliance estate in two regions where every check passes somewhere and fails somewhere (except
 * cloudtrail-multi-region and cloudtrail-security-trail, account-wide, which fail: no multi-region trail; and the
 * IAM root checks, judged once on the one root user: the sandbox's root, which its stand-in adds to moto's credential
 * report, has MFA but an active access key and recent use, see ../iam-credential-report.ts).
 */
export const complianceSeeder: Seeder = {
  name: 'compliance',
  async seed(session, report) {
    const account = (await session.client(STSClient).send(new GetCallerIdentityCommand({}))).Account!
    const second = session.inRegion(complianceSecondRegion(session))
    const network = await ensureSandboxNetwork(session, report)
    await seedDbSubnetGroups(session, report, network)
    await seedDatabaseServers(session, report, network)
    const keyArn = await seedKms(session, report)
    await seedRds(session, report, keyArn, network)
    await seedDatabaseSecrets(session, report, {instances: Object.values(COMPLIANCE_INSTANCES), clusters: Object.values(COMPLIANCE_CLUSTERS)})
    await seedCpuAlarms(session, report, {good: COMPLIANCE_INSTANCES.good, awsKey: COMPLIANCE_INSTANCES.awsKey, cluster: COMPLIANCE_CLUSTERS.good})
    await seedEbs(session, report)
    const bucket = await seedS3(session, report, account, second, keyArn)
    await seedCloudTrail(session, report, second, bucket, keyArn)
    await seedConfig(session, report, account, second, bucket)
  },
}
