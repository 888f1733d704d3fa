import {DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../../support/fault-suite.js'
import {createDbInstance} from '../../../support/rds.js'

const rds = () => new RDSClient({})
const instanceIds = async () => ((await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier).sort()
const snapshotIds = async () =>
  ((await rds().send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))).DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier).sort()

/**
 * The request is applied and its response lost: the SDK sends it again and meets "already exists" (a create)
 * or "not found" (a delete). The run must carry on as if the first answer had arrived.
 */
describe('lost responses of creates and deletes (e2e through the fault proxy)', function () {
  this.timeout(60_000)
  const faults = faultProxyInFrontOfMoto()
  afterEach(() => faults.proxy.clear())

  beforeEach(async () => {
    await createDbInstance('tenant-shard-001', {StorageEncrypted: true})
    await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'baseline'])
  })

  const runs = [
    {
      operation: 'CreateDBSnapshot',
      args: ['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'before-change'],
      instances: ['tenant-shard-001'],
      snapshots: ['baseline', 'before-change'],
    },
    {
      operation: 'RestoreDBInstanceFromDBSnapshot',
      args: ['snapshot', 'restore', 'tenant-shard-001', '--snapshot', 'baseline', '--target', 'restored'],
      instances: ['restored', 'tenant-shard-001'],
      snapshots: ['baseline'],
    },
    {
      operation: 'RestoreDBInstanceToPointInTime',
      args: ['snapshot', 'restore', 'tenant-shard-001', '--latest', '--target', 'restored'],
      instances: ['restored', 'tenant-shard-001'],
      snapshots: ['baseline'],
    },
    {
      operation: 'DeleteDBInstance',
      args: ['backup', 'test', 'tenant-shard-001', '--snapshot', 'baseline'],
      instances: ['tenant-shard-001'],
      snapshots: ['baseline'],
    },
  ]
  for (const run of runs) {
    it(`carries on when the response to ${run.operation} is lost after it was applied`, async () => {
      faults.proxy.inject({operation: run.operation}, 'reset-after')
      const result = await opsctl([...run.args, '--poll-interval', '1', '--json'], {env: faults.env})
      expect(result.code, result.stdout.slice(0, 3000) + result.stderr).to.equal(0)
      expect(parseJson(result).result.status).to.equal('succeeded')
      expect(faults.proxy.stats().faults['reset-after']).to.equal(1)
      expect(await instanceIds()).to.deep.equal(run.instances)
      expect(await snapshotIds()).to.deep.equal(run.snapshots)
    })
  }
})
