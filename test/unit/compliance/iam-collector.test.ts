import {GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient} from '@aws-sdk/client-iam'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import sinon from 'sinon'

import type {AwsSession} from '../../../src/lib/aws/session.js'
import {checks} from '../../../src/lib/compliance/checks/index.js'
import type {CollectorContext} from '../../../src/lib/compliance/inventory/collector.js'
import {CREDENTIAL_REPORT_WAIT, collectIam} from '../../../src/lib/compliance/inventory/iam.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import {OpsctlError} from '../../../src/lib/errors/errors.js'
import {testSession} from '../../support/aws.js'

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated'
/** A root row as IAM writes one for a root user that never signed in and whose only key, inactive, was never used. */
const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,2019-03-02T10:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
const USER =
  'operator,arn:aws:iam::123456789012:user/operator,2024-01-01T00:00:00+00:00,true,2026-11-20T08:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,false,true,2024-01-01T00:00:00+00:00,2026-11-22T08:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
const report = (...rows: string[]) => ({Content: new TextEncoder().encode([HEADER, ...rows].join('\n')), ReportFormat: 'text/csv' as const})
const SHORT_WAIT = {firstPollMs: 5, longestPollMs: 20, maxWaitMs: 150}
const now = new Date('2026-11-23T12:00:00Z')

const notReady = (name: string) => Object.assign(new Error(`${name} from IAM`), {name})

