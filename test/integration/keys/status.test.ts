import {DescribeKeyCommand, KMSClient, RotateKeyOnDemandCommand} from '@aws-sdk/client-kms'
import {expect} from 'chai'

import type {AwsSession} from '../../../src/lib/aws/session.js'
import {collectKms} from '../../../src/lib/compliance/inventory/kms.js'
import {OpsctlError} from '../../../src/lib/errors/errors.js'
import {type KeyStatusRequest, keyStatus} from '../../../src/lib/keys/status.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../../src/lib/tenants/store.js'
import {testSession} from '../../support/aws.js'
import {keyEstate, withAwsManagedKeys, withRotationFields} from '../../support/keys.js'
import {HOME_REGION} from '../../support/tenants.js'

const now = new Date('2026-12-02T12:00:00Z')
const policy = {maxRotationDays: 365, onDemandLimit: 25}

/** A key status through `session`, with the tenant store in HOME_REGION under `table`. */
const statusOf = (session: AwsSession, request: Partial<KeyStatusRequest>, table = DEFAULT_TENANT_TABLE) =>
  keyStatus(
    {keys: [], all: false, ...policy, ...request},
    {openSession: async () => session, openTenantStore: (s) => TenantStore.open(s, {table, region: HOME_REGION})},
    now,
  )

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).to.be.instanceOf(OpsctlError)
  return error as OpsctlError
}

