import {expect} from 'chai'

import {renderKeyStatus} from '../../../src/lib/keys/render.js'
import {assertRotationPolicy, isAwsManaged, type KeyStatus, type RotationView, rotationVerdicts} from '../../../src/lib/keys/status.js'

const now = new Date('2026-12-02T12:00:00Z')
const policy = {maxRotationDays: 365, onDemandLimit: 25}
const rotating: RotationView = {
  supported: true,
  enabled: true,
  periodDays: 365,
  nextRotationDate: '2027-06-01T00:00:00.000Z',
  rotations: 3,
  onDemandUsed: 1,
  onDemandLimit: 25,
}
const codes = (rotation: Partial<RotationView>) => rotationVerdicts({...rotating, ...rotation}, policy, now).map((v) => v.code)

describe('key status verdicts', () => {
  it('has nothing to say of a key that rotates yearly, on time, with on-demand rotations left', () => {
    expect(codes({})).to.deep.equal([])
  })

  it('says rotation is off only for keys that could rotate automatically', () => {
    expect(codes({enabled: false, periodDays: undefined, nextRotationDate: undefined})).to.deep.equal(['rotation-off'])
    expect(codes({supported: false, enabled: false, periodDays: undefined, nextRotationDate: undefined, onDemandUsed: 0})).to.deep.equal([])
  })

  it('judges the period against --max-rotation-days, the limit itself allowed', () => {
    expect(codes({periodDays: 366})).to.deep.equal(['period-above-policy'])
    expect(rotationVerdicts({...rotating, periodDays: 180}, {...policy, maxRotationDays: 180}, now)).to.deep.equal([])
  })

  it('says a rotation is overdue once its next rotation date has passed', () => {
    expect(codes({nextRotationDate: '2026-12-02T11:59:59.000Z'})).to.deep.equal(['next-rotation-overdue'])
    expect(codes({nextRotationDate: '2026-12-02T12:00:01.000Z'})).to.deep.equal([])
  })

  it('says the on-demand budget is spent when the rotations used reach the limit', () => {
    expect(codes({onDemandUsed: 24})).to.deep.equal([])
    expect(codes({onDemandUsed: 25})).to.deep.equal(['on-demand-budget-exhausted'])
  })

  it('refuses a --max-rotation-days KMS could not set, and an on-demand limit below one', () => {
    for (const maxRotationDays of [90, 365, 2560]) expect(() => assertRotationPolicy({...policy, maxRotationDays})).to.not.throw()
    for (const maxRotationDays of [89, 2561, 365.5]) {
      expect(() => assertRotationPolicy({...policy, maxRotationDays}))
        .to.throw(`--max-rotation-days ${maxRotationDays} is outside the rotation periods KMS allows; choose 90 to 2560 days.`)
        .with.property('exitCode', 2)
    }
    expect(() => assertRotationPolicy({...policy, onDemandLimit: 0})).to.throw(/--on-demand-limit 0/)
  })

  it('takes a key for AWS managed by its KeyManager or by an alias under alias/aws/', () => {
    expect(isAwsManaged({KeyManager: 'AWS'}, [])).to.equal(true)
    expect(isAwsManaged({KeyManager: 'CUSTOMER'}, ['alias/aws/rds'])).to.equal(true)
    expect(isAwsManaged({KeyManager: 'CUSTOMER'}, ['arn:aws:kms:us-east-1:123456789012:alias/aws/ebs'])).to.equal(true)
    expect(isAwsManaged({KeyManager: 'CUSTOMER'}, ['alias/awsome', 'alias/team/aws/x'])).to.equal(false)
  })
})

describe('key status on a terminal', () => {
  const key = (over: Partial<KeyStatus>): KeyStatus => ({
    keyId: '0b2c6f2e-6d4e-4f6b-9a55-3f0b8c2a1d7e',
    arn: 'arn:aws:kms:us-east-1:123456789012:key/0b2c6f2e-6d4e-4f6b-9a55-3f0b8c2a1d7e',
    aliases: ['alias/opsctl-shards-with-a-rather-long-name'],
    description: '',
    state: 'PendingDeletion',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    rotation: {...rotating, lastRotation: {date: '2026-06-01T00:00:00.000Z', type: 'ON_DEMAND'}},
    usedBy: {dbInstances: ['jira-us-1'], dbClusters: ['ledger'], trails: [], volumes: ['vol-0123456789abcdef0'], tenantDataKeys: 2},
    verdicts: [],
    ...over,
  })
  const report = (keys: KeyStatus[], found = true) => ({
    region: 'us-east-1',
    checkedAt: now.toISOString(),
    policy,
    tenantStore: {table: 'opsctl-tenants', region: 'us-east-1', found},
    keys,
  })

  it('fits 80 columns, and says what uses each key and what the policy finds', () => {
    const legacy = key({aliases: [], state: 'Enabled', verdicts: [{code: 'rotation-off', message: 'Automatic rotation is off.'}]})
    const text = renderKeyStatus(report([key({}), legacy]), 80)
    for (const line of text.split('\n')) expect(line.length, line).to.be.at.most(80)
    expect(text.split('\n')[2]).to.match(/^alias\/opsctl\S*… +PendingD\S*… +365 days +2027-06-01 +2026-06-01 +1\/25 +5$/)
    expect(text).to.contain('\nKey 0b2c6f2e-6d4e-4f6b-9a55-3f0b8c2a1d7e, last rotated 2026-06-01 on demand.\n')
    const wide = renderKeyStatus(report([key({}), legacy]), 200)
    const hmac = renderKeyStatus(
      report([key({keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', aliases: ['alias/a', 'alias/b'], rotation: {...rotating, supported: false}})]),
      200,
    )
    expect(hmac).to.contain('\nalias/a: key 0b2c6f2e-6d4e-4f6b-9a55-3f0b8c2a1d7e, HMAC_256 for GENERATE_VERIFY_MAC, also alias/b.\n')
    expect(wide).to.contain('  Used by: 2 tenant data keys, DB instance jira-us-1, DB cluster ledger, volume vol-0123456789abcdef0.')
    expect(text).to.contain('  ! Automatic rotation is off.')
    expect(text.split('\n').slice(-3)).to.deep.equal([
      '2 keys in us-east-1, 1 with findings.',
      'Policy: rotation at least every 365 days, at most 25 on-demand rotations.',
      'Tenant data keys read from opsctl-tenants in us-east-1.',
    ])
  })

  it('says when there is no tenant store, and when there are no keys', () => {
    expect(renderKeyStatus(report([key({})], false), 200)).to.contain('No tenant store (opsctl-tenants in us-east-1): no tenant data keys.')
    expect(renderKeyStatus(report([]), 100)).to.equal('No customer-managed KMS keys in us-east-1.')
  })
})
