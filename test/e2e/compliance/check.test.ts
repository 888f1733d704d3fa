import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {expect} from 'chai'

import {complianceSeeder} from '../../../src/lib/sandbox/seed/compliance.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {testSession} from '../../support/aws.js'
import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

/** Nothing listens here: a command that reached AWS would fail with a connection error, not a usage error. */
const unreachable = {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}
// Services moto implements fully; Config rules, Config delivery status and SSM compliance are covered with mocks in test/integration.
const MOTO_SERVICES = ['--services', 'rds,kms,cloudtrail,ebs,s3']

describe('opsctl compliance (e2e)', () => {
  it('lists every check with its metadata', async () => {
    const listed = await opsctl(['compliance', 'list', '--json'])
    expect(listed.code, listed.stderr).to.equal(0)
    const envelope = parseJson(listed)
    expectMatchesSchema(envelope, 'compliance-list')
    expect(envelope.result.checks).to.have.length(34)
    expect(envelope.result.checks.find((c: {id: string}) => c.id === 'rds-storage-encrypted')).to.include({
      configRule: 'RDS_STORAGE_ENCRYPTED',
      prowlerId: 'rds_instance_storage_encrypted',
    })
  })

  describe('refuses bad input with exit 2 before anything is scanned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsctl-mutelist-'))
    const cases: [string, string[], RegExp][] = [
      ['an unknown check id', ['--checks', 'rds-storage-encrypted,rds-nope'], /Unknown check id "rds-nope"/],
      ['an unknown service', ['--services', 'rds,dynamodb'], /Unknown service "dynamodb"; choose from rds, ec2, iam, kms, secretsmanager, cloudwatch,/],
      ['an unknown severity', ['--severity', 'urgent'], /Unknown severity "urgent"/],
      ['an unknown --fail-on', ['--fail-on', 'severe'], /^Error: --fail-on takes one of critical, high, medium, low, informational, not "severe"\./],
      [
        'a misspelled --fail-on',
        ['--fail-on', 'hihg'],
        /^Error: --fail-on takes one of critical, high, medium, low, informational, not "hihg"; did you mean high\?/,
      ],
      ['an unknown format', ['--format', 'xml'], /^Error: --format takes one of table, json, csv, junit, sarif, ocsf, markdown, not "xml"\./],
      ['a --cpu-threshold of 0', ['--cpu-threshold', '0'], /^Error: --cpu-threshold "0" is not a percentage from 1 to 100; write it like 60\./],
      ['a --cpu-threshold above 100', ['--cpu-threshold', '100.5'], /--cpu-threshold "100\.5" is not a percentage from 1 to 100/],
      ['a --cpu-threshold that is not a number', ['--cpu-threshold', 'sixty'], /--cpu-threshold "sixty" is not a percentage from 1 to 100/],
      ['a --cpu-threshold written with a sign', ['--cpu-threshold', '60%'], /--cpu-threshold "60%" is not a percentage from 1 to 100/],
      ['an unknown region', ['--regions', 'us-east-1,us-mars-1'], /Unknown AWS region "us-mars-1"/],
      ['a malformed mutelist', ['--mutelist', join(dir, 'bad.yaml')], /Mutelist .*bad\.yaml line 3: unknown check "rds-no-such-check"/],
      ['a missing mutelist', ['--mutelist', join(dir, 'missing.yaml')], /Cannot read mutelist .*missing\.yaml \(ENOENT\)/],
    ]
    before(() => writeFileSync(join(dir, 'bad.yaml'), 'mutelist:\n  - reason: accepted\n    check: rds-no-such-check\n'))
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const result = await opsctl(['compliance', 'check', ...args], {env: unreachable})
        expect(result.code, result.stderr).to.equal(2)
        expect(result.stderr).to.match(message)
        expect(result.stderr).not.to.match(/at .*\.js/)
      })
    }

    it('says the same in the --json envelope, and refuses a format that --json would crowd off stdout', async () => {
      const badValue = await opsctl(['compliance', 'check', '--format', 'jsno', '--json'], {env: unreachable})
      expect(badValue.code, badValue.stderr).to.equal(2)
      expect(parseJson(badValue).error).to.deep.equal({
        code: 'InvalidInput',
        message: '--format takes one of table, json, csv, junit, sarif, ocsf, markdown, not "jsno"; did you mean json?',
      })
      const noFile = await opsctl(['compliance', 'check', '--format', 'sarif', '--json'], {env: unreachable})
      expect(noFile.code, noFile.stderr).to.equal(2)
      expect(parseJson(noFile).error).to.deep.equal({
        code: 'FormatNeedsOutput',
        message: '--json prints the JSON result on stdout, so --format sarif needs --output <file>.',
      })
    })
  })

  describe('against the seeded estate', () => {
    beforeEach(async function () {
      this.timeout(60_000)
      await seedDemoEstate(await testSession(), [complianceSeeder])
    })

    it('exits 3 with the findings in the --json envelope, and appends a Markdown summary for GitHub', async () => {
      const summary = join(mkdtempSync(join(tmpdir(), 'opsctl-summary-')), 'summary.md')
      writeFileSync(summary, '## earlier step\n')
      const result = await opsctl(['compliance', 'check', ...MOTO_SERVICES, '--regions', 'us-east-1,eu-west-1', '--json'], {
        env: {GITHUB_STEP_SUMMARY: summary},
      })
      expect(result.code, result.stderr).to.equal(3)
      const envelope = parseJson(result)
      expectMatchesSchema(envelope, 'compliance-check')
      expect(envelope.error).to.include({code: 'Findings'})
      expect(envelope.result.verdict).to.equal('failed')
      expect(
        envelope.result.findings.find((f: {checkId: string; resourceId: string}) => f.checkId === 'rds-not-public' && f.resourceId === 'compliance-legacy'),
      ).to.include({status: 'FAIL', reason: 'DB instance compliance-legacy is publicly accessible.'})
      const markdown = readFileSync(summary, 'utf8')
      expect(markdown).to.match(/^## earlier step\n### opsctl compliance check: ❌ failed/)
    })

    it('exits 0 when nothing fails at or above --fail-on, and writes the chosen format to --output', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'opsctl-report-')), 'report.csv')
      const result = await opsctl(['compliance', 'check', '--checks', 'rds-minor-upgrade', '--fail-on', 'medium', '--format', 'csv', '--output', out])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.contain('PASSED: no unmuted finding at or above medium.')
      expect(result.stdout).to.contain(`Wrote the csv report to ${out}.`)
      expect(readFileSync(out, 'utf8')).to.match(/^status,severity,check_id,/)
    })

    it('prints a line per check with its counts and failing resources, then the verdict, and no progress in a pipe', async () => {
      const result = await opsctl(['compliance', 'check', '--services', 'rds', '--severity', 'critical'])
      expect(result.code).to.equal(3)
      expect(result.stdout).to.match(
        /^CRITICAL {2}rds-not-public {2}RDS DB instances are not publicly accessible {2}\(1 fail, \d+ pass\)\n {2}FAIL {3}DB instance compliance-legacy is publicly accessible\.\n/,
      )
      expect(result.stdout).to.contain('\nCRITICAL  rds-snapshot-private  RDS manual snapshots are not public  (1 fail, ')
      expect(result.stderr).to.contain('FAILED: 2 unmuted finding(s) at or above informational')
      // Progress is for a person at a terminal: none in a pipe, on either stream.
      for (const output of [result.stdout, result.stderr]) expect(output).not.to.match(/reading|waiting/)
    })

    it('judges only the EBS snapshots the account owns, not the public ones moto lists with them', async () => {
      const seeded = (
        await new EC2Client({}).send(new DescribeSnapshotsCommand({OwnerIds: ['self'], Filters: [{Name: 'tag:opsctl:seed', Values: ['compliance']}]}))
      ).Snapshots!
      expect(seeded).to.have.length(2)
      const result = await opsctl(['compliance', 'check', '--checks', 'ebs-snapshot-encrypted', '--json'])
      const {result: scan} = parseJson(result)
      expect(scan.findings.map((f: {resourceId: string}) => f.resourceId)).to.have.members(seeded.map((s) => s.SnapshotId))
      expect(scan.checks[0]).to.include({pass: 1, fail: 1})
    })

    it('lists the first 5 failing resources of a check, every one with --all-findings, and every one in --output files', async () => {
      const ec2 = new EC2Client({})
      for (let i = 0; i < 7; i++) await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, Encrypted: false}))
      const failing = (await ec2.send(new DescribeVolumesCommand({Filters: [{Name: 'encrypted', Values: ['false']}]}))).Volumes!.length
      const out = join(mkdtempSync(join(tmpdir(), 'opsctl-report-')), 'report.txt')
      const rows = (text: string) => text.split('\n').filter((l) => /^ {2}FAIL {3}EBS volume vol-/.test(l)).length

      const first = await opsctl(['compliance', 'check', '--checks', 'ebs-volume-encrypted', '--output', out])
      expect(first.code, first.stderr).to.equal(3)
      expect(first.stdout).to.match(new RegExp(`^HIGH {6}ebs-volume-encrypted {2}EBS volumes are encrypted {2}\\(${failing} fail, 1 pass\\)\n`))
      expect(rows(first.stdout)).to.equal(5)
      expect(first.stdout).to.contain(`  … and ${failing - 5} more (--all-findings to list every one)`)
      expect(rows(readFileSync(out, 'utf8'))).to.equal(failing)

      const all = await opsctl(['compliance', 'check', '--checks', 'ebs-volume-encrypted', '--all-findings'])
      expect(rows(all.stdout)).to.equal(failing)
      expect(all.stdout).not.to.contain('--all-findings to list')
    })
  })

  it('turns an unreachable endpoint into ERROR findings and exit 1, not a hang', async function () {
    this.timeout(60_000)
    const result = await opsctl(['compliance', 'check', '--services', 'ebs', '--json', '--max-attempts', '1'], {env: unreachable})
    expect(result.code, result.stderr).to.equal(1)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'compliance-check')
    expect(envelope.error).to.include({code: 'ScanIncomplete'})
    expect(envelope.warnings).to.deep.equal(['Could not read the account id with sts:GetCallerIdentity; mutelist entries by account will not match.'])
    expect(envelope.result.findings.map((f: {status: string}) => f.status)).to.deep.equal(['ERROR', 'ERROR', 'ERROR'])
    expect(envelope.result.findings[0].reason).to.equal(
      'Could not read the ebs inventory of us-east-1: Cannot reach http://127.0.0.1:9: the connection was refused; is the sandbox running? Start it with "opsctl sandbox start" (then eval "$(opsctl sandbox env)"), or unset AWS_ENDPOINT_URL to reach AWS.',
    )
  })
})
