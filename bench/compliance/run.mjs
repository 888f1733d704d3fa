// npm run bench:compliance — seeds about 100 and 1,000 resources in a moto_server it starts itself, runs
// `opsctl compliance check` logic on each, and prints wall time, peak memory and API calls against the minimum.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {CloudTrailClient, CreateTrailCommand, StartLoggingCommand} from '@aws-sdk/client-cloudtrail'
import {CloudWatchClient, PutMetricAlarmCommand} from '@aws-sdk/client-cloudwatch'
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2'
import {CreateKeyCommand, EnableKeyRotationCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, CreateDBSnapshotCommand, CreateDBSubnetGroupCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateBucketCommand, PutBucketEncryptionCommand, S3Client} from '@aws-sdk/client-s3'
import {CreateSecretCommand, RotateSecretCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {CreateTopicCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'

import {mapWithLimit} from '../../dist/lib/aws/paginate.js'
import {resetMoto} from '../../dist/lib/sandbox/moto-server.js'
import {benchMoto} from '../moto.mjs'

const SERVICES = 'rds,ec2,iam,kms,secretsmanager,cloudwatch,cloudtrail,ebs,s3'
const moto = await benchMoto('compliance')

/**
 * About `total` resources: 12% DB instances, 10% DB snapshots, 14% KMS keys, 14% volumes, 6% EBS snapshots, 10% buckets,
 * 3% trails, 8% security groups, 4% route tables, 5% EC2 database servers, 1% DB subnet groups, 7% secrets, 5% CPU alarms
 * and 1% SNS topics (each with a subscription).
 */
async function seed(total) {
  const n = (share) => Math.max(1, Math.round(total * share))
  const rds = new RDSClient({})
  const kms = new KMSClient({})
  const ec2 = new EC2Client({})
  const s3 = new S3Client({})
  const cloudtrail = new CloudTrailClient({})
  const range = (count) => Array.from({length: count}, (_, i) => i)
  const limit = 16
  await mapWithLimit(range(n(0.12)), limit, (i) =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: `db-${i}`,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'bench',
        MasterUserPassword: 'bench-password-1',
        StorageEncrypted: i % 2 === 0,
        BackupRetentionPeriod: i % 3 === 0 ? 0 : 30,
        MultiAZ: i % 2 === 0,
      }),
    ),
  )
  await mapWithLimit(range(n(0.1)), limit, (i) =>
    rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: `db-${i % n(0.12)}`, DBSnapshotIdentifier: `snap-${i}`})),
  )
  await mapWithLimit(range(n(0.14)), limit, async (i) => {
    const {KeyMetadata} = await kms.send(new CreateKeyCommand({Description: `bench ${i}`}))
    if (i % 2 === 0) await kms.send(new EnableKeyRotationCommand({KeyId: KeyMetadata.KeyId}))
  })
  const volumes = await mapWithLimit(range(n(0.14)), limit, (i) =>
    ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, Encrypted: i % 2 === 0})),
  )
  await mapWithLimit(range(n(0.06)), limit, (i) => ec2.send(new CreateSnapshotCommand({VolumeId: volumes[i].VolumeId})))
  await mapWithLimit(range(n(0.1)), limit, async (i) => {
    await s3.send(new CreateBucketCommand({Bucket: `bench-bucket-${i}`}))
    if (i % 2 === 0)
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: `bench-bucket-${i}`,
          ServerSideEncryptionConfiguration: {Rules: [{ApplyServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms'}}]},
        }),
      )
  })
  await mapWithLimit(range(n(0.03)), limit, async (i) => {
    await cloudtrail.send(new CreateTrailCommand({Name: `trail-${i}`, S3BucketName: 'bench-bucket-0', EnableLogFileValidation: i % 2 === 0}))
    if (i % 2 === 0) await cloudtrail.send(new StartLoggingCommand({Name: `trail-${i}`}))
  })
  await seedControls(n, range, limit)
}

