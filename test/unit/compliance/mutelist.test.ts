import {expect} from 'chai'

import {checks} from '../../../src/lib/compliance/checks/index.js'
import {muteEntryFor, parseMutelist} from '../../../src/lib/compliance/mutelist.js'
import type {Finding} from '../../../src/lib/compliance/types.js'

const ids = checks.map((c) => c.id)
const parse = (lines: string[]) => parseMutelist(lines.join('\n'), 'mutelist.yaml', ids)
const refusal = (lines: string[]) => {
  try {
    parse(lines)
  } catch (error) {
    return error as Error & {exitCode: number}
  }
  throw new Error('the mutelist was accepted')
}

const failed: Finding = {
  checkId: 'rds-not-public',
  title: '',
  service: 'rds',
  severity: 'critical',
  status: 'FAIL',
  accountId: '123456789012',
  region: 'eu-west-1',
  resourceType: 'AWS::RDS::DBInstance',
  resourceId: 'legacy-reporting',
  resourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:legacy-reporting',
  reason: '',
}

describe('compliance mutelist', () => {
  it('names the line and the reason of a malformed entry, as a usage error', () => {
    const missingReason = refusal(['mutelist:', '  - check: rds-not-public', '    resource: legacy-reporting'])
    expect(missingReason.message).to.equal('Mutelist mutelist.yaml line 2: every entry needs a reason; fix the file and run again.')
    expect(missingReason.exitCode).to.equal(2)
    expect(refusal(['mutelist:', '  - reason: ok', '    check: rds-not-publik']).message).to.contain('line 3: unknown check "rds-not-publik"')
    expect(refusal(['mutelist:', '  - reason: ok', '    check: rds-*', '    resorce: x']).message).to.contain('line 4: unknown field "resorce"')
    expect(refusal(['mutelist:', '  - reason: mutes everything', '    region: eu-west-1']).message).to.contain('line 2: an entry needs a check or a resource')
    expect(refusal(['mutelist:', '  - reason: "unterminated', '    check: x']).message).to.match(/^Mutelist mutelist.yaml line [23]: /)
    expect(refusal(['checks: []']).message).to.contain('line 1: expected a top-level "mutelist:" key')
  })

  it('matches by check pattern, resource id or ARN, account, region and tags, all given fields together', () => {
    const entry = (lines: string[]) => muteEntryFor(parse(['mutelist:', '  - reason: accepted', ...lines]), failed, {env: 'reporting', team: 'bi'})
    expect(entry(['    check: rds-*'])?.reason).to.equal('accepted')
    expect(entry(['    resource: arn:aws:rds:eu-west-1:*:db:legacy-*'])).not.to.equal(undefined)
    expect(entry(['    check: rds-not-public', '    region: [us-east-1, eu-*]', '    account: "123456789012"'])).not.to.equal(undefined)
    expect(entry(['    check: rds-not-public', '    region: us-east-1'])).to.equal(undefined)
    expect(entry(['    resource: legacy-reporting', '    tags: {env: report*}'])).not.to.equal(undefined)
    expect(entry(['    resource: legacy-reporting', '    tags: {env: production}'])).to.equal(undefined)
    expect(entry(['    check: kms-*'])).to.equal(undefined)
  })
})
