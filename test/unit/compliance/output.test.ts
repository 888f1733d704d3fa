import {readFileSync} from 'node:fs'

import {Ajv} from 'ajv'
import addFormats from 'ajv-formats'
import {expect} from 'chai'
import {validateXML} from 'xmllint-wasm'

import {renderers} from '../../../src/lib/compliance/output/index.js'
import type {ComplianceResult, Finding} from '../../../src/lib/compliance/types.js'
import {expectMatchesSchema} from '../../support/schema.js'

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/compliance/${name}`, import.meta.url), 'utf8')

const finding = (over: Partial<Finding>): Finding => ({
  checkId: 'rds-storage-encrypted',
  title: 'RDS DB instances encrypt their storage',
  service: 'rds',
  severity: 'high',
  status: 'PASS',
  accountId: '123456789012',
  region: 'us-east-1',
  resourceType: 'AWS::RDS::DBInstance',
  resourceId: 'tenant-shard-001',
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:db:tenant-shard-001',
  reason: 'DB instance tenant-shard-001 encrypts its storage.',
  ...over,
})

/** A result with every status, and text that breaks naive CSV, XML and Markdown writers. */
const result: ComplianceResult = {
  accountId: '123456789012',
  regions: ['us-east-1', 'eu-west-1'],
  startedAt: '2026-11-23T19:25:15.123Z',
  durationMs: 2345,
  failOn: 'medium',
  mutelist: 'mutelist.yaml',
  verdict: 'failed',
  totals: {pass: 1, fail: 2, muted: 1, error: 1},
  checks: [
    {
      id: 'rds-storage-encrypted',
      title: 'RDS DB instances encrypt their storage',
      service: 'rds',
      severity: 'high',
      configRule: 'RDS_STORAGE_ENCRYPTED',
      prowlerId: 'rds_instance_storage_encrypted',
      pass: 1,
      fail: 1,
      muted: 1,
      error: 0,
    },
    {
      id: 'rds-minor-upgrade',
      title: 'RDS DB instances take automatic minor version upgrades',
      service: 'rds',
      severity: 'low',
      pass: 0,
      fail: 1,
      muted: 0,
      error: 0,
    },
    {id: 'ssm-patch', title: 'SSM managed nodes are patch compliant', service: 'ssm', severity: 'high', pass: 0, fail: 0, muted: 0, error: 1},
    {id: 's3-kms', title: 'S3 buckets encrypt new objects with a KMS key by default', service: 's3', severity: 'medium', pass: 0, fail: 0, muted: 0, error: 0},
  ],
  findings: [
    finding({
      status: 'FAIL',
      resourceId: 'legacy "reporting", <db> & co',
      resourceArn: undefined,
      reason: 'DB instance legacy "reporting", <db> & co does not encrypt its storage.\nSecond line.',
    }),
    finding({
      status: 'MUTED',
      resourceId: 'scratch-db',
      resourceArn: undefined,
      reason: 'DB instance scratch-db does not encrypt its storage.',
      muteReason: 'Throwaway | test data, deleted weekly.',
    }),
    finding({}),
    finding({
      checkId: 'ssm-patch',
      title: 'SSM managed nodes are patch compliant',
      service: 'ssm',
      status: 'ERROR',
      resourceType: 'AWS::Region',
      resourceId: 'eu-west-1',
      resourceArn: undefined,
      region: 'eu-west-1',
      reason: 'Could not read the ssm inventory of eu-west-1 (TimeoutError: connect timed out).',
    }),
    finding({
      checkId: 'rds-minor-upgrade',
      title: 'RDS DB instances take automatic minor version upgrades',
      severity: 'low',
      status: 'FAIL',
      resourceId: 'legacy-reporting',
      reason: 'DB instance legacy-reporting has automatic minor version upgrade off.',
    }),
  ],
}

/** RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += c
  }
  return rows
}

describe('compliance report formats', () => {
  it('writes JSON that matches schemas/compliance-check.json', () => {
    const parsed = JSON.parse(renderers.json(result))
    expectMatchesSchema({status: 3, result: parsed, warnings: []}, 'compliance-check')
    expect(parsed).to.deep.equal(JSON.parse(JSON.stringify(result)))
  })

  it('writes one CSV row per finding that a CSV reader gives back intact', () => {
    const [header, ...rows] = parseCsv(renderers.csv(result))
    expect(header.slice(0, 3)).to.deep.equal(['status', 'severity', 'check_id'])
    expect(rows).to.have.length(result.findings.length)
    const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))
    expect(records[0]).to.include({
      status: 'FAIL',
      resource_id: 'legacy "reporting", <db> & co',
      reason: result.findings[0].reason,
      config_rule: 'RDS_STORAGE_ENCRYPTED',
      prowler_id: 'rds_instance_storage_encrypted',
    })
    expect(records[1]).to.include({status: 'MUTED', mute_reason: 'Throwaway | test data, deleted weekly.'})
  })

  it('writes JUnit that validates against the JUnit schema, a check per test case with its failing resources', async () => {
    const xml = renderers.junit(result)
    const validation = await validateXML({
      xml: [{fileName: 'compliance.xml', contents: xml}],
      schema: [{fileName: 'junit.xsd', contents: fixture('junit.xsd')}],
    })
    expect(validation.errors, JSON.stringify(validation.errors)).to.deep.equal([])
    expect(xml).to.match(/<testsuites name="opsctl compliance" tests="4" failures="1" errors="1" skipped="1"/)
    // rds-minor-upgrade is low, below --fail-on medium: listed, not a failure.
    expect(xml).to.contain('<failure type="high" message="1 of 3 resource(s) fail: legacy &quot;reporting&quot;, &lt;db&gt; &amp; co">')
    expect(xml).to.match(/<testcase name="rds-minor-upgrade" classname="opsctl.compliance.rds" time="0">\n\s+<system-out>FAIL us-east-1 legacy-reporting/)
    expect(xml).to.match(/<testcase name="s3-kms"[^>]*>\n\s+<skipped message="no resource in scope"\/>/)
  })

  it('writes SARIF 2.1.0 that validates against the published schema, with muted results suppressed', () => {
    const ajv = new Ajv({strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false})
    addFormats.default(ajv)
    const validate = ajv.compile(JSON.parse(fixture('sarif-schema-2.1.0.json')))
    const log = JSON.parse(renderers.sarif(result))
    expect(validate(log), ajv.errorsText(validate.errors)).to.equal(true)
    const [run] = log.runs
    expect(run.tool.driver.rules.map((r: {id: string}) => r.id)).to.deep.equal(result.checks.map((c) => c.id))
    expect(run.results.map((r: {ruleId: string; level: string}) => [r.ruleId, r.level])).to.deep.equal([
      ['rds-storage-encrypted', 'error'],
      ['rds-storage-encrypted', 'error'],
      ['rds-minor-upgrade', 'note'],
    ])
    expect(run.results[1].suppressions).to.deep.equal([{kind: 'external', status: 'accepted', justification: 'Throwaway | test data, deleted weekly.'}])
    expect(run.invocations[0]).to.include({executionSuccessful: false})
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).to.contain('eu-west-1')
  })

  it('writes OCSF compliance findings, one per finding', () => {
    const events = JSON.parse(renderers.ocsf(result))
    expect(events).to.have.length(result.findings.length)
    for (const e of events) expect(e).to.include({class_uid: 2003, category_uid: 2, type_uid: 200301, activity_id: 1})
    expect(events[0]).to.deep.include({
      severity_id: 4,
      severity: 'High',
      status: 'New',
      compliance: {
        status_id: 3,
        status: 'Fail',
        control: 'rds-storage-encrypted',
        standards: ['AWS Config RDS_STORAGE_ENCRYPTED', 'Prowler rds_instance_storage_encrypted'],
      },
    })
    expect(events[1]).to.deep.include({status_id: 3, status: 'Suppressed', unmapped: {mute_reason: 'Throwaway | test data, deleted weekly.'}})
    expect(events[2].resources[0]).to.deep.equal({
      uid: 'arn:aws:rds:us-east-1:123456789012:db:tenant-shard-001',
      name: 'tenant-shard-001',
      type: 'AWS::RDS::DBInstance',
      region: 'us-east-1',
      cloud_partition: 'aws',
    })
    expect(events[3].compliance).to.include({status_id: 0, status: 'Unknown'})
    expect(events[0].cloud).to.deep.equal({provider: 'AWS', region: 'us-east-1', account: {uid: '123456789012', type: 'AWS Account', type_id: 10}})
  })

  it('writes a Markdown summary with totals by severity and every finding that is not a pass', () => {
    const md = renderers.markdown(result)
    expect(md).to.contain('### opsctl compliance check: ❌ failed')
    expect(md).to.contain('| high | 1 | 1 | 1 | 1 |')
    expect(md).to.contain('| **total** | **1** | **2** | **1** | **1** |')
    expect(md).to.contain('*Muted: Throwaway \\| test data, deleted weekly.*')
    expect(md).to.contain('FAILED: 1 unmuted finding(s) at or above medium')
    expect(md.split('\n').filter((l) => /^\| (❌|🔇|⚠️) \|/.test(l))).to.have.length(4)
  })
})
