import {expect} from 'chai'

import {datakeyUsageLimits} from '../../../src/lib/compliance/checks/datakey-usage-limits.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import type {CheckContext} from '../../../src/lib/compliance/types.js'
import {asDataKeyRecord} from '../../../src/lib/tenants/data-keys.js'

const now = new Date('2026-11-23T12:00:00Z')
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString()
const key = (tenantId: string, over: Record<string, unknown>) =>
  asDataKeyRecord({
    pk: `TENANT#${tenantId}`,
    sk: 'DATAKEY#jira',
    tenantId,
    product: 'jira',
    wrappedKey: 'AQID',
    keyArn: 'arn:aws:kms:eu-central-1:123456789012:key/k',
    encryptionContext: {tenant: tenantId, product: 'jira'},
    status: 'current',
    ...over,
  })
const inventory = {
  dataKeys: {
    homeRegion: 'us-east-1',
    current: [
      key('fresh', {createdAt: hoursAgo(1), operations: 10}),
      key('busy', {createdAt: hoursAgo(1), operations: 5_000_000}),
      key('old', {createdAt: hoursAgo(25), operations: 0}),
      key('legacy', {status: 'active'}),
    ],
  },
} as unknown as RegionInventory
const judge = (context: Partial<CheckContext> = {}) =>
  datakeyUsageLimits.evaluate(inventory, {
    region: 'us-east-1',
    accountId: '123456789012',
    now,
    minRetentionDays: 30,
    maxRotationDays: 365,
    cpuThreshold: 60,
    ...context,
  })

describe('compliance check datakey-usage-limits', () => {
  it('fails each current data key past 5 million operations or 24 hours, saying which limit', () => {
    const verdicts = judge()
    expect(Object.fromEntries(verdicts.map((v) => [v.resource.id, v.pass]))).to.deep.equal({
      'fresh/jira': true,
      'busy/jira': false,
      'old/jira': false,
      'legacy/jira': false,
    })
    expect(verdicts[1].reason).to.equal(
      'The current jira data key of tenant busy (version 1, under arn:aws:kms:eu-central-1:123456789012:key/k) is past its usage limits: 5,000,000 operations ≥ 5,000,000.',
    )
    expect(verdicts[2].reason).to.contain('age 25h ≥ 24h')
    expect(verdicts[3].reason).to.contain('age unknown')
  })

  it('judges by the limits it is given, and only in the home region of the tenant store', () => {
    const strict = judge({dataKeyLimits: {maxOperations: 5, maxAgeMs: 30 * 60_000}})
    expect(strict.filter((v) => v.pass)).to.deep.equal([])
    expect(judge({region: 'eu-west-1'})).to.deep.equal([])
  })
})
