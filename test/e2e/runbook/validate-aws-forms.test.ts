import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

const forms = 'test/fixtures/runbooks/valid-aws-forms/'

describe('opsctl runbook validate on the forms of AWS-owned documents (e2e)', () => {
  it('accepts all 40 with warnings only, and exits 0', async () => {
    const result = await opsctl(['runbook', 'validate', forms, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-validate')
    expect(envelope.result).to.include({errors: 0, warnings: 8})
    expect(envelope.result.documents).to.have.length(40)
  })

  it('fails them under --strict with exit 2 and one sentence naming the files with warnings', async () => {
    const result = await opsctl(['runbook', 'validate', forms, '--strict'])
    expect(result.code).to.equal(2)
    expect(result.stdout).to.contain('loop-with-on-cancel.yaml:9:15: warning: aws:loop does not support onCancel (step stopEach)')
    expect(result.stderr.trim().split('\n')).to.have.length(1)
    expect(result.stderr).to.match(/8 warnings \(--strict\) in .*default-not-matching-pattern\.yaml.*; fix them as shown above\./)
  })

  it('says in --help which forms are warnings and why', async () => {
    const result = await opsctl(['runbook', 'validate', '--help'])
    expect(result.code).to.equal(0)
    const help = result.stdout.replace(/\s+/g, ' ')
    expect(help).to.contain("An error is what SSM's CreateDocument would refuse or what cannot run.")
    expect(help).to.contain('(SSM checks values when a run starts)')
  })
})
