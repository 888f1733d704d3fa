import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../support/cli.js'
import {createDbInstance} from '../support/rds.js'
import {expectMatchesSchema} from '../support/schema.js'

const instanceIds = async () => ((await new RDSClient({}).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier)

describe('opsctl backup (e2e against moto)', () => {
  it('tests the backups of an instance, deletes the temporary instance and lists the test in the history', async () => {
    await createDbInstance('tenant-shard-001', {StorageEncrypted: true})
    const result = await opsctl(['backup', 'test', 'tenant-shard-001', '--max-rto', '600', '--max-rpo', '90000', '--poll-interval', '1', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'backup-test')
    expect(envelope.result.outcome).to.include({dbInstanceId: 'tenant-shard-001', verdict: 'passed', temporaryInstanceDeleted: true})
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])

    const history = parseJson(await opsctl(['backup', 'history', 'tenant-shard-001', '--json']))
    expectMatchesSchema(history, 'backup-history')
    expect(history.result.tests).to.deep.equal([{
      runId: envelope.result.runId,
      startedAt: envelope.result.startedAt,
      dbInstanceId: 'tenant-shard-001',
      snapshotId: envelope.result.outcome.snapshotId,
      rtoSeconds: envelope.result.metrics.rtoSeconds,
      rpoSeconds: envelope.result.metrics.rpoSeconds,
      verdict: 'passed',
    }])
    const table = await opsctl(['backup', 'history'])
    expect(table.stdout).to.match(new RegExp(`tenant-shard-001\\s+${envelope.result.outcome.snapshotId}\\s+\\S+\\s+\\S+\\s+passed\\s+${envelope.result.runId}`))
  })

  it('exits 4 when the backup policy is not met, with the run record and a JUnit report as evidence', async () => {
    await createDbInstance('tenant-shard-001', {BackupRetentionPeriod: 7})
    const dir = process.env.OPSCTL_HOME!
    const result = await opsctl(['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--junit', join(dir, 'backup-test.xml'), '--json'])
    expect(result.code).to.equal(4)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'backup-test')
    expect(envelope.error).to.deep.include({code: 'ObjectiveMissed'})
    expect(envelope.error!.message).to.match(/^The backup-test run missed its objective: retention: backups are kept 7 days, below the required 30 \(--min-retention\); encryption: storage is not encrypted/)
    expect(envelope.result.outcome.verdict).to.equal('failed')
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    const junit = await readFile(join(dir, 'backup-test.xml'), 'utf8')
    expect(junit).to.contain('<testcase name="check-retention"')
    expect(junit).to.match(/<testcase name="objective"[^>]*>\s*<failure type="ObjectiveMissed" message="retention: backups are kept 7 days/)

    const history = parseJson(await opsctl(['backup', 'history', '--json']))
    expect(history.result.tests.map((t: {verdict: string}) => t.verdict)).to.deep.equal(['failed'])
  })

  it('says so when no backup test has been recorded', async () => {
    const result = await opsctl(['backup', 'history', 'tenant-shard-009'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.contain('No backup tests recorded for tenant-shard-009 yet; run "opsctl backup test <db-instance>".')
  })
})
