// One compliance scan in its own process, so that its peak memory (maxRSS) is the scan's alone.
// Prints {wallMs, maxRssMiB, calls, minimum, resources} as JSON. Run by bench/compliance/run.mjs.
import {CloudTrailClient, DescribeTrailsCommand} from '@aws-sdk/client-cloudtrail'
import {CloudWatchClient, paginateDescribeAlarms} from '@aws-sdk/client-cloudwatch'
import {
  EC2Client,
  paginateDescribeInstances,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
} from '@aws-sdk/client-ec2'
import {DescribeKeyCommand, KMSClient, paginateListKeys} from '@aws-sdk/client-kms'
import {
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  paginateDescribeDBSubnetGroups,
  RDSClient,
} from '@aws-sdk/client-rds'
import {ListBucketsCommand, S3Client} from '@aws-sdk/client-s3'
import {paginateListSecrets, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {paginateListSubscriptions, SNSClient} from '@aws-sdk/client-sns'

import {withinCallScope} from '../../dist/lib/aws/call-log.js'
import {AwsSession} from '../../dist/lib/aws/session.js'
import {supportsRotation} from '../../dist/lib/compliance/inventory/kms.js'
import {runComplianceScan, selectChecks} from '../../dist/lib/compliance/scan.js'

const services = process.argv[2].split(',')
// The sandbox's stand-in adds the root user to moto's IAM credential report, as IAM itself lists it.
const session = await AwsSession.open({standIn: (await import('../../dist/lib/sandbox/stand-in-answers.js')).sandboxAnswers})
const calls = []
const started = performance.now()
const result = await withinCallScope({calls}, () =>
  runComplianceScan(session, {
    checks: selectChecks({services}),
    regions: [session.region],
    accountId: '123456789012',
    failOn: 'informational',
    minRetentionDays: 30,
  }),
)
const wallMs = performance.now() - started
const maxRssMiB = process.resourceUsage().maxRSS / 1024
if (result.totals.error > 0) throw new Error(`the scan had errors: ${result.findings.find((f) => f.status === 'ERROR').reason}`)

// The minimum: one call per page at the largest page size, plus the calls no list call can replace.
const all = async (pages, key) => {
  const items = []
  for await (const page of pages) items.push(...(page[key] ?? []))
  return items
}
const pages = (n, size) => Math.max(1, Math.ceil(n / size))
const rds = new RDSClient({})
const [instances, clusters, snapshots, clusterSnapshots, subnetGroups] = await Promise.all([
  all(paginateDescribeDBInstances({client: rds}, {}), 'DBInstances'),
  all(paginateDescribeDBClusters({client: rds}, {}), 'DBClusters'),
  all(paginateDescribeDBSnapshots({client: rds}, {}), 'DBSnapshots'),
  all(paginateDescribeDBClusterSnapshots({client: rds}, {}), 'DBClusterSnapshots'),
  all(paginateDescribeDBSubnetGroups({client: rds}, {}), 'DBSubnetGroups'),
])
const kms = new KMSClient({})
const keys = await all(paginateListKeys({client: kms}, {}), 'Keys')
const rotatable = (await Promise.all(keys.map(async (k) => (await kms.send(new DescribeKeyCommand({KeyId: k.KeyId}))).KeyMetadata))).filter(
  supportsRotation,
).length
const trails = (await new CloudTrailClient({}).send(new DescribeTrailsCommand({includeShadowTrails: true}))).trailList ?? []
const ec2 = new EC2Client({})
const volumes = await all(paginateDescribeVolumes({client: ec2}, {}), 'Volumes')
const ebsSnapshots = await all(paginateDescribeSnapshots({client: ec2}, {OwnerIds: ['self']}), 'Snapshots')
const buckets = (await new S3Client({}).send(new ListBucketsCommand({BucketRegion: session.region}))).Buckets ?? []
const securityGroups = await all(paginateDescribeSecurityGroups({client: ec2}, {}), 'SecurityGroups')
const routeTables = await all(paginateDescribeRouteTables({client: ec2}, {}), 'RouteTables')
const databaseServers = (
  await all(paginateDescribeInstances({client: ec2}, {Filters: [{Name: 'tag:Role', Values: ['postgres', 'mysql', 'sqlserver', 'oracle']}]}), 'Reservations')
).flatMap((r) => r.Instances ?? [])
const secrets = await all(paginateListSecrets({client: new SecretsManagerClient({})}, {}), 'SecretList')
const alarms = await all(paginateDescribeAlarms({client: new CloudWatchClient({})}, {AlarmTypes: ['MetricAlarm']}), 'MetricAlarms')
const subscriptions = await all(paginateListSubscriptions({client: new SNSClient({})}, {}), 'Subscriptions')
const manual = (list) => list.filter((s) => s.SnapshotType === 'manual').length
// DB subnet groups come with the DB instances that use them: listing them is no part of the minimum.
const minimum = {
  rds:
    pages(instances.length, 100) +
    pages(clusters.length, 100) +
    pages(snapshots.length, 100) +
    pages(clusterSnapshots.length, 100) +
    manual(snapshots) +
    manual(clusterSnapshots),
  kms: pages(keys.length, 1000) + keys.length + rotatable,
  cloudtrail: 1 + 2 * trails.length,
  // EBS and the network controls share the EC2 API.
  ec2:
    1 +
    pages(volumes.length, 500) +
    pages(ebsSnapshots.length, 1000) +
    pages(securityGroups.length, 1000) +
    pages(routeTables.length, 100) +
    pages(databaseServers.length, 1000),
  s3: pages(buckets.length, 10_000) + buckets.length,
  // GenerateCredentialReport (COMPLETE: the warm-up scan generated it) and GetCredentialReport, once per scan.
  iam: 2,
  secretsmanager: pages(secrets.length, 100),
  cloudwatch: pages(alarms.length, 100),
  sns: pages(subscriptions.length, 100),
}
const byService = {
  rds: 'RDS',
  kms: 'KMS',
  cloudtrail: 'CloudTrail',
  ec2: 'EC2',
  s3: 'S3',
  iam: 'IAM',
  secretsmanager: 'SecretsManager',
  cloudwatch: 'CloudWatch',
  sns: 'SNS',
}
const made = Object.fromEntries(Object.entries(byService).map(([name, client]) => [name, calls.filter((c) => c.service === client).length]))
console.log(
  JSON.stringify({
    wallMs,
    maxRssMiB,
    calls: made,
    minimum,
    findings: result.findings.length,
    resources: {
      dbInstances: instances.length,
      dbSnapshots: snapshots.length,
      kmsKeys: keys.length,
      trails: trails.length,
      volumes: volumes.length,
      ebsSnapshots: ebsSnapshots.length,
      buckets: buckets.length,
      securityGroups: securityGroups.length,
      routeTables: routeTables.length,
      databaseServers: databaseServers.length,
      dbSubnetGroups: subnetGroups.length,
      secrets: secrets.length,
      alarms: alarms.length,
      snsSubscriptions: subscriptions.length,
    },
  }),
)
