import {CreateUserCommand, GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient} from '@aws-sdk/client-iam'
import {expect} from 'chai'

import {parseCredentialReport} from '../../../src/lib/compliance/inventory/iam.js'
import {DAY_MS} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {sandboxSession} from '../../support/sandbox-session.js'

/** The credential report's rows, as a client of the given session reads it once generated. */
async function reportRows(iam: IAMClient): Promise<Record<string, string>[]> {
  await iam.send(new GenerateCredentialReportCommand({}))
  const {Content} = await iam.send(new GetCredentialReportCommand({}))
  return parseCredentialReport(new TextDecoder().decode(Content))
}

describe("the sandbox's stand-in adds the root user to IAM's credential report (against moto)", () => {
  beforeEach(async () => {
    await new IAMClient({}).send(new CreateUserCommand({UserName: 'operator'}))
  })

  it("puts the sandbox's root user first: MFA active, access key 1 active and used 3 days ago, password used 2 days ago", async () => {
    const before = Date.now()
    const rows = await reportRows((await sandboxSession()).client(IAMClient))
    expect(rows.map((r) => r.user)).to.deep.equal(['<root_account>', 'operator'])
    const [root] = rows
    expect(root).to.include({
      arn: 'arn:aws:iam::123456789012:root',
      mfa_active: 'true',
      access_key_1_active: 'true',
      access_key_2_active: 'false',
      access_key_2_last_used_date: 'N/A',
      password_enabled: 'not_supported',
    })
    // Whole days and an hour before the report was read (see sandboxRootRow), give or take a slow machine's minute.
    const hoursBefore = (column: string) => (before - Date.parse(root[column])) / (DAY_MS / 24)
    expect(hoursBefore('access_key_1_last_used_date')).to.be.within(72 + 1 - 0.02, 72 + 1 + 0.02)
    expect(hoursBefore('password_last_used')).to.be.within(48 + 1 - 0.02, 48 + 1 + 0.02)
    expect(Object.values(root), 'every column of the header has a value').to.not.include('')
  })

  it("leaves moto's own answers alone: no report before one is generated, and no root row without the stand-in", async () => {
    const iam = (await sandboxSession()).client(IAMClient)
    const error = await iam.send(new GetCredentialReportCommand({})).catch((e: Error) => e)
    expect(error).to.have.property('name', 'CredentialReportNotPresentException')
    expect((await reportRows((await testSession()).client(IAMClient))).map((r) => r.user)).to.deep.equal(['operator'])
  })
})
