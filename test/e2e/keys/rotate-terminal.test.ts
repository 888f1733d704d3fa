import {expect} from 'chai'

import {createKey, onDemandRotations} from '../../support/keys.js'
import {onTerminal} from '../../support/terminal.js'

/** On a terminal, key rotate asks after its read-only checks and before the rotation, which cannot be undone. */
describe('opsctl key rotate on a terminal (e2e)', function () {
  this.timeout(60_000)

  it('asks before rotating, after the checks and canaries; "n" changes nothing, "y" rotates and verifies', async () => {
    const key = await createKey()
    const question = `Rotate the key material of KMS key ${key} now (it cannot be undone; old ciphertexts keep decrypting)? [y/N]`

    const declined = onTerminal(['key', 'rotate', key])
    await declined.waitFor(question)
    expect(declined.screen).to.contain('encrypt-canaries')
    declined.type('n\r')
    expect(await declined.exited).to.equal(2)
    expect(declined.screen).to.contain('Cancelled at the confirmation prompt; nothing was changed.')
    expect(await onDemandRotations(key)).to.equal(0)

    const accepted = onTerminal(['key', 'rotate', key])
    await accepted.waitFor(question)
    accepted.type('y\r')
    expect(await accepted.exited, accepted.screen).to.equal(0)
    expect(accepted.screen).to.contain('Decrypted after the rotation: 3 of 3 canaries, 0 of 0 tenant data keys; new canary round trip ok.')
    expect(await onDemandRotations(key)).to.equal(1)
  })
})
