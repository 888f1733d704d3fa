import {expect} from 'chai'

import {checks} from '../../../src/lib/compliance/checks/index.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import type {KmsKey} from '../../../src/lib/compliance/inventory/kms.js'
import type {CheckContext} from '../../../src/lib/compliance/types.js'

const now = new Date('2026-11-23T12:00:00Z')
const context: CheckContext = {region: 'us-east-1', accountId: '123456789012', now, minRetentionDays: 30, maxRotationDays: 365, cpuThreshold: 60}
const run = (id: string, inventory: Partial<RegionInventory>) =>
  Object.fromEntries(
    checks
      .find((c) => c.id === id)!
      .evaluate(inventory as RegionInventory, context)
      .map((v) => [v.resource.id, v.pass]),
  )
const rds = (over: Partial<RegionInventory['rds']>): Partial<RegionInventory> => ({
  rds: {instances: [], clusters: [], snapshots: [], clusterSnapshots: [], restoreAccess: new Map(), ...over},
})
const key = (id: string, over: Record<string, unknown>) =>
  ({
    metadata: {
      KeyId: id,
      Arn: `arn:aws:kms:us-east-1:123456789012:key/${id}`,
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      ...over,
    },
  }) as unknown as KmsKey
const trail = (
  name: string,
  trailOver: Record<string, unknown>,
  statusOver: Record<string, unknown> = {},
  selectors: Record<string, unknown> = {EventSelectors: [{ReadWriteType: 'All', IncludeManagementEvents: true}]},
) =>
  ({
    trail: {
      Name: name,
      TrailARN: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${name}`,
      HomeRegion: 'us-east-1',
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      LogFileValidationEnabled: true,
      KmsKeyId: 'k',
      ...trailOver,
    },
    status: {IsLogging: true, LatestDeliveryTime: new Date(now.getTime() - 3600_000), ...statusOver},
    selectors,
  }) as never

describe('compliance checks (rules at the edges)', () => {
  it('is registered once per id, each with a title, risk and an AWS CLI remediation', () => {
    expect(new Set(checks.map((c) => c.id)).size)
      .to.equal(checks.length)
      .and.to.equal(40)
    for (const c of checks) expect(c.remediation.cli, c.id).to.match(/^aws /)
  })

  it('skips read replicas for backup retention and PITR, and judges Aurora at cluster level', () => {
    const inventory = rds({
      instances: [
        {DBInstanceIdentifier: 'primary', BackupRetentionPeriod: 30, LatestRestorableTime: new Date(now.getTime() - 60_000)},
        {DBInstanceIdentifier: 'replica', BackupRetentionPeriod: 0, ReadReplicaSourceDBInstanceIdentifier: 'primary'},
        {DBInstanceIdentifier: 'aurora-1', DBClusterIdentifier: 'aurora', BackupRetentionPeriod: 1, MultiAZ: false},
      ],
      clusters: [{DBClusterIdentifier: 'aurora', BackupRetentionPeriod: 30, MultiAZ: true, LatestRestorableTime: new Date(now.getTime() - 20 * 60_000)}],
    })
    expect(run('rds-backup-retention', inventory)).to.deep.equal({primary: true, aurora: true})
    expect(run('rds-multi-az', inventory)).to.deep.equal({primary: false, aurora: true})
    expect(run('rds-pitr', inventory), 'the cluster can only be restored to 20 minutes ago').to.deep.equal({primary: true, aurora: false})
  })

  it('tells customer-managed from AWS-managed keys, including keys of other accounts', () => {
    const inventory = {
      ...rds({
        instances: [
          {DBInstanceIdentifier: 'cmk', StorageEncrypted: true, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/c'},
          {DBInstanceIdentifier: 'aws-managed', StorageEncrypted: true, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/a'},
          {DBInstanceIdentifier: 'shared', StorageEncrypted: true, KmsKeyId: 'arn:aws:kms:us-east-1:999999999999:key/x'},
        ],
      }),
      kms: {keys: [key('c', {}), key('a', {KeyManager: 'AWS'})]},
    }
    expect(run('rds-cmk', inventory)).to.deep.equal({cmk: true, 'aws-managed': false, shared: true})
  })

  it('never fails asymmetric, HMAC, imported, disabled or AWS-managed keys for rotation', () => {
    const keys = [
      {...key('on', {}), rotationEnabled: true},
      {...key('off', {}), rotationEnabled: false},
      key('rsa', {KeySpec: 'RSA_2048'}),
      key('hmac', {KeySpec: 'HMAC_256'}),
      key('imported', {Origin: 'EXTERNAL'}),
      key('disabled', {KeyState: 'Disabled'}),
      key('aws', {KeyManager: 'AWS'}),
    ]
    expect(run('kms-rotation', {kms: {keys}})).to.deep.equal({on: true, off: false})
  })

  it('fails a rotating key whose rotation period is above --max-rotation-days, and leaves keys that do not rotate to kms-rotation', () => {
    const keys = [
      {...key('yearly', {}), rotationEnabled: true, rotationPeriodDays: 365},
      {...key('quarterly', {}), rotationEnabled: true, rotationPeriodDays: 90},
      {...key('slow', {}), rotationEnabled: true, rotationPeriodDays: 366},
      {...key('off', {}), rotationEnabled: false},
      {...key('aws', {KeyManager: 'AWS'}), rotationEnabled: true, rotationPeriodDays: 2560},
    ]
    expect(run('kms-rotation-period', {kms: {keys}})).to.deep.equal({yearly: true, quarterly: true, slow: false})
    const strict = checks.find((c) => c.id === 'kms-rotation-period')!.evaluate({kms: {keys}} as RegionInventory, {...context, maxRotationDays: 180})
    expect(strict.filter((v) => !v.pass).map((v) => v.reason)).to.deep.equal([
      "KMS key yearly rotates every 365 days, longer than the policy's 180.",
      "KMS key slow rotates every 366 days, longer than the policy's 180.",
    ])
  })

  it('accepts advanced event selectors for management events and fails a trail with a delivery error or stale delivery', () => {
    const advanced = trail('advanced', {}, {}, {AdvancedEventSelectors: [{FieldSelectors: [{Field: 'eventCategory', Equals: ['Management']}]}]})
    const writeOnly = trail('write-only', {}, {}, {EventSelectors: [{ReadWriteType: 'WriteOnly', IncludeManagementEvents: true}]})
    expect(run('cloudtrail-multi-region', {cloudtrail: {trails: [advanced]}})).to.deep.equal({'us-east-1': true})
    expect(run('cloudtrail-multi-region', {cloudtrail: {trails: [writeOnly]}})).to.deep.equal({'us-east-1': false})
    const failing = trail('failing', {}, {LatestDeliveryError: 'AccessDenied'})
    const stale = trail('stale', {}, {LatestDeliveryTime: new Date(now.getTime() - 25 * 3600_000)})
    expect(run('cloudtrail-delivery', {cloudtrail: {trails: [advanced, failing, stale]}})).to.deep.equal({advanced: true, failing: false, stale: false})
    expect(run('cloudtrail-security-trail', {cloudtrail: {trails: [failing, stale]}})).to.deep.equal({'us-east-1': false})
  })

  it('tenant-residency: fails a pinned tenant with a product outside its location, and a shard of pinned tenants copied outside it', () => {
    const tenant = (tenantId: string, residency: string, products: Record<string, {region: string; shardId?: string}>) =>
      ({
        tenantId,
        residency,
        status: 'active',
        products: Object.fromEntries(Object.entries(products).map(([id, p]) => [id, {state: 'active', seats: 1, licence: 'active', ...p}])),
      }) as never
    const inside = tenant('inside', 'EU', {jira: {region: 'eu-central-1', shardId: 'jira-eu'}})
    const outside = tenant('outside', 'DE', {jira: {region: 'eu-central-1', shardId: 'jira-eu'}, confluence: {region: 'eu-west-1'}})
    const tenants = {
      table: 'opsctl-tenants',
      homeRegion: 'us-east-1',
      pinned: [inside, outside],
      pinnedByShard: new Map([
        ['jira-eu', [inside]],
        ['jira-de', [outside]],
      ]),
    }
    const shard = (id: string, over: Record<string, unknown>) => ({DBInstanceIdentifier: id, ...over}) as never
    const verdicts = run('tenant-residency', {
      tenants,
      ...rds({
        instances: [
          shard('jira-eu', {ReadReplicaDBInstanceIdentifiers: ['arn:aws:rds:eu-west-1:123456789012:db:jira-eu-replica']}),
          shard('jira-de', {DBInstanceAutomatedBackupsReplications: [{DBInstanceAutomatedBackupsArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-1'}]}),
          shard('unpinned', {ReadReplicaDBInstanceIdentifiers: ['arn:aws:rds:us-west-2:123456789012:db:far-away']}),
        ],
      }),
    })
    // Tenants are judged once, in the home region; shards in the region scanned; a shard of no pinned tenant is not judged.
    expect(verdicts).to.deep.equal({inside: true, outside: false, 'jira-eu': true, 'jira-de': false})
  })
})
