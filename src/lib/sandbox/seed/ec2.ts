import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Instance,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2'

import {OpsctlError} from '../../errors/errors.js'
import {STAND_IN_TAGS} from '../ssm-agent-tags.js'
import {ensureSandboxNetwork} from './network.js'
import type {Seeder} from './seeder.js'

/** Where a PostgreSQL server's data volume is attached (the patch runbook's DataDeviceName). */
export const DATA_DEVICE = '/dev/sdf'

interface PostgresHost {
  name: string
  /** Shard ids of the tenants seed (src/lib/sandbox/seed/tenants.ts) the server holds. */
  shards: string[]
  /** The database cluster the server is a member of: its members are never patched together. */
  cluster?: string
  /** The PostgreSQL version the server starts with. */
  version: string
  /** SSM Inventory reports its applications (the others are read with Run Command). */
  inventory?: boolean
  /** Patch Manager's counts, as `opsctl patch status` shows them. */
  patchState?: string
  /** Its upgrade fails, so a patch run rolls it back from the snapshot of its data volume. */
  failsUpgrade?: boolean
}

/**
 * Self-managed PostgreSQL servers, the fleet `opsctl patch` targets (tag Role=postgres): a primary and replica of one
 * cluster on 15.6 and 15.8, and a server still on 14.11 whose in-place upgrade fails.
 */
export const POSTGRES_HOSTS: PostgresHost[] = [
  {name: 'opsctl-demo-postgres-1', shards: ['jira-us-1'], cluster: 'opsctl-demo-pg-a', version: '15.6', inventory: true},
  {
    name: 'opsctl-demo-postgres-2',
    shards: ['jira-us-1'],
    cluster: 'opsctl-demo-pg-a',
    version: '15.8',
    patchState: 'Missing=2 Failed=0 InstalledPendingReboot=1',
  },
  {name: 'opsctl-demo-postgres-3', shards: ['confluence-us-1'], version: '14.11', failsUpgrade: true},
]

const hostTags = (host: PostgresHost) =>
  Object.entries({
    Name: host.name,
    Role: 'postgres',
    'opsctl:shards': host.shards.join(','),
    'opsctl:cluster': host.cluster,
    [STAND_IN_TAGS.managed]: 'managed',
    [STAND_IN_TAGS.version]: host.version,
    [STAND_IN_TAGS.inventory]: host.inventory ? 'on' : undefined,
    [STAND_IN_TAGS.patchState]: host.patchState,
    [STAND_IN_TAGS.fail]: host.failsUpgrade ? 'upgrade' : undefined,
  })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([Key, Value]) => ({Key, Value}))

/** The newest Amazon Linux 2 image the region offers (moto ships a fixed catalogue of real AMIs). */
export async function amazonLinuxImage(ec2: EC2Client): Promise<string> {
  const {Images = []} = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        {Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2']},
        {Name: 'state', Values: ['available']},
      ],
    }),
  )
  const newest = Images.sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0]
  if (!newest?.ImageId)
    throw new OpsctlError('No Amazon Linux 2 image (amzn2-ami-hvm-*-x86_64-gp2) is offered in this region, so the demo PostgreSQL hosts cannot be launched.')
  return newest.ImageId
}

async function findHost(ec2: EC2Client, name: string): Promise<Instance | undefined> {
  const {Reservations = []} = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        {Name: 'tag:Name', Values: [name]},
        {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
      ],
    }),
  )
  return Reservations.flatMap((r) => r.Instances ?? [])[0]
}

/** The volume attached at the data device, whichever it is (after a rollback, the one restored from a snapshot). */
async function findDataVolume(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const {Volumes = []} = await ec2.send(
    new DescribeVolumesCommand({
      Filters: [
        {Name: 'attachment.instance-id', Values: [instanceId]},
        {Name: 'attachment.device', Values: [DATA_DEVICE]},
      ],
    }),
  )
  return Volumes[0]?.VolumeId
}

async function attachDataVolume(ec2: EC2Client, host: Instance, name: string): Promise<string> {
  const {VolumeId} = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: host.Placement!.AvailabilityZone,
      Size: 20,
      VolumeType: 'gp3',
      TagSpecifications: [
        {
          ResourceType: 'volume',
          Tags: [
            {Key: 'Name', Value: `${name}-data`},
            {Key: 'opsctl:role', Value: 'postgres-data'},
          ],
        },
      ],
    }),
  )
  await ec2.send(new AttachVolumeCommand({VolumeId, InstanceId: host.InstanceId, Device: DATA_DEVICE}))
  return VolumeId!
}

/**
 * The PostgreSQL servers, each with its data volume, tagged for the SSM agent stand-in (src/lib/sandbox/ssm-agent.ts),
 * in a private subnet of the demo's VPC behind the databases' security group, as the platform's guidance wants them.
 */
export const ec2Seeder: Seeder = {
  name: 'ec2',
  async seed(session, report) {
    const ec2 = session.client(EC2Client)
    const network = await ensureSandboxNetwork(session, report)
    let imageId: string | undefined
    for (const spec of POSTGRES_HOSTS) {
      const host = await report.ensure(
        'ec2-instance',
        spec.name,
        () => findHost(ec2, spec.name),
        async () => {
          imageId ??= await amazonLinuxImage(ec2)
          const {Instances} = await ec2.send(
            new RunInstancesCommand({
              ImageId: imageId,
              InstanceType: 't3.micro',
              MinCount: 1,
              MaxCount: 1,
              SubnetId: network.privateSubnets[0],
              SecurityGroupIds: [network.groups.database],
              TagSpecifications: [{ResourceType: 'instance', Tags: hostTags(spec)}],
            }),
          )
          return Instances![0]
        },
      )
      await report.ensure(
        'ebs-volume',
        `${spec.name}-data`,
        () => findDataVolume(ec2, host.InstanceId!),
        () => attachDataVolume(ec2, host, spec.name),
      )
    }
  },
}
