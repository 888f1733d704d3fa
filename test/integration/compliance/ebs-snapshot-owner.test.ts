import {CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {expect} from 'chai'

import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import {testSession} from '../../support/aws.js'

// moto's default account, which STS GetCallerIdentity answers with.
const ACCOUNT = '123456789012'

describe('ebs-snapshot-encrypted judges the snapshots the account owns (moto)', () => {
  const ec2 = new EC2Client({})
  let owned: string[]
  beforeEach(async () => {
    owned = []
    for (const Encrypted of [true, false]) {
      const {VolumeId} = await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, Encrypted}))
      owned.push((await ec2.send(new CreateSnapshotCommand({VolumeId}))).SnapshotId!)
    }
  })

  const scan = async (accountId: string | undefined) =>
    runComplianceScan(await testSession(), {
      checks: selectChecks({checkIds: ['ebs-snapshot-encrypted']}),
      regions: ['us-east-1'],
      accountId,
      failOn: 'informational',
      minRetentionDays: 30,
    })
  const listedAsOwn = async () => (await ec2.send(new DescribeSnapshotsCommand({OwnerIds: ['self']}))).Snapshots!

  it('leaves out the public snapshots of other accounts that moto lists even for OwnerIds self', async () => {
    const listed = await listedAsOwn()
    // What makes this test mean something: moto 5.2.1 answers OwnerIds self with the snapshots of its built-in AMIs.
    expect(listed.filter((s) => s.OwnerId !== ACCOUNT).length, 'snapshots of other owners listed by moto').to.be.greaterThan(1000)
    const result = await scan(ACCOUNT)
    expect(result.findings.map((f) => [f.resourceId, f.status])).to.have.deep.members([
      [owned[0], 'PASS'],
      [owned[1], 'FAIL'],
    ])
    expect(result.checks[0]).to.include({pass: 1, fail: 1, error: 0})
  })

  it('judges every snapshot OwnerIds self lists when the account is unknown (STS failed), without an ERROR', async () => {
    const result = await scan(undefined)
    expect(result.findings).to.have.length((await listedAsOwn()).length)
    expect(result.findings.map((f) => f.resourceId)).to.include.members(owned)
    expect(result.totals.error).to.equal(0)
  })
})
