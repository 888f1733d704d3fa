import {stripVTControlCharacters} from 'node:util'

import {expect} from 'chai'

import {complianceSeeder} from '../../../src/lib/sandbox/seed/compliance.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {testSession} from '../../support/aws.js'
import {faultProxyInFrontOfMoto} from '../../support/fault-suite.js'
import {onTerminal} from '../../support/terminal.js'

const SCAN = ['compliance', 'check', '--services', 'rds,ebs', '--regions', 'us-east-1,eu-west-1']
/** A terminal that shows colour, as a person's does (the test environment sets NO_COLOR). */
const COLOUR_TERMINAL = {NO_COLOR: undefined, TERM: 'xterm-256color'}
const SGR = /\u001B\[[\d;]*m/

async function finished(args: string[], env: NodeJS.ProcessEnv = {}) {
  const terminal = onTerminal(args, {env})
  const code = await terminal.exited
  return {code, screen: terminal.screen, text: stripVTControlCharacters(terminal.screen).replace(/\r/g, '')}
}

/** What a person sees while `opsctl compliance check` runs, on a real pseudo-terminal. */
describe('opsctl compliance check on a terminal (e2e, real pseudo-terminal)', () => {
  beforeEach(async function () {
    this.timeout(60_000)
    await seedDemoEstate(await testSession(), [complianceSeeder])
  })

  // rds-cmk reads the kms inventory too, rds-private-subnets the network's (route tables).
  it('shows which services of each region are being read, then the findings grouped by check and the verdict, once', async () => {
    const {code, text} = await finished(SCAN, COLOUR_TERMINAL)
    expect(code, text).to.equal(3)
    expect(text).to.match(/^us-east-1 {2}reading rds, kms, network, ebs$/m)
    expect(text).to.match(/^eu-west-1 {2}reading rds, kms, network, ebs$/m)
    expect(text).to.match(/^CRITICAL {2}rds-not-public {2}RDS DB instances are not publicly accessible {2}\(1 fail, \d+ pass\)$/m)
    // The verdict ends the table on stdout; the terminal shows it once, not again on stderr as an error.
    expect(text.match(/FAILED: /g), text).to.have.length(1)
    expect(text).not.to.contain('Error:')
  })

  it('paints statuses on a colour terminal, and nothing under NO_COLOR', async () => {
    const painted = await finished(SCAN, COLOUR_TERMINAL)
    expect(painted.screen).to.contain('\u001B[31mFAIL\u001B[39m')
    const plain = await finished(SCAN, {...COLOUR_TERMINAL, NO_COLOR: '1'})
    expect(plain.code, plain.text).to.equal(3)
    expect(plain.text).to.contain('  FAIL   us-east-1  DB instance compliance-legacy is publicly accessible.')
    expect(plain.screen).not.to.match(SGR)
  })

  describe('before the regions are read', () => {
    const faults = faultProxyInFrontOfMoto()

    it('says what it waits for while STS does not answer, then clears that line and scans', async function () {
      this.timeout(60_000)
      faults.proxy.inject({service: 'sts', operation: 'GetCallerIdentity'}, 'hang')
      const hung = faults.proxy.nextRequest({service: 'sts', operation: 'GetCallerIdentity'})
      const terminal = onTerminal([...SCAN, '--max-attempts', '1'], {env: {AWS_ENDPOINT_URL: faults.proxy.endpoint}})
      await terminal.waitFor('finding the account with sts:GetCallerIdentity')
      await hung
      expect(stripVTControlCharacters(terminal.screen), 'no region is read before the account is known').not.to.match(/reading/)
      // Its connection is cut: the call is sent again, STS answers this time, and the scan goes on.
      faults.proxy.release()
      const code = await terminal.exited
      const text = stripVTControlCharacters(terminal.screen).replace(/\r/g, '')
      expect(code, text).to.equal(3)
      expect(text).to.contain('(account 123456789012, ')
      expect(terminal.screen, 'the line is erased once STS has answered').to.contain('finding the account with sts:GetCallerIdentity\r\n\r\u001B[1A\u001B[J')
      expect(text).to.match(/^us-east-1 {2}reading rds, kms, network, ebs$/m)
    })
  })

  it('prints the JSON alone with --json: no progress, no table', async () => {
    const {code, text} = await finished([...SCAN, '--json'], COLOUR_TERMINAL)
    expect(code, text).to.equal(3)
    const envelope = JSON.parse(text)
    expect(envelope.result.regions).to.deep.equal(['us-east-1', 'eu-west-1'])
    expect(text).not.to.match(/reading|waiting/)
  })
})
