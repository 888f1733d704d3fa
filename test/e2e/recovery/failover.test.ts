import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DescribeDBClustersCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createAuroraCluster, createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'

const writerOf = async (cluster: string) => {
  const {DBClusters} = await new RDSClient({}).send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))
  return DBClusters?.[0].DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier
}

describe('opsctl failover (e2e against moto)', () => {
  it('refuses an instance that is not Multi-AZ with exit 2 and says how to enable it', async () => {
    await createDbInstance('tenant-shard-001')
    const result = await opsctl(['failover', 'drill', 'tenant-shard-001', '--yes'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('DB instance tenant-shard-001 is not Multi-AZ')
    expect(result.stderr).to.contain('aws rds modify-db-instance --db-instance-identifier tenant-shard-001 --multi-az --apply-immediately')
    expect(result.stderr).not.to.match(/at .*\.js/)
  })

  it('refuses a Multi-AZ drill on the emulator up front in one sentence (exit 2), also as a dry run, instead of polling until the timeout', async () => {
    await createDbInstance('tenant-shard-001', {MultiAZ: true})
    for (const args of [['--yes'], ['--dry-run']]) {
      const result = await opsctl(['failover', 'drill', 'tenant-shard-001', ...args])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr.trim()).to.equal(
        `Error: The endpoint ${process.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL) is an emulator, which cannot fail a DB instance over (a reboot with ForceFailover leaves it where it was), so this drill could only wait until --timeout; drill an Aurora cluster there (--cluster <id>), or unset AWS_ENDPOINT_URL to drill tenant-shard-001 on AWS.`,
      )
      expect(result.stdout).to.contain('✖ check-multi-az: EmulatorCannotFailOver: ')
      expect(result.stdout).not.to.contain('▶ force-failover')
    }
  })

  it('refuses to fail over without a terminal and without --yes (exit 2), and changes nothing', async () => {
    await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b'])
    const result = await opsctl(['failover', 'drill', '--cluster', 'tenants-eu'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('needs confirmation and there is no terminal to ask on; pass --yes to proceed')
    expect(await writerOf('tenants-eu')).to.equal('tenants-eu-a')
  })

  it('refuses a cluster id given for an instance mode before any AWS call', async () => {
    const result = await opsctl(['failover', 'drill', '--cluster', 'tenants-eu', '--mode', 'multi-az', '--yes'], {
      env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'},
    })
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('--cluster tenants-eu names an Aurora DB cluster, which only --mode cluster drills')
  })

  it('drills an Aurora writer failover with --yes --json, then lists it in the history', async () => {
    await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b'])
    const drilled = await opsctl(['failover', 'drill', '--cluster', 'tenants-eu', '--yes', '--json'])
    expect(drilled.code, drilled.stdout + drilled.stderr).to.equal(0)
    const envelope = parseJson(drilled)
    expectMatchesSchema(envelope, 'failover-drill')
    expect(envelope.result.outcome).to.deep.include({mode: 'cluster', target: 'tenants-eu', changed: true, verdict: 'met'})
    expect(envelope.result.outcome.before.position).to.equal('tenants-eu-a')
    expect(envelope.result.outcome.after.position).to.equal('tenants-eu-b')
    expect(await writerOf('tenants-eu')).to.equal('tenants-eu-b')

    const history = await opsctl(['failover', 'history', 'tenants-eu', '--json'])
    expect(history.code, history.stderr).to.equal(0)
    const listed = parseJson(history)
    expectMatchesSchema(listed, 'failover-history')
    expect(listed.result.drills).to.have.length(1)
    expect(listed.result.drills[0]).to.include({runId: envelope.result.runId, mode: 'cluster', target: 'tenants-eu', verdict: 'met'})
    expect(listed.result.trends[0]).to.include({target: 'tenants-eu', drills: 1, direction: 'too few drills'})
  })

  it('charts the RTO of the earlier drills of the target and this one in the Markdown summary, and draws it in the history', async () => {
    await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b'])
    expect((await opsctl(['failover', 'drill', '--cluster', 'tenants-eu', '--yes'])).code).to.equal(0)
    const summary = join(process.env.OPSCTL_HOME!, 'drill.md')
    const drilled = await opsctl(['failover', 'drill', '--cluster', 'tenants-eu', '--yes', '--summary', summary], {
      env: {GITHUB_STEP_SUMMARY: join(process.env.OPSCTL_HOME!, 'step-summary.md')},
    })
    expect(drilled.code, drilled.stderr).to.equal(0)
    for (const file of [summary, join(process.env.OPSCTL_HOME!, 'step-summary.md')]) {
      const markdown = readFileSync(file, 'utf8')
      expect(markdown).to.contain('#### RTO of the cluster drills of tenants-eu')
      expect(markdown).to.match(/```mermaid\nxychart-beta\n(.*\n)* {2}x-axis \["[^"]+", "this run"\]\n(.*\n)* {2}line \[[\d.]+, [\d.]+\]\n```/)
    }
    const history = await opsctl(['failover', 'history', 'tenants-eu'])
    expect(history.stdout).to.match(/^tenants-eu\s+cluster\s+2\s+.*[▁▂▃▄▅▆▇█]{2} [\d.]+ s–[\d.]+ s$/m)
    expectMatchesSchema(parseJson(await opsctl(['failover', 'history', '--json'])), 'failover-history')
  })

  it('prints the transitions, the RTO figures and the verdict for people', async () => {
    await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b'])
    const result = await opsctl(['failover', 'drill', '--cluster', 'tenants-eu', '--yes'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('writer: tenants-eu-a → tenants-eu-b')
    expect(result.stdout).to.match(/RTO [\d.]+ s \(no failover events; [\d.]+ s from polling every 1 s\); target 120 s\./)
    expect(result.stdout).to.contain('Objective met.')
  })
})
