import {expect} from 'chai'

import {opsctl} from '../../support/cli.js'

// moto has no SSM inventory, compliance items or patch states: what status shows is tested with SDK mocks (test/unit).

describe('opsctl patch status (e2e against moto)', () => {
  it('refuses targets that match no instance, exit 2 with one sentence', async () => {
    for (const [args, sentence] of [
      [['--targets', 'tag:Role=postgres'], /^Error: --targets tag:Role=postgres matches no running instance in us-east-1 \(--regions\); check the tags/],
      [[], /^Error: Say which instances: pass --targets tag:Key=Value \(repeatable\) or --instances i-0123456789abcdef0\.\n$/],
      [['--instances', 'i-1'], /^Error: --instances "i-1" is not an EC2 instance id; write it like i-0123456789abcdef0\.\n$/],
    ] as [string[], RegExp][]) {
      const result = await opsctl(['patch', 'status', ...args])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.match(sentence)
    }
  })
})
