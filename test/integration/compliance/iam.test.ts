import {CreateAccessKeyCommand, CreateUserCommand, IAMClient} from '@aws-sdk/client-iam'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import type {AwsSession} from '../../../src/lib/aws/session.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import {testSession} from '../../support/aws.js'
import {sandboxSession} from '../../support/sandbox-session.js'

const ACCOUNT = '123456789012'
const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`

/** A scan of the identity checks, with the AWS calls it made. */
async function scanIdentity(session: AwsSession, regions: string[]) {
  const calls: AwsCall[] = []
  const result = await withinCallScope({calls}, () =>
    runComplianceScan(session, {checks: selectChecks({services: ['iam']}), regions, accountId: ACCOUNT, failOn: 'critical', minRetentionDays: 30}),
  )
  const iamCalls = calls.filter((c) => c.service === 'IAM').map((c) => c.operation)
  return {result, iamCalls, findings: result.findings.map((f) => [f.checkId, f.region, f.status, f.resourceId, f.resourceArn, f.reason])}
}

describe('identity hygiene checks against moto', () => {
  beforeEach(async () => {
    // An IAM user with an active key: the report's other rows are never judged as the root user.
    const iam = new IAMClient({})
    await iam.send(new CreateUserCommand({UserName: 'deployer'}))
    await iam.send(new CreateAccessKeyCommand({UserName: 'deployer'}))
  })

  it("judge the sandbox's root user once, in the account region: MFA passes, its active and recently used key fails", async () => {
    const {result, findings} = await scanIdentity(await sandboxSession(), ['us-east-1', 'eu-west-1'])
    expect(findings).to.deep.equal([
      ['iam-root-mfa', 'us-east-1', 'PASS', ACCOUNT, ROOT_ARN, 'The root user of account 123456789012 has MFA active.'],
      ['iam-root-no-access-keys', 'us-east-1', 'FAIL', ACCOUNT, ROOT_ARN, 'The root user of account 123456789012 has an active access key (key 1).'],
      [
        'iam-root-unused',
        'us-east-1',
        'FAIL',
        ACCOUNT,
        ROOT_ARN,
        'The root user of account 123456789012 signed in with its password 2 days ago and used access key 1 3 days ago.',
      ],
    ])
    expect(result.verdict).to.equal('failed')
    for (const f of result.findings) expect(f.reason, 'each reason names its resource').to.contain(f.resourceId)
    expect(result.checks.map((c) => [c.id, c.configRule, c.prowlerId])).to.deep.equal([
      ['iam-root-mfa', 'ROOT_ACCOUNT_MFA_ENABLED', 'iam_root_mfa_enabled'],
      ['iam-root-no-access-keys', 'IAM_ROOT_ACCESS_KEY_CHECK', 'iam_no_root_access_key'],
      ['iam-root-unused', undefined, 'iam_avoid_root_usage'],
    ])
  })

  it('read the credential report with two IAM calls per scan once it exists, and none in the other regions', async () => {
    const session = await sandboxSession()
    // moto answers the first GenerateCredentialReport with STARTED: the collector polls once more before reading.
    expect((await scanIdentity(session, ['us-east-1'])).iamCalls).to.deep.equal(['GenerateCredentialReport', 'GenerateCredentialReport', 'GetCredentialReport'])
    const threeRegions = await scanIdentity(session, ['eu-west-1', 'us-east-1', 'ap-southeast-2'])
    expect(threeRegions.iamCalls).to.deep.equal(['GenerateCredentialReport', 'GetCredentialReport'])
    expect(new Set(threeRegions.findings.map(([, region]) => region))).to.deep.equal(new Set(['us-east-1']))
  })

  it('judge in the first region scanned when the home region is not scanned', async () => {
    const {findings, iamCalls} = await scanIdentity(await sandboxSession(), ['eu-west-1', 'ap-southeast-2'])
    expect(findings.map(([id, region, status]) => [id, region, status])).to.deep.equal([
      ['iam-root-mfa', 'eu-west-1', 'PASS'],
      ['iam-root-no-access-keys', 'eu-west-1', 'FAIL'],
      ['iam-root-unused', 'eu-west-1', 'FAIL'],
    ])
    expect(iamCalls.filter((op) => op === 'GetCredentialReport')).to.have.length(1)
  })

  it('report ERROR, never PASS, and an incomplete scan against plain moto, whose credential report has no root row', async () => {
    const {result, findings} = await scanIdentity(await testSession(), ['us-east-1', 'eu-west-1'])
    const reason =
      'Could not read the iam inventory of us-east-1: The IAM credential report has no root user row, so the root user cannot be judged; run the check with credentials of the account itself (not an emulator that leaves root out).'
    expect(findings).to.deep.equal(
      ['iam-root-mfa', 'iam-root-no-access-keys', 'iam-root-unused'].map((id) => [id, 'us-east-1', 'ERROR', 'us-east-1', undefined, reason]),
    )
    expect(result.verdict).to.equal('incomplete')
    expect(result.totals).to.deep.equal({pass: 0, fail: 0, muted: 0, error: 3})
  })
})
