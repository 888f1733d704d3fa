import {DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'

const manualSnapshots = async () => {
  const {DBSnapshots} = await new RDSClient({}).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))
  return DBSnapshots ?? []
}

describe('opsctl snapshot (e2e against moto)', () => {
  it('creates a snapshot tagged with the run id and lists it', async () => {
    await createDbInstance('tenant-shard-001')
    const created = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    const envelope = parseJson(created)
    expectMatchesSchema(envelope, 'snapshot-create')
    const {result} = envelope
    expect(result.status).to.equal('succeeded')
    expect(result.outcome.snapshotId).to.equal(`tenant-shard-001-${result.runId.toLowerCase()}`)

    const listed = parseJson(await opsctl(['snapshot', 'list', 'tenant-shard-001', '--json']))
    expectMatchesSchema(listed, 'snapshot-list')
    const mine = listed.result.snapshots.find((s: {snapshotId: string}) => s.snapshotId === result.outcome.snapshotId)
    expect(mine).to.include({type: 'manual', status: 'available', runId: result.runId})
  })

  it('refuses an invalid identifier with exit 2 before any AWS call', async () => {
    const result = await opsctl(['snapshot', 'create', 'bad--name'], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.match(/"bad--name" is not a valid DB instance identifier/)
    expect(result.stderr).not.to.match(/at .*\.js/)
  })

  it('says which DB instance is missing in which region, exits 2 and creates nothing', async () => {
    const result = await opsctl(['snapshot', 'create', 'no-such-db'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('No DB instance named no-such-db in us-east-1')
    expect(await manualSnapshots()).to.have.length(0)
  })
})
