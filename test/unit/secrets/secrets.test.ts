import {expect} from 'chai'

import {redact} from '../../../src/lib/secrets/redact.js'
import {isSecretName, maskSecrets, registerSecret} from '../../../src/lib/secrets/secrets.js'

describe('secrets tracked by value', () => {
  it('masks a registered value wherever it appears, also escaped for JSON, XML and Markdown', () => {
    const secret = 'p&ss"w|rd-canary-1'
    registerSecret(secret)
    const texts = [
      `Parameter DbPassword is "${secret}"`,
      JSON.stringify({message: secret}),
      `<failure message="p&amp;ss&quot;w|rd-canary-1"/>`,
      '| p&ss"w\\|rd-canary-1 |',
    ]
    for (const text of texts) expect(maskSecrets(text), text).not.to.contain('canary-1')
  })

  it('registers the values redact replaces, so that a message repeating one is masked too', () => {
    redact({MasterUserPassword: 'redacted-by-name-42'})
    expect(maskSecrets('could not connect with redacted-by-name-42')).to.equal('could not connect with ***')
  })

  it('tells secrets from what describes them', () => {
    for (const name of ['DbPassword', 'SecretString', 'Plaintext', 'privateKey', 'SessionToken']) expect(isSecretName(name), name).to.equal(true)
    for (const name of ['SecretArn', 'SecretStatus', 'PasswordLastUsed', 'DbPasswordRotationDays', 'SecretId', 'secretNames'])
      expect(isSecretName(name), name).to.equal(false)
  })

  it('does not register the status and ids under a secret-sounding structure (they would be masked everywhere)', () => {
    const redacted = redact({MasterUserSecret: {SecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x', Status: 'available-status'}})
    expect(redacted).to.deep.equal({MasterUserSecret: '***'})
    expect(maskSecrets('the instance is available-status')).to.equal('the instance is available-status')
  })
})
