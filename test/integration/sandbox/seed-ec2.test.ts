import {DescribeInstancesCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {expect} from 'chai'

import {tagMap} from '../../../src/lib/aws/tags.js'
import {SANDBOX_REGION} from '../../../src/lib/sandbox/environment.js'
import {DATA_DEVICE, ec2Seeder} from '../../../src/lib/sandbox/seed/ec2.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {DEMO_SHARDS} from '../../../src/lib/sandbox/seed/tenants.js'
import {testSession} from '../../support/aws.js'

const postgresServers = async (ec2: EC2Client) => {
  const {Reservations = []} = await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag:Role', Values: ['postgres']}]}))
  return Reservations.flatMap((r) => r.Instances ?? []).map((instance) => ({instance, tags: tagMap(instance.Tags)}))
}

const dataVolumes = async (ec2: EC2Client) =>
  (await ec2.send(new DescribeVolumesCommand({Filters: [{Name: 'tag:opsctl:role', Values: ['postgres-data']}]}))).Volumes ?? []

describe('sandbox seed: the PostgreSQL fleet (against moto)', () => {
  it('launches three running servers serving demo shards, two of them one cluster, on versions below and at 15.8', async () => {
    const ec2 = (await testSession()).client(EC2Client)
    await seedDemoEstate(await testSession(), [ec2Seeder])
    const servers = await postgresServers(ec2)
    expect(servers.map(({tags}) => [tags.Name, tags['opsctl:cluster'], tags['opsctl:sandbox-postgresql-version']])).to.have.deep.members([
      ['opsctl-demo-postgres-1', 'opsctl-demo-pg-a', '15.6'],
      ['opsctl-demo-postgres-2', 'opsctl-demo-pg-a', '15.8'],
      ['opsctl-demo-postgres-3', undefined, '14.11'],
    ])
    expect(servers.every(({instance}) => instance.State?.Name === 'running')).to.equal(true)
    const sandboxShards = DEMO_SHARDS.filter((s) => s.region === SANDBOX_REGION).map((s) => s.id)
    expect(servers.flatMap(({tags}) => tags['opsctl:shards'].split(','))).to.satisfy((ids: string[]) => ids.every((id) => sandboxShards.includes(id)))
  })

  it('tags the servers for the SSM agent stand-in: all managed, one with inventory, one whose upgrade fails', async () => {
    await seedDemoEstate(await testSession(), [ec2Seeder])
    const tags = (await postgresServers((await testSession()).client(EC2Client))).map((s) => s.tags)
    expect(tags.every((t) => t['opsctl:sandbox-ssm'] === 'managed')).to.equal(true)
    expect(tags.filter((t) => t['opsctl:sandbox-inventory'] === 'on').map((t) => t.Name)).to.deep.equal(['opsctl-demo-postgres-1'])
    expect(tags.filter((t) => t['opsctl:sandbox-fail'] === 'upgrade').map((t) => t.Name)).to.deep.equal(['opsctl-demo-postgres-3'])
  })

  it('gives every server a data volume at /dev/sdf in its own Availability Zone', async () => {
    const ec2 = (await testSession()).client(EC2Client)
    await seedDemoEstate(await testSession(), [ec2Seeder])
    const volumes = await dataVolumes(ec2)
    for (const {instance, tags} of await postgresServers(ec2)) {
      const attached = volumes.filter((v) => v.Attachments?.some((a) => a.InstanceId === instance.InstanceId && a.Device === DATA_DEVICE))
      expect(attached, tags.Name).to.have.length(1)
      expect(attached[0].AvailabilityZone, tags.Name).to.equal(instance.Placement?.AvailabilityZone)
      expect(instance.BlockDeviceMappings?.map((m) => m.DeviceName)).to.include(DATA_DEVICE)
    }
  })

  it('changes nothing when seeded again: the same servers and volumes, every one reported as existing', async () => {
    const session = await testSession()
    const first = await seedDemoEstate(session, [ec2Seeder])
    const second = await seedDemoEstate(session, [ec2Seeder])
    expect(first.every((r) => r.status === 'created')).to.equal(true)
    expect(first.filter((r) => r.type === 'ec2-instance' || r.type === 'ebs-volume').map((r) => r.type)).to.deep.equal(
      [...Array(3)].flatMap(() => ['ec2-instance', 'ebs-volume']),
    )
    expect(
      first.filter((r) => r.type === 'ec2-vpc'),
      'the demo VPC the servers sit in',
    ).to.have.length(1)
    expect(second.map((r) => r.id)).to.deep.equal(first.map((r) => r.id))
    expect(second.every((r) => r.status === 'existing')).to.equal(true)
    const ec2 = session.client(EC2Client)
    expect(await postgresServers(ec2)).to.have.length(3)
    expect(await dataVolumes(ec2)).to.have.length(3)
  })
})