describe('the IAM inventory: the root user from the credential report (SDK mocks: moto has no root row and no slow report)', () => {
  let iam: AwsClientStub<IAMClient>
  let session: AwsSession
  const context = (region = 'us-east-1'): CollectorContext => ({
    session,
    home: session,
    region,
    accountRegion: 'us-east-1',
    accountId: '123456789012',
    withTags: false,
    once: (_key, fetch) => fetch(),
  })
  const calls = (Command: typeof GenerateCredentialReportCommand | typeof GetCredentialReportCommand) => iam.commandCalls(Command as never).length

  before(async () => {
    iam = mockClient(IAMClient)
    session = await testSession()
  })
  beforeEach(() => iam.reset())
  after(() => iam.restore())

  it('reads a fresh report in two calls and reads N/A and no_information as no use, which the checks pass', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({State: 'COMPLETE'})
    iam.on(GetCredentialReportCommand).resolves(report(ROOT, USER))
    const inventory = await collectIam(context(), SHORT_WAIT)
    expect(inventory).to.deep.equal({
      root: {
        accountId: '123456789012',
        arn: 'arn:aws:iam::123456789012:root',
        mfaActive: true,
        accessKeys: [
          {slot: 1, active: false, lastUsed: undefined},
          {slot: 2, active: false, lastUsed: undefined},
        ],
        passwordLastUsed: undefined,
      },
    })
    expect([calls(GenerateCredentialReportCommand), calls(GetCredentialReportCommand)]).to.deep.equal([1, 1])
    const ctx = {region: 'us-east-1', accountId: '123456789012', now, minRetentionDays: 30, maxRotationDays: 365, cpuThreshold: 60}
    const verdicts = checks.filter((c) => c.service === 'iam').map((c) => [c.id, c.evaluate({iam: inventory} as RegionInventory, ctx)[0].pass])
    expect(verdicts).to.deep.equal([
      ['iam-root-mfa', true],
      ['iam-root-no-access-keys', true],
      ['iam-root-unused', true],
    ])
  })

  it('polls while IAM generates the report (STARTED, INPROGRESS) and reads it once COMPLETE', async () => {
    iam.on(GenerateCredentialReportCommand).resolvesOnce({State: 'STARTED'}).resolvesOnce({State: 'INPROGRESS'}).resolves({State: 'COMPLETE'})
    iam.on(GetCredentialReportCommand).resolves(report(ROOT))
    expect((await collectIam(context(), SHORT_WAIT)).root?.mfaActive).to.equal(true)
    expect([calls(GenerateCredentialReportCommand), calls(GetCredentialReportCommand)]).to.deep.equal([3, 1])
  })

  it('generates the report again when reading it meets ReportInProgress, ReportNotPresent or ReportExpired', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({State: 'COMPLETE'})
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(notReady('CredentialReportNotReadyException'))
      .rejectsOnce(notReady('CredentialReportNotPresentException'))
      .rejectsOnce(notReady('CredentialReportExpiredException'))
      .resolves(report(USER, ROOT))
    expect((await collectIam(context(), SHORT_WAIT)).root?.arn).to.equal('arn:aws:iam::123456789012:root')
    expect([calls(GenerateCredentialReportCommand), calls(GetCredentialReportCommand)]).to.deep.equal([4, 4])
  })

  it('gives up with one sentence once the report is not ready within the wait, after polls at growing intervals', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({State: 'INPROGRESS'})
    const started = Date.now()
    const error = await collectIam(context(), SHORT_WAIT).catch((e: Error) => e)
    expect(error).to.be.instanceOf(OpsctlError).and.to.include({code: 'CredentialReportNotReady'})
    expect((error as Error).message).to.equal('IAM did not finish generating the credential report within 150ms; run the check again in a minute.')
    expect(Date.now() - started).to.be.below(1000)
    // Pauses of 5, 10, 20, 20 … ms within 150 ms: about eight polls, not the 30 a fixed 5 ms would make.
    expect(calls(GenerateCredentialReportCommand)).to.be.within(4, 10)
    expect(calls(GetCredentialReportCommand)).to.equal(0)
  })

  it('refuses a report without a root row instead of judging nobody', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({State: 'COMPLETE'})
    iam.on(GetCredentialReportCommand).resolves(report(USER))
    const error = await collectIam(context(), SHORT_WAIT).catch((e: Error) => e)
    expect(error).to.be.instanceOf(OpsctlError).and.to.include({code: 'CredentialReportWithoutRoot'})
    expect((error as Error).message.split('. ')).to.have.length(1)
  })

  it('refuses a root row whose dates are not dates', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({State: 'COMPLETE'})
    iam.on(GetCredentialReportCommand).resolves(report(ROOT.replace('no_information', 'yesterday')))
    const error = await collectIam(context(), SHORT_WAIT).catch((e: Error) => e)
    expect(error).to.be.instanceOf(OpsctlError)
    expect((error as Error).message).to.match(/^The IAM credential report's password_last_used of the root user reads "yesterday", which is not a date;/)
  })

  it('lets any other IAM error through (access denied is not a report in progress)', async () => {
    iam.on(GenerateCredentialReportCommand).rejects(Object.assign(new Error('not authorized to perform iam:GenerateCredentialReport'), {name: 'AccessDenied'}))
    const error = await collectIam(context(), SHORT_WAIT).catch((e: Error) => e)
    expect(error).to.have.property('name', 'AccessDenied')
    expect(calls(GenerateCredentialReportCommand)).to.equal(1)
  })

  it('reads nothing in a region other than the account region', async () => {
    expect(await collectIam(context('eu-west-1'), SHORT_WAIT)).to.deep.equal({})
    expect(iam.calls()).to.have.length(0)
  })

  describe('in a scan', () => {
    const sandbox = sinon.createSandbox()
    beforeEach(() => {
      for (const [key, value] of Object.entries(SHORT_WAIT)) sandbox.replace(CREDENTIAL_REPORT_WAIT, key as keyof typeof SHORT_WAIT, value)
    })
    afterEach(() => sandbox.restore())

    it('reports ERROR with the sentence, never PASS, and the scan is incomplete when the report is never ready', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({State: 'INPROGRESS'})
      const result = await runComplianceScan(session, {
        checks: selectChecks({services: ['iam']}),
        regions: ['us-east-1', 'eu-west-1'],
        accountId: '123456789012',
        failOn: 'critical',
        minRetentionDays: 30,
      })
      expect(result.verdict).to.equal('incomplete')
      expect(result.findings.map((f) => [f.checkId, f.region, f.status, f.reason])).to.deep.equal(
        ['iam-root-mfa', 'iam-root-no-access-keys', 'iam-root-unused'].map((id) => [
          id,
          'us-east-1',
          'ERROR',
          'Could not read the iam inventory of us-east-1: IAM did not finish generating the credential report within 150ms; run the check again in a minute.',
        ]),
      )
    })
  })
})
