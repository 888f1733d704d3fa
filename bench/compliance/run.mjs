// npm run bench:compliance — seeds about 100 and 1,000 resources in a moto_server it starts itself, runs
// `opsctl compliance check` logic on each, and prints wall time, peak memory and API calls against the minimum.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {CloudTrailClient, CreateTrailCommand, StartLoggingCommand} from '@aws-sdk/client-cloudtrail'
import {CreateSnapshotCommand, CreateVolumeCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CreateKeyCommand, EnableKeyRotationCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateBucketCommand, PutBucketEncryptionCommand, S3Client} from '@aws-sdk/client-s3'

import {mapWithLimit} from '../../dist/lib/aws/paginate.js'
import {resetMoto} from '../../dist/lib/sandbox/moto-server.js'
import {benchMoto} from '../moto.mjs'

const SERVICES = 'rds,kms,cloudtrail,ebs,s3'
const moto = await benchMoto('compliance')

/** About `total` resources: 15% DB instances, 15% DB snapshots, 20% KMS keys, 20% volumes, 10% EBS snapshots, 15% buckets, 5% trails. */
async function seed(total) {
  const n = (share) => Math.max(1, Math.round(total * share))
  const rds = new RDSClient({})
  const kms = new KMSClient({})
  const ec2 = new EC2Client({})
  const s3 = new S3Client({})
  const cloudtrail = new CloudTrailClient({})
  const range = (count) => Array.from({length: count}, (_, i) => i)
  const limit = 16
  await mapWithLimit(range(n(0.15)), limit, (i) =>
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
  await mapWithLimit(range(n(0.15)), limit, (i) =>
    rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: `db-${i % n(0.15)}`, DBSnapshotIdentifier: `snap-${i}`})),
  )
  await mapWithLimit(range(n(0.2)), limit, async (i) => {
    const {KeyMetadata} = await kms.send(new CreateKeyCommand({Description: `bench ${i}`}))
    if (i % 2 === 0) await kms.send(new EnableKeyRotationCommand({KeyId: KeyMetadata.KeyId}))
  })
  const volumes = await mapWithLimit(range(n(0.2)), limit, (i) =>
    ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, Encrypted: i % 2 === 0})),
  )
  await mapWithLimit(range(n(0.1)), limit, (i) => ec2.send(new CreateSnapshotCommand({VolumeId: volumes[i].VolumeId})))
  await mapWithLimit(range(n(0.15)), limit, async (i) => {
    await s3.send(new CreateBucketCommand({Bucket: `bench-bucket-${i}`}))
    if (i % 2 === 0)
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: `bench-bucket-${i}`,
          ServerSideEncryptionConfiguration: {Rules: [{ApplyServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms'}}]},
        }),
      )
  })
  await mapWithLimit(range(n(0.05)), limit, async (i) => {
    await cloudtrail.send(new CreateTrailCommand({Name: `trail-${i}`, S3BucketName: 'bench-bucket-0', EnableLogFileValidation: i % 2 === 0}))
    if (i % 2 === 0) await cloudtrail.send(new StartLoggingCommand({Name: `trail-${i}`}))
  })
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