/** The network, secrets and alarm controls' resources, in the default VPC. */
async function seedControls(n, range, limit) {
  const ec2 = new EC2Client({})
  const vpc = (await ec2.send(new DescribeVpcsCommand({Filters: [{Name: 'is-default', Values: ['true']}]}))).Vpcs[0].VpcId
  const subnets = (await ec2.send(new DescribeSubnetsCommand({Filters: [{Name: 'vpc-id', Values: [vpc]}]}))).Subnets.map((s) => s.SubnetId)
  const igw = (await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways[0]?.InternetGatewayId
  const groups = await mapWithLimit(range(n(0.08)), limit, async (i) => {
    const {GroupId} = await ec2.send(new CreateSecurityGroupCommand({GroupName: `bench-${i}`, Description: 'bench', VpcId: vpc}))
    const port = i % 2 === 0 ? 22 : 5432
    const IpRanges = [{CidrIp: i % 4 < 2 ? '0.0.0.0/0' : '10.0.0.0/8'}]
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({GroupId, IpPermissions: [{IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges}]}))
    return GroupId
  })
  await mapWithLimit(range(n(0.04)), limit, async (i) => {
    const {RouteTable} = await ec2.send(new CreateRouteTableCommand({VpcId: vpc}))
    if (i % 2 === 0 && igw) await ec2.send(new CreateRouteCommand({RouteTableId: RouteTable.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw}))
  })
  const {Images} = await ec2.send(new DescribeImagesCommand({Owners: ['amazon'], Filters: [{Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2']}]}))
  await mapWithLimit(range(n(0.05)), limit, (i) =>
    ec2.send(
      new RunInstancesCommand({
        ImageId: Images[0].ImageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnets[i % subnets.length],
        SecurityGroupIds: [groups[i % groups.length]],
        TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Role', Value: i % 2 === 0 ? 'postgres' : 'mysql'}]}],
      }),
    ),
  )
  const rds = new RDSClient({})
  await mapWithLimit(range(n(0.01)), limit, (i) =>
    rds.send(new CreateDBSubnetGroupCommand({DBSubnetGroupName: `bench-${i}`, DBSubnetGroupDescription: 'bench', SubnetIds: subnets.slice(0, 2)})),
  )
  const secrets = new SecretsManagerClient({})
  await mapWithLimit(range(n(0.07)), limit, async (i) => {
    await secrets.send(new CreateSecretCommand({Name: `bench/db-${i}`, SecretString: 'bench', Tags: [{Key: 'opsctl:database', Value: `db-${i}`}]}))
    if (i % 2 === 0) await secrets.send(new RotateSecretCommand({SecretId: `bench/db-${i}`, RotationRules: {AutomaticallyAfterDays: 30}}))
  })
  const sns = new SNSClient({})
  const topics = await mapWithLimit(range(n(0.01)), limit, async (i) => {
    const {TopicArn} = await sns.send(new CreateTopicCommand({Name: `bench-${i}`}))
    await sns.send(new SubscribeCommand({TopicArn, Protocol: 'email', Endpoint: `oncall-${i}@example.com`}))
    return TopicArn
  })
  const cloudwatch = new CloudWatchClient({})
  await mapWithLimit(range(n(0.05)), limit, (i) =>
    cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: `bench-cpu-${i}`,
        Namespace: 'AWS/RDS',
        MetricName: 'CPUUtilization',
        Dimensions: [{Name: 'DBInstanceIdentifier', Value: `db-${i % n(0.12)}`}],
        Statistic: 'Average',
        Period: 300,
        EvaluationPeriods: 3,
        Threshold: i % 3 === 0 ? 80 : 60,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [topics[i % topics.length]],
      }),
    ),
  )
}

const scan = async () => {
  const {stdout} = await promisify(execFile)(process.execPath, [new URL('scan.mjs', import.meta.url).pathname, SERVICES], {
    env: process.env,
    maxBuffer: 1 << 24,
  })
  return JSON.parse(stdout)
}

const rows = []
try {
  for (const size of [100, 1000]) {
    await resetMoto(moto.endpoint)
    const seeding = performance.now()
    await seed(size)
    process.stderr.write(`seeded ~${size} resources in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`)
    await scan() // warm moto's lazily built backends, so both sizes are measured alike
    const run = await scan()
    const calls = Object.values(run.calls).reduce((a, b) => a + b, 0)
    const minimum = Object.values(run.minimum).reduce((a, b) => a + b, 0)
    const seeded = Object.values(run.resources).reduce((a, b) => a + b, 0)
    rows.push({size, seeded, run, calls, minimum})
  }
} finally {
  moto.stop()
}

const pad = (cells, widths) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ')
const widths = [8, 16, 9, 14, 8, 8, 7, 10]
console.log(pad(['seeded', 'listed by moto', 'wall ms', 'ms/seeded res.', 'RSS MiB', 'calls', 'min', 'calls/min'], widths))
for (const {size, seeded, run, calls, minimum} of rows) {
  console.log(
    pad([size, seeded, run.wallMs.toFixed(0), (run.wallMs / size).toFixed(2), run.maxRssMiB.toFixed(0), calls, minimum, (calls / minimum).toFixed(3)], widths),
  )
}
for (const {size, run} of rows) console.log(`~${size}: calls by service ${JSON.stringify(run.calls)}, minimum ${JSON.stringify(run.minimum)}`)
const [small, large] = rows
// moto also lists ~1,200 snapshots of its built-in AMIs as the account's own: growth is measured on what was seeded.
const growth = large.run.wallMs / small.run.wallMs / (large.size / small.size)
console.log(
  `time grows ${growth.toFixed(2)}× as fast as the resource count (≤ 1 is linear or better); calls ≤ 1.05× minimum: ${rows.every((r) => r.calls <= 1.05 * r.minimum) ? 'yes' : 'NO'}`,
)