describe('key status (against moto, rotation periods by middleware)', () => {
  it('finds what uses a shard key: its instance, an Aurora cluster, a volume and the tenants wrapped data keys, and the trail under another key', async () => {
    const estate = await keyEstate()
    const report = await statusOf(await testSession(), {all: true})
    const byId = Object.fromEntries(report.keys.map((k) => [k.keyId, k]))
    expect(byId[estate.shardKey.KeyId!].usedBy).to.deep.equal({
      dbInstances: ['jira-us-1'],
      dbClusters: ['ledger'],
      trails: [],
      volumes: [estate.volumeId],
      tenantDataKeys: 2,
    })
    expect(byId[estate.auditKey.KeyId!].usedBy).to.deep.include({trails: ['audit'], tenantDataKeys: 0})
    expect(byId[estate.shardKey.KeyId!].aliases).to.deep.equal(['alias/opsctl-shards'])
    expect(report.tenantStore).to.deep.equal({table: DEFAULT_TENANT_TABLE, region: HOME_REGION, found: true})
  })

  it('reads the rotation period, next rotation and on-demand rotations, and judges each against the policy', async () => {
    const estate = await keyEstate()
    const session = await testSession()
    withRotationFields(session, {
      [estate.shardKey.KeyId!]: {RotationPeriodInDays: 730, NextRotationDate: new Date('2026-11-01T00:00:00Z')},
      [estate.auditKey.KeyId!]: {RotationPeriodInDays: 180, NextRotationDate: new Date('2027-05-01T00:00:00Z')},
    })
    const report = await statusOf(session, {keys: ['alias/opsctl-shards', estate.auditKey.Arn!, 'alias/opsctl-legacy'], onDemandLimit: 1})
    const [shard, audit, legacy] = report.keys
    expect(shard.rotation).to.deep.include({supported: true, enabled: true, periodDays: 730, nextRotationDate: '2026-11-01T00:00:00.000Z', onDemandUsed: 0})
    expect(shard.verdicts).to.deep.equal([
      {code: 'period-above-policy', message: "It rotates every 730 days, longer than the policy's 365."},
      {code: 'next-rotation-overdue', message: 'Its next rotation was due 2026-11-01T00:00:00.000Z and has not happened.'},
    ])
    expect(audit.rotation).to.deep.include({periodDays: 180, onDemandUsed: 1, onDemandLimit: 1, rotations: 1})
    expect(audit.rotation.lastRotation?.type).to.equal('ON_DEMAND')
    expect(audit.verdicts.map((v) => v.code)).to.deep.equal(['on-demand-budget-exhausted'])
    expect(legacy.rotation).to.deep.include({supported: true, enabled: false})
    expect(legacy.rotation).to.not.have.property('periodDays')
    expect(legacy.verdicts.map((v) => v.code)).to.deep.equal(['rotation-off'])
  })

  it('counts every on-demand rotation against the default limit of 25', async () => {
    const {auditKey} = await keyEstate()
    for (let i = 1; i < 25; i++) await new KMSClient({}).send(new RotateKeyOnDemandCommand({KeyId: auditKey.KeyId}))
    const [audit] = (await statusOf(await testSession(), {keys: ['alias/opsctl-audit']})).keys
    expect(audit.rotation).to.deep.include({onDemandUsed: 25, onDemandLimit: 25, rotations: 25})
    expect(audit.verdicts.map((v) => v.message)).to.deep.equal(['It has used 25 of its 25 on-demand rotations.'])
  })

  it('shows no tenant data keys, and no error, when there is no tenant store', async () => {
    const {shardKey} = await keyEstate()
    const report = await statusOf(await testSession(), {keys: [shardKey.KeyId!]}, 'no-such-table')
    expect(report.tenantStore.found).to.equal(false)
    expect(report.keys[0].usedBy.tenantDataKeys).to.equal(null)
  })

  it('refuses a key AWS manages, by its KeyManager or by an aws/ alias, and leaves AWS-managed keys out of --all', async () => {
    const {legacyKey} = await keyEstate()
    const session = await testSession()
    withAwsManagedKeys(session, [legacyKey.KeyId!])
    const error = await refusal(statusOf(session, {keys: ['alias/opsctl-legacy']}))
    expect(error.exitCode).to.equal(2)
    expect(error.message).to.match(
      /^KMS key alias\/opsctl-legacy \(arn:aws:kms:us-east-1:\d+:key\/[0-9a-f-]+\) is AWS managed, .*; name a customer-managed key\.$/,
    )
    expect((await statusOf(session, {all: true})).keys.map((k) => k.keyId)).to.not.include(legacyKey.KeyId)
    const rds = await new KMSClient({}).send(new DescribeKeyCommand({KeyId: 'alias/aws/rds'}))
    expect((await refusal(statusOf(session, {keys: ['alias/aws/rds']}))).code).to.equal('AwsManagedKey')
    expect((await statusOf(session, {all: true})).keys.map((k) => k.keyId)).to.not.include(rds.KeyMetadata!.KeyId)
  })

  it('refuses an unknown key, and a policy KMS could not set, before reading anything else', async () => {
    await keyEstate()
    const session = await testSession()
    expect((await refusal(statusOf(session, {keys: ['alias/nope']}))).code).to.equal('NotFound')
    for (const maxRotationDays of [89, 2561]) expect((await refusal(statusOf(session, {maxRotationDays}))).code).to.equal('InvalidRotationPeriod')
    expect((await refusal(statusOf(session, {all: true, keys: ['alias/opsctl-shards']}))).code).to.equal('KeysAndAll')
  })

  it('gives the compliance inventory each rotating key its rotation period', async () => {
    const {shardKey, legacyKey} = await keyEstate()
    const session = await testSession()
    withRotationFields(session, {[shardKey.KeyId!]: {RotationPeriodInDays: 730}})
    const {keys} = await collectKms({session, home: session, region: 'us-east-1', accountRegion: 'us-east-1', withTags: false, once: (_key, fetch) => fetch()})
    const byId = Object.fromEntries(keys.map((k) => [k.metadata.KeyId, k]))
    expect(byId[shardKey.KeyId!]).to.deep.include({rotationEnabled: true, rotationPeriodDays: 730})
    expect(byId[legacyKey.KeyId!]).to.deep.include({rotationEnabled: false})
    expect(byId[legacyKey.KeyId!]).to.not.have.property('rotationPeriodDays')
  })
})
