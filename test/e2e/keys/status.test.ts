import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {keyEstate} from '../../support/keys.js'
import {expectMatchesSchema} from '../../support/schema.js'

const lines = (result: CliResult) => result.stdout.trimEnd().split('\n')

/** A refusal as a user sees it: exit 2, nothing on stdout, and one sentence on stderr. */
const expectRefused = (result: CliResult, sentence: RegExp) => {
  expect(result.code, result.stderr).to.equal(2)
  expect(result.stdout).to.equal('')
  const message = result.stderr.trim().replace(/^Error: /, '')
  expect(message).to.match(sentence)
  expect(message.split(/[.;:] [A-Z]/).length, message).to.equal(1)
  expect(message.match(/\.$/g), message).to.have.length(1)
}

describe('opsctl key status (e2e against moto)', () => {
  it('shows every customer-managed key as JSON that matches its schema, and exits 3 for the key that does not rotate', async () => {
    const {shardKey, auditKey, legacyKey, volumeId} = await keyEstate()
    const result = await opsctl(['key', 'status', '--json'])
    expect(result.code, result.stderr).to.equal(3)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'key-status')
    expect(envelope.error).to.deep.equal({
      code: 'Findings',
      message: `1 KMS key of ${envelope.result.keys.length} in us-east-1 has findings: alias/opsctl-legacy.`,
    })
    const byId = Object.fromEntries(envelope.result.keys.map((k: {keyId: string}) => [k.keyId, k]))
    expect(byId[shardKey.KeyId!].usedBy).to.deep.equal({dbInstances: ['jira-us-1'], dbClusters: ['ledger'], trails: [], volumes: [volumeId], tenantDataKeys: 2})
    expect(byId[shardKey.KeyId!].rotation).to.deep.include({supported: true, enabled: true, periodDays: 365, onDemandUsed: 0, onDemandLimit: 25})
    expect(byId[auditKey.KeyId!].rotation.lastRotation.type).to.equal('ON_DEMAND')
    expect(byId[auditKey.KeyId!].usedBy.trails).to.deep.equal(['audit'])
    expect(byId[legacyKey.KeyId!].verdicts).to.deep.equal([{code: 'rotation-off', message: 'Automatic rotation is off.'}])
  })

  it('shows named keys in a table within 100 columns, with what uses them, and exits 0 when the policy is met', async () => {
    const {shardKey} = await keyEstate()
    const result = await opsctl(['key', 'status', 'alias/opsctl-shards', shardKey.Arn!, 'alias/opsctl-audit'])
    expect(result.code, result.stderr).to.equal(0)
    for (const line of lines(result)) expect(line.length, line).to.be.at.most(100)
    expect(lines(result)[0]).to.match(/^KEY +STATE +ROTATION +NEXT +LAST +ON DEMAND +USED BY$/)
    expect(result.stdout).to.match(/^alias\/opsctl-shards +Enabled +365 days +0\/25 +5$/m)
    expect(result.stdout).to.match(/^alias\/opsctl-audit +Enabled +365 days +\S* *\d{4}-\d\d-\d\d +1\/25 +1$/m)
    expect(result.stdout).to.contain(`alias/opsctl-shards: key ${shardKey.KeyId}, never rotated.`)
    expect(result.stdout).to.match(/^ {2}Used by: 2 tenant data keys, DB instance jira-us-1, DB cluster ledger, volume vol-[0-9a-f]+/m)
    expect(result.stdout).to.contain('2 keys in us-east-1, each as the policy asks.')
  })

  it('exits 3 when the on-demand rotations reach --on-demand-limit, and says there is no tenant store when the table is missing', async () => {
    await keyEstate()
    const result = await opsctl(['key', 'status', 'alias/opsctl-audit', '--on-demand-limit', '1', '--table', 'no-such-table'])
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stdout).to.contain('  ! It has used 1 of its 1 on-demand rotations.')
    expect(result.stdout).to.contain('No tenant store (no-such-table in us-east-1): no tenant data keys.')
    expect(result.stderr.trim()).to.equal('Error: 1 KMS key of 1 in us-east-1 has findings: alias/opsctl-audit.')
  })

  it('refuses, with exit 2 and one sentence, an unknown key, an AWS-managed key, a rotation period KMS could not set, and keys with --all', async () => {
    await keyEstate()
    const [unknown, awsManaged, tooLong, tooShort, both] = await Promise.all([
      opsctl(['key', 'status', 'alias/opsctl-nope']),
      opsctl(['key', 'status', 'alias/aws/rds']),
      opsctl(['key', 'status', '--max-rotation-days', '3000']),
      opsctl(['key', 'status', '--max-rotation-days', '89']),
      opsctl(['key', 'status', 'alias/opsctl-shards', '--all']),
    ])
    expectRefused(
      unknown,
      /^No KMS key alias\/opsctl-nope in us-east-1; check the key id, ARN or alias with "aws kms list-aliases --region us-east-1" or pass --region\.$/,
    )
    expectRefused(
      awsManaged,
      /^KMS key alias\/aws\/rds \(arn:aws:kms:[^)]+\) is AWS managed, rotated by AWS on its own schedule and not opsctl's to rotate; name a customer-managed key\.$/,
    )
    expectRefused(tooLong, /^--max-rotation-days 3000 is outside the rotation periods KMS allows; choose 90 to 2560 days\.$/)
    expectRefused(tooShort, /^--max-rotation-days 89 is outside/)
    expectRefused(both, /^Name keys or pass --all, not both\.$/)
  })
})
