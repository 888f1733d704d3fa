import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'

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
    expect(history.result.tests).to.deep.equal([
      {
        runId: envelope.result.runId,
        startedAt: envelope.result.startedAt,
        dbInstanceId: 'tenant-shard-001',
        snapshotId: envelope.result.outcome.snapshotId,
        rtoSeconds: envelope.result.metrics.rtoSeconds,
        rpoSeconds: envelope.result.metrics.rpoSeconds,
        verdict: 'passed',
      },
    ])
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
    expect(envelope.error!.message).to.equal(`The backup-test run missed its objective: check-retention; check-encryption (run ${envelope.result.runId}).`)
    expect(envelope.result.outcome.verdict).to.equal('failed')
    expect(envelope.result.outcome.checks.find((c: {check: string}) => c.check === 'retention')).to.deep.include({
      passed: false,
      detail: 'backups are kept 7 days, below the required 30 (--min-retention)',
    })
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    const junit = await readFile(join(dir, 'backup-test.xml'), 'utf8')
    expect(junit).to.match(
      /<testcase name="check-retention"[^>]*>\s*<failure type="ObjectiveMissed" message="backups are kept 7 days, below the required 30 \(--min-retention\)"\/>/,
    )
    expect(junit).to.match(/<testcase name="objective"[^>]*>\s*<failure type="ObjectiveMissed" message="check-retention; check-encryption"\/>/)

    const history = parseJson(await opsctl(['backup', 'history', '--json']))
    expect(history.result.tests.map((t: {verdict: string}) => t.verdict)).to.deep.equal(['failed'])
  })

  it('shows a missed policy check as a failed step, each finding once, in plain lines and the Markdown summary', async () => {
    await createDbInstance('tenant-shard-001', {BackupRetentionPeriod: 7, StorageEncrypted: true})
    const summary = join(process.env.OPSCTL_HOME!, 'summary.md')
    const result = await opsctl(['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--summary', summary])
    expect(result.code).to.equal(4)
    const finding = 'backups are kept 7 days, below the required 30 (--min-retention)'
    expect(result.stdout).to.contain(`✖ check-retention: missed: ${finding}`)
    expect(result.stdout).to.contain('✔ check-encryption')
    expect(result.stdout).to.match(/backup-test succeeded in \S+, objective MISSED: check-retention \(run /)
    expect(result.stdout.split(finding)).to.have.length(2)
    expect(result.stderr).not.to.contain('Warning:')
    expect(result.stderr).to.contain('Error: The backup-test run missed its objective: check-retention (run ')
    const markdown = await readFile(summary, 'utf8')
    expect(markdown).to.contain('### opsctl backup-test: ❌ objective missed')
    expect(markdown).to.contain('> ❌ Missed: check-retention')
    expect(markdown).to.contain(`| ❌ | Policy: automated backups are kept at least the minimum retention | missed: ${finding} |`)
    expect(markdown.split(finding)).to.have.length(2)
  })

  it('draws the RTO trend of each instance in the history, and charts it in the summary of the next test', async () => {
    await createDbInstance('tenant-shard-001', {StorageEncrypted: true})
    const first = parseJson(await opsctl(['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--json']))
    const summary = join(process.env.OPSCTL_HOME!, 'summary.md')
    const second = await opsctl(['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--summary', summary])
    expect(second.code, second.stderr).to.equal(0)
    const markdown = await readFile(summary, 'utf8')
    expect(markdown).to.contain('#### RTO of the backup tests of tenant-shard-001')
    expect(markdown).to.match(
      /```mermaid\nxychart-beta\n {2}title "RTO of the backup tests of tenant-shard-001 \(s\)"\n {2}x-axis \["\d\d-\d\d \d\d:\d\d", "this run"\]\n {2}y-axis "RTO \(s\)" 0 --> 1\n {2}line \[0, 0\]\n```/,
    )

    const history = parseJson(await opsctl(['backup', 'history', '--json']))
    expectMatchesSchema(history, 'backup-history')
    expect(history.result.trends).to.deep.equal([{dbInstanceId: 'tenant-shard-001', rtoSeconds: [first.result.metrics.rtoSeconds, 0]}])
    const table = await opsctl(['backup', 'history'])
    expect(table.stdout).to.match(/^INSTANCE\s+TESTS\s+LAST RTO\s+RTO, OLDEST → NEWEST$/m)
    expect(table.stdout).to.match(/^tenant-shard-001\s+2\s+0ms\s+▁▁ 0ms–0ms$/m)
  })

  it('says so when no backup test has been recorded', async () => {
    const result = await opsctl(['backup', 'history', 'tenant-shard-009'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.contain('No backup tests recorded for tenant-shard-009 yet; run "opsctl backup test <db-instance>".')
  })
})
