import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {RUN_ID_TAG} from '../../../../src/lib/aws/tags.js'
import {opsctl, parseJson} from '../../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../../support/fault-suite.js'
import {createDbInstance} from '../../../support/rds.js'

/** Two operators restore the same source to the same name at the same moment. */
describe('two concurrent restores of one source (e2e)', function () {
  this.timeout(60_000)
  const faults = faultProxyInFrontOfMoto()

  it("lets exactly one make the instance; the other fails or is refused with one sentence and leaves the winner's instance alone", async () => {
    await createDbInstance('tenant-shard-001', {StorageEncrypted: true})
    await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'baseline'])
    // Slow enough that both pass their check that the name is free before either restore is applied.
    faults.proxy.setLatency(300)
    const args = ['snapshot', 'restore', 'tenant-shard-001', '--snapshot', 'baseline', '--target', 'tenant-shard-001-copy', '--poll-interval', '1', '--json']
    const env = {AWS_ENDPOINT_URL: faults.proxy.endpoint}
    const results = await Promise.all([opsctl(args, {env}), opsctl(args, {env})])
    faults.proxy.clear()
    const [winner, ...losers] = results.filter((r) => r.code === 0)
    expect(losers, results.map((r) => r.stderr).join('\n')).to.deep.equal([])
    const loser = results.find((r) => r !== winner)!
    expect([1, 2]).to.include(loser.code)
    expect(parseJson(loser).error!.message).to.match(
      /^(DB instance tenant-shard-001-copy was created by another run or person at the same moment|A DB instance named tenant-shard-001-copy already exists)/,
    )
    const {DBInstances = []} = await new RDSClient({}).send(new DescribeDBInstancesCommand({}))
    expect(DBInstances.map((i) => i.DBInstanceIdentifier).sort()).to.deep.equal(['tenant-shard-001', 'tenant-shard-001-copy'])
    const copy = DBInstances.find((i) => i.DBInstanceIdentifier === 'tenant-shard-001-copy')!
    expect(copy.TagList?.find((t) => t.Key === RUN_ID_TAG)?.Value).to.equal(parseJson(winner).result.runId)
  })
})
