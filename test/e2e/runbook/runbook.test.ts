import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {renderedOnTerminal} from '../../support/terminal.js'

const failover = 'runbooks/opsctl-MultiAzFailoverTest.yaml'

describe('opsctl runbook (e2e)', () => {
  it('validates every document shipped in runbooks/ (what CI runs)', async () => {
    const result = await opsctl(['runbook', 'validate', 'runbooks/', '--strict', '--json'])
    expect(result.code, result.stdout).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-validate')
    expect(envelope.result.documents.length).to.be.at.least(4)
    expect(envelope.result.errors).to.equal(0)
  })

  it('prints file:line:column and the fix for the published PostgreSQL runbook, and exits 2', async () => {
    const result = await opsctl(['runbook', 'validate', 'test/fixtures/runbooks/invalid/practices-postgres-patch.yaml'])
    expect(result.code).to.equal(2)
    expect(result.stdout).to.contain(
      'practices-postgres-patch.yaml:15:13: error: Step snapshotVolume uses aws:createSnapshot, which is not an Automation action. Fix: use aws:executeAwsApi with Service ec2 and Api CreateSnapshot',
    )
    expect(result.stderr).to.contain('in test/fixtures/runbooks/invalid/practices-postgres-patch.yaml')
  })

  it('plans a run with resolved parameters, API calls and jumps', async () => {
    const result = await opsctl(['runbook', 'plan', failover, '-p', 'DBInstanceIdentifier=tenant-shard-001', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-plan')
    const reboot = envelope.result.steps.find((s: {name: string}) => s.name === 'rebootWithFailover')
    expect(reboot).to.deep.include({mutates: true, calls: ['rds:RebootDBInstance']})
    expect(reboot.inputs.DBInstanceIdentifier).to.equal('tenant-shard-001')
    const branch = envelope.result.steps.find((s: {name: string}) => s.name === 'checkMultiAz')
    expect(branch.jumps).to.deep.equal([
      {kind: 'choice', target: 'rebootWithFailover'},
      {kind: 'default', target: 'notMultiAz'},
    ])
  })

  it('names a missing parameter and a value outside allowedPattern with exit 2', async () => {
    const missing = await opsctl(['runbook', 'plan', failover])
    expect(missing.code).to.equal(2)
    expect(missing.stderr).to.contain('Parameter DBInstanceIdentifier is required')
    const bad = await opsctl(['runbook', 'run', failover, '-p', 'DBInstanceIdentifier=1-bad'])
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.contain('Parameter DBInstanceIdentifier is "1-bad", which does not match')
  })

  it('derives the least-privilege policy of the patch runbook, its rollback included', async () => {
    const result = await opsctl(['runbook', 'iam', 'runbooks/opsctl-PatchPostgreSQL.yaml', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-iam')
    expect(envelope.result.actions).to.include.members(['ec2:CreateSnapshot', 'ec2:CreateVolume', 'ec2:AttachVolume', 'ec2:DetachVolume', 'sns:Publish'])
    expect(envelope.result.actions).to.not.include('ec2:DeleteVolume')
  })

  it('runs the failover test locally against the sandbox, journals it and writes a JUnit report', async () => {
    await createDbInstance('tenant-shard-001', {MultiAZ: true})
    const junit = join(mkdtempSync(join(tmpdir(), 'opsctl-junit-')), 'failover.xml')
    const result = await opsctl(['runbook', 'run', failover, '-p', 'DBInstanceIdentifier=tenant-shard-001', '--junit', junit, '--json'])
    expect(result.code, result.stderr + result.stdout).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-run')
    expect(envelope.result.workflow).to.equal('runbook:opsctl-MultiAzFailoverTest')
    expect(readFileSync(junit, 'utf8')).to.contain('reboot-with-failover')
    const shown = await opsctl(['runs', 'show', envelope.result.runId, '--json'])
    expect(parseJson(shown).result.status).to.equal('succeeded')
  })

  it('names a step the run did not take, in plain lines as on the live list', async () => {
    await createDbInstance('tenant-shard-001', {MultiAZ: true})
    const plain = await opsctl(['runbook', 'run', failover, '-p', 'DBInstanceIdentifier=tenant-shard-001'])
    expect(plain.code, plain.stderr).to.equal(0)
    expect(plain.stdout).to.contain('▶ describe-before: describeBefore: Record where the primary runs before the failover.')
    expect(plain.stdout).to.contain('↷ not-multi-az: notMultiAz: Fail the test with the reason in its output. — skipped: not on the path this run took')
    const live = await renderedOnTerminal(['runbook', 'run', failover, '-p', 'DBInstanceIdentifier=tenant-shard-001'], {columns: 120})
    expect(live.code, live.screen).to.equal(0)
    expect(live.screen).to.match(/^↓ notMultiAz: Fail the test with the reason in its output\. — skipped: not on the path this run took$/m)
    expect(live.screen).to.match(/^✔ rebootWithFailover: Reboot with ForceFailover/m)
  })

  it('refuses a document with an action only SSM runs, before anything runs', async () => {
    const result = await opsctl([
      'runbook',
      'run',
      'test/fixtures/runbooks/valid/compute-and-stacks.yaml',
      '-p',
      'AutomationAssumeRole=arn:aws:iam::123456789012:role/x',
    ])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('uses aws:executeScript, which the local engine cannot run; run it with --engine ssm')
  })

  it('publishes a document once, and adds a version only when its content changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsctl-publish-'))
    const file = join(dir, 'opsctl-Demo.yaml')
    writeFileSync(file, readFileSync(failover, 'utf8'))
    const first = parseJson(await opsctl(['runbook', 'publish', file, '--json']))
    expectMatchesSchema(first, 'runbook-publish')
    expect(first.result.documents[0]).to.include({name: 'opsctl-Demo', change: 'created', version: '1'})
    expect(parseJson(await opsctl(['runbook', 'publish', file, '--json'])).result.documents[0]).to.include({change: 'unchanged', version: '1'})
    writeFileSync(file, readFileSync(failover, 'utf8').replace('Expect 60-120 seconds', 'Expect 1-2 minutes'))
    expect(parseJson(await opsctl(['runbook', 'publish', file, '--json'])).result.documents[0]).to.include({change: 'updated', version: '2'})
  })
})
