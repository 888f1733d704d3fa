import {expect} from 'chai'

import {checks} from '../../../src/lib/compliance/checks/index.js'
import type {RootUser} from '../../../src/lib/compliance/inventory/iam.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import type {CheckContext} from '../../../src/lib/compliance/types.js'
import {DAY_MS} from '../../../src/lib/time/clock.js'

const now = new Date('2026-11-23T12:00:00Z')
const context: CheckContext = {region: 'us-east-1', accountId: '123456789012', now, minRetentionDays: 30, maxRotationDays: 365, cpuThreshold: 60}
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS)

/** A root user with MFA, no access key and no use on record: every check passes on it. */
const root = (over: Partial<RootUser> = {}): RootUser => ({
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:root',
  mfaActive: true,
  accessKeys: [
    {slot: 1, active: false},
    {slot: 2, active: false},
  ],
  ...over,
})
const judge = (id: string, iam: RegionInventory['iam']) =>
  checks
    .find((c) => c.id === id)!
    .evaluate({iam} as RegionInventory, context)
    .map(({resource, pass, reason}) => ({id: resource.id, pass, reason}))

describe('identity hygiene checks on the root user (hand-built credential report rows)', () => {
  it('judge the one root user, as AWS::IAM::User named by its account, with its ARN', () => {
    for (const id of ['iam-root-mfa', 'iam-root-no-access-keys', 'iam-root-unused']) {
      const [verdict, ...more] = checks.find((c) => c.id === id)!.evaluate({iam: {root: root()}} as RegionInventory, context)
      expect(more, id).to.be.empty
      expect(verdict.resource, id).to.deep.equal({type: 'AWS::IAM::User', id: '123456789012', arn: 'arn:aws:iam::123456789012:root'})
      expect(verdict.pass, id).to.equal(true)
    }
  })

  it('give no verdict in the regions other than the account region (no root user read there)', () => {
    for (const id of ['iam-root-mfa', 'iam-root-no-access-keys', 'iam-root-unused']) expect(judge(id, {}), id).to.deep.equal([])
  })

  it('iam-root-mfa fails a root user without MFA', () => {
    expect(judge('iam-root-mfa', {root: root({mfaActive: false})})).to.deep.equal([
      {id: '123456789012', pass: false, reason: 'The root user of account 123456789012 has no MFA device active.'},
    ])
  })

  it('iam-root-no-access-keys fails on any active key, and passes keys that exist but are inactive', () => {
    const keys = (one: boolean, two: boolean) =>
      judge('iam-root-no-access-keys', {
        root: root({
          accessKeys: [
            {slot: 1, active: one, lastUsed: daysAgo(400)},
            {slot: 2, active: two},
          ],
        }),
      })[0]
    expect(keys(false, false)).to.deep.equal({id: '123456789012', pass: true, reason: 'The root user of account 123456789012 has no active access key.'})
    expect(keys(false, true)).to.deep.equal({
      id: '123456789012',
      pass: false,
      reason: 'The root user of account 123456789012 has an active access key (key 2).',
    })
    expect(keys(true, true)).to.deep.equal({
      id: '123456789012',
      pass: false,
      reason: 'The root user of account 123456789012 has two active access keys (key 1 and key 2).',
    })
  })

  it('iam-root-unused fails a sign-in 89 days ago and passes one 91 days ago', () => {
    expect(judge('iam-root-unused', {root: root({passwordLastUsed: daysAgo(89)})})).to.deep.equal([
      {id: '123456789012', pass: false, reason: 'The root user of account 123456789012 signed in with its password 89 days ago.'},
    ])
    expect(judge('iam-root-unused', {root: root({passwordLastUsed: daysAgo(91)})})).to.deep.equal([
      {id: '123456789012', pass: true, reason: 'The root user of account 123456789012 was not used in the last 90 days.'},
    ])
  })

  it('iam-root-unused counts the use of either access key, even one deactivated since, and names every recent use', () => {
    const used = root({
      passwordLastUsed: daysAgo(0.5),
      accessKeys: [
        {slot: 1, active: false, lastUsed: daysAgo(89)},
        {slot: 2, active: true, lastUsed: daysAgo(1)},
      ],
    })
    expect(judge('iam-root-unused', {root: used})[0]).to.deep.equal({
      id: '123456789012',
      pass: false,
      reason: 'The root user of account 123456789012 signed in with its password today and used access key 2 yesterday and used access key 1 89 days ago.',
    })
    const keyOnly = root({
      accessKeys: [
        {slot: 1, active: false, lastUsed: daysAgo(91)},
        {slot: 2, active: true, lastUsed: daysAgo(30)},
      ],
    })
    expect(judge('iam-root-unused', {root: keyOnly})[0]).to.include({
      pass: false,
      reason: 'The root user of account 123456789012 used access key 2 30 days ago.',
    })
  })

  it('iam-root-unused counts exactly 90 days ago as within the window', () => {
    expect(judge('iam-root-unused', {root: root({passwordLastUsed: daysAgo(90)})})[0].pass).to.equal(false)
  })
})
