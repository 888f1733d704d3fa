import {stripVTControlCharacters} from 'node:util'

import {expect} from 'chai'

import {checks} from '../../../src/lib/compliance/checks/index.js'
import {renderers} from '../../../src/lib/compliance/output/index.js'
import {renderTable, terminalView} from '../../../src/lib/compliance/output/table.js'
import {count} from '../../../src/lib/compliance/scan.js'
import type {ComplianceResult, Finding} from '../../../src/lib/compliance/types.js'
import {color} from '../../../src/lib/report/colors.js'

const check = (id: string) => checks.find((c) => c.id === id)!

const finding = (checkId: string, status: Finding['status'], resourceId: string, over: Partial<Finding> = {}): Finding => {
  const {title, service, severity} = check(checkId)
  return {
    checkId,
    title,
    service,
    severity,
    status,
    accountId: '123456789012',
    region: 'us-east-1',
    resourceType: 'AWS::EC2::Volume',
    resourceId,
    reason: `Resource ${resourceId} is ${status === 'PASS' ? '' : 'not '}fine.`,
    ...over,
  }
}

/** A result as the scan makes it: totals and per-check counts from the findings, in the scan's order. */
function resultOf(findings: Finding[], region = 'us-east-1'): ComplianceResult {
  const ids = [...new Set(findings.map((f) => f.checkId))]
  const failing = findings.filter((f) => f.status === 'FAIL').length
  return {
    accountId: '123456789012',
    regions: [...new Set([region, ...findings.map((f) => f.region)])],
    startedAt: '2026-11-23T19:25:15.123Z',
    durationMs: 1300,
    failOn: 'informational',
    verdict: failing > 0 ? 'failed' : 'passed',
    totals: count(findings),
    checks: ids.map((id) => ({
      id,
      title: check(id).title,
      service: check(id).service,
      severity: check(id).severity,
      ...count(findings.filter((f) => f.checkId === id)),
    })),
    findings,
  }
}

const volumes = (n: number, status: Finding['status']) =>
  Array.from({length: n}, (_, i) => finding('ebs-volume-encrypted', status, `vol-${status.toLowerCase()}-${i + 1}`))

/** Eight unencrypted volumes, a muted one and two that pass; a critical check below a medium one in the list. */
const estate = resultOf([
  ...volumes(7, 'FAIL'),
  finding('ebs-volume-encrypted', 'MUTED', 'vol-scratch', {muteReason: 'Scratch volume, wiped nightly.'}),
  ...volumes(2, 'PASS'),
  finding('ebs-default-encryption', 'PASS', 'us-east-1'),
  finding('rds-not-public', 'FAIL', 'legacy-reporting', {resourceType: 'AWS::RDS::DBInstance', reason: 'DB instance legacy-reporting is publicly accessible.'}),
])

const lines = (text: string) => stripVTControlCharacters(text).split('\n')

describe('compliance terminal table', () => {
  it('gives every check a line with its severity, id, title and counts, most severe first', () => {
    const headers = lines(renderTable(estate, terminalView)).filter((l) => /^[A-Z]/.test(l))
    expect(headers.slice(0, 3)).to.deep.equal([
      'CRITICAL  rds-not-public  RDS DB instances are not publicly accessible  (1 fail)',
      'HIGH      ebs-volume-encrypted  EBS volumes are encrypted  (7 fail, 1 muted, 2 pass)',
      'MEDIUM    ebs-default-encryption  EBS encryption by default is on in the region  (1 pass)',
    ])
  })

  it('lists the first 5 findings of a check that are not a pass, then says how many more there are', () => {
    const text = lines(renderTable(estate, terminalView))
    const start = text.findIndex((l) => l.startsWith('HIGH'))
    expect(text.slice(start + 1, start + 7)).to.deep.equal([
      '  FAIL   Resource vol-fail-1 is not fine.',
      '  FAIL   Resource vol-fail-2 is not fine.',
      '  FAIL   Resource vol-fail-3 is not fine.',
      '  FAIL   Resource vol-fail-4 is not fine.',
      '  FAIL   Resource vol-fail-5 is not fine.',
      '  … and 3 more (--all-findings to list every one)',
    ])
    expect(text.join('\n')).not.to.contain('vol-pass-1')
  })

  it('lists every finding with --all-findings, as the table written to a file does', () => {
    for (const text of [renderTable(estate, {width: terminalView.width}), renderers.table(estate)]) {
      const shown = lines(text)
      expect(shown.filter((l) => /^ {2}(FAIL|MUTED) {2,}Resource vol-/.test(l))).to.have.length(8)
      expect(shown).to.include('  MUTED  Resource vol-scratch is not fine. Muted: Scratch volume, wiped nightly.')
      expect(shown.join('\n')).not.to.contain('more (--all-findings')
      expect(shown.join('\n')).not.to.contain('vol-pass-1')
    }
  })

  it('cuts a long reason with an ellipsis to fit 100 columns on the terminal, never in a file', () => {
    const reason = `EBS volume vol-long is not encrypted, ${'and this sentence goes on '.repeat(6)}to the end.`
    const result = resultOf([finding('ebs-volume-encrypted', 'FAIL', 'vol-long', {reason})])
    const shown = lines(renderTable(result, terminalView)).find((l) => l.includes('vol-long'))!
    expect(shown).to.have.length(100)
    expect(shown).to.match(/^ {2}FAIL {3}EBS volume vol-long is not encrypted, and this sentence goes on .*…$/)
    expect(renderers.table(result)).to.contain(reason)
  })

  it('wraps a long ERROR reason within 100 columns instead of cutting what to do', () => {
    const reason =
      'Could not read the ssm inventory of us-east-1: http://127.0.0.1:41561 does not implement ssm:ListResourceComplianceSummaries (it answered HTTP 500); the emulator does not implement it, so run this against AWS.'
    const text = lines(renderTable(resultOf([finding('ssm-patch', 'ERROR', 'us-east-1', {reason})]), terminalView))
    const rows = text.slice(1, text.indexOf(''))
    for (const row of rows) expect(row.length).to.be.at.most(100)
    expect(rows.map((r) => r.trim()).join(' ')).to.equal(`ERROR  ${reason}`)
  })

  it('shows the region of each finding when the findings span several regions', () => {
    const result = resultOf([
      finding('ebs-default-encryption', 'FAIL', 'eu-west-1', {region: 'eu-west-1', reason: 'Region eu-west-1 has EBS encryption by default off.'}),
      ...volumes(1, 'FAIL'),
    ])
    expect(lines(renderTable(result, terminalView))).to.include.members([
      '  FAIL   eu-west-1  Region eu-west-1 has EBS encryption by default off.',
      '  FAIL   us-east-1  Resource vol-fail-1 is not fine.',
    ])
  })

  it('ends with the totals and the verdict line', () => {
    expect(lines(renderTable(estate, terminalView)).slice(-3)).to.deep.equal([
      '',
      '3 pass, 8 fail, 1 muted, 0 error from 3 checks in us-east-1 (account 123456789012, 1.3s).',
      'FAILED: 8 unmuted finding(s) at or above informational; fix them or mute them with a reason in a mutelist.',
    ])
  })

  it('lines the columns up the same whether it paints them or not', () => {
    const level = color.level
    try {
      color.level = 0
      const plain = renderTable(estate, terminalView)
      color.level = 1
      const painted = renderTable(estate, terminalView)
      expect(painted).to.contain('\u001B[31mFAIL\u001B[39m')
      expect(stripVTControlCharacters(painted)).to.equal(plain)
    } finally {
      color.level = level
    }
  })
})
