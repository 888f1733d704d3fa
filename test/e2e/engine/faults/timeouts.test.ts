import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import type {RunRecord} from '../../../../src/lib/engine/types.js'
import {opsctl} from '../../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../../support/fault-suite.js'
import {createDbInstance} from '../../../support/rds.js'

/** Real timers, a real process: a step that cannot finish meets its --timeout, on every Node version. */
describe('a step timeout with real timers (e2e through the fault proxy)', function () {
  this.timeout(60_000)
  const faults = faultProxyInFrontOfMoto()

  it('fails a wait that never gets an answer after --timeout 2: exit 1, "timed out" in the journal, the snapshot it made deleted', async () => {
    await createDbInstance('tenant-shard-001')
    // Once the snapshot is requested, the wait's first look at it never gets an answer.
    faults.proxy.nextRequest({operation: 'CreateDBSnapshot'}).then(() => faults.proxy.inject({operation: 'DescribeDBSnapshots'}, 'hang'))
    const result = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--timeout', '2'], {env: {AWS_ENDPOINT_URL: faults.proxy.endpoint}})
    expect(result.code, result.stdout + result.stderr).to.equal(1)
    expect(result.stderr).to.contain('Error: Step wait-available timed out after 2 s')
    const dir = join(process.env.OPSCTL_HOME!, 'runs')
    const record: RunRecord = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'))
    expect(record.status).to.equal('failed')
    expect(record.steps.map((s) => `${s.id}:${s.status}`)).to.deep.equal(['check-instance:succeeded', 'create-snapshot:undone', 'wait-available:failed'])
    expect(record.steps[2].error).to.deep.include({code: 'StepTimeout'})
    const {DBSnapshots} = await new RDSClient({}).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))
    expect(DBSnapshots).to.deep.equal([])
    faults.proxy.release()
  })
})
