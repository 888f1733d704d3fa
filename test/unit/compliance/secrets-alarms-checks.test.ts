import {CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm} from '@aws-sdk/client-cloudwatch'
import type {SecretListEntry} from '@aws-sdk/client-secrets-manager'
import {ListSubscriptionsCommand, type ServiceInputTypes, type ServiceOutputTypes, SNSClient, type SNSClientResolvedConfig} from '@aws-sdk/client-sns'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {checks} from '../../../src/lib/compliance/checks/index.js'
import {rotationIntervalDays} from '../../../src/lib/compliance/checks/secretsmanager-rotation.js'
import {collectAlarms} from '../../../src/lib/compliance/inventory/alarms.js'
import type {CollectorContext} from '../../../src/lib/compliance/inventory/collector.js'
import type {RegionInventory} from '../../../src/lib/compliance/inventory/index.js'
import type {CheckContext} from '../../../src/lib/compliance/types.js'
import {DAY_MS} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

const now = new Date('2026-11-23T12:00:00Z')
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS)
const context: CheckContext = {region: 'us-east-1', accountId: '123456789012', now, minRetentionDays: 30, maxRotationDays: 365, cpuThreshold: 60}
const verdicts = (id: string, inventory: Partial<RegionInventory>, over: Partial<CheckContext> = {}) =>
  checks
    .find((c) => c.id === id)!
    .evaluate(inventory as RegionInventory, {...context, ...over})
    .map((v) => ({id: v.resource.id, pass: v.pass, reason: v.reason}))
const passes = (id: string, inventory: Partial<RegionInventory>, over: Partial<CheckContext> = {}) =>
  Object.fromEntries(verdicts(id, inventory, over).map((v) => [v.id, v.pass]))
const rds = (over: Partial<RegionInventory['rds']>): RegionInventory['rds'] => ({
  instances: [],
  clusters: [],
  snapshots: [],
  clusterSnapshots: [],
  restoreAccess: new Map(),
  ...over,
})
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`
const managed = (name: string) => ({MasterUserSecret: {SecretArn: secretArn(name), SecretStatus: 'active'}})

describe('rds-master-password-managed', () => {
  it('fails instances and clusters with a hand-set master password, and judges neither Aurora members nor read replicas', () => {
    const inventory = {
      rds: rds({
        instances: [
          {DBInstanceIdentifier: 'managed', ...managed('rds!db-1')},
          {DBInstanceIdentifier: 'by-hand'},
          {DBInstanceIdentifier: 'aurora-1', DBClusterIdentifier: 'aurora'},
          {DBInstanceIdentifier: 'replica', ReadReplicaSourceDBInstanceIdentifier: 'by-hand'},
        ],
        clusters: [{DBClusterIdentifier: 'aurora', ...managed('rds!cluster-1')}, {DBClusterIdentifier: 'legacy-cluster'}],
      }),
    }
    expect(verdicts('rds-master-password-managed', inventory)).to.deep.equal([
      {id: 'managed', pass: true, reason: 'DB instance managed has its master password managed by RDS in Secrets Manager.'},
      {id: 'by-hand', pass: false, reason: 'DB instance by-hand has a master password set by hand, not managed by RDS in Secrets Manager.'},
      {id: 'aurora', pass: true, reason: 'DB cluster aurora has its master password managed by RDS in Secrets Manager.'},
      {id: 'legacy-cluster', pass: false, reason: 'DB cluster legacy-cluster has a master password set by hand, not managed by RDS in Secrets Manager.'},
    ])
  })
})

describe('secretsmanager-rotation', () => {
  const secret = (name: string, over: Partial<SecretListEntry>): SecretListEntry => ({
    ARN: secretArn(name),
    Name: name,
    CreatedDate: daysAgo(400),
    ...over,
  })
  const tagged = (database: string) => ({Tags: [{Key: 'opsctl:database', Value: database}]})
  const rotating = (days: number, lastRotated?: number) => ({
    RotationEnabled: true,
    RotationRules: {AutomaticallyAfterDays: days},
    ...(lastRotated === undefined ? {} : {LastRotatedDate: daysAgo(lastRotated)}),
  })
  const run = (secrets: SecretListEntry[], instances = [{DBInstanceIdentifier: 'orders', ...managed('rds!db-orders')}]) =>
    verdicts('secretsmanager-rotation', {secrets: {secrets}, rds: rds({instances, clusters: [{DBClusterIdentifier: 'billing', ...managed('rds!cluster-b')}]})})

  it('judges secrets tagged with their database or referenced by a DB instance or cluster, and no others', () => {
    const result = run([
      secret('rds!db-orders', {OwningService: 'rds', ...rotating(7, 2)}),
      secret('rds!cluster-b', {OwningService: 'rds'}),
      secret('app/db', {...tagged('compliance-good'), ...rotating(30, 3)}),
      secret('api-token', rotating(30, 400)),
    ])
    expect(result.map((v) => [v.id, v.pass])).to.deep.equal([
      ['rds!db-orders', true],
      ['rds!cluster-b', false],
      ['app/db', true],
    ])
    expect(result[0].reason).to.equal('Secret rds!db-orders (credentials of DB instance orders) rotates every 7 days and is on schedule.')
    expect(result[1].reason).to.equal('Secret rds!cluster-b (credentials of DB cluster billing) does not rotate automatically.')
    expect(result[2].reason).to.equal('Secret app/db (credentials of database compliance-good) rotates every 30 days and is on schedule.')
  })

  it('fails a secret whose rotation is on but overdue, allowing one day of grace for the rotation window', () => {
    const result = run([
      secret('overdue', {...tagged('a'), ...rotating(30, 45)}),
      secret('a-day-late', {...tagged('b'), ...rotating(30, 31)}),
      secret('two-days-late', {...tagged('c'), ...rotating(30, 32)}),
    ])
    expect(result.map((v) => [v.id, v.pass])).to.deep.equal([
      ['overdue', false],
      ['a-day-late', true],
      ['two-days-late', false],
    ])
    expect(result[0].reason).to.equal('Secret overdue (credentials of database a) was last rotated 2026-10-09, 45 days ago, beyond its 30-day schedule.')
  })

  it('judges a secret that never rotated by its creation date: young passes, old fails', () => {
    const result = run([
      secret('young', {...tagged('a'), ...rotating(30), CreatedDate: daysAgo(5)}),
      secret('old', {...tagged('b'), ...rotating(30), CreatedDate: daysAgo(90)}),
    ])
    expect(result.map((v) => [v.id, v.pass])).to.deep.equal([
      ['young', true],
      ['old', false],
    ])
    expect(result[1].reason).to.equal(
      'Secret old (credentials of database b) was created 2026-08-25 and never rotated, 90 days ago, beyond its 30-day schedule.',
    )
  })

  it('reads rate() schedules in days or hours, and judges a cron() schedule by the next rotation date Secrets Manager planned', () => {
    expect(rotationIntervalDays({ScheduleExpression: 'rate(10 days)'})).to.equal(10)
    expect(rotationIntervalDays({ScheduleExpression: 'rate(12 hours)'})).to.equal(0.5)
    expect(rotationIntervalDays({ScheduleExpression: 'cron(0 4 ? * SUN *)'})).to.equal(undefined)
    const cron = (name: string, next: Date) =>
      secret(name, {
        ...tagged(name),
        RotationEnabled: true,
        RotationRules: {ScheduleExpression: 'cron(0 4 1 * ? *)'},
        LastRotatedDate: daysAgo(200),
        NextRotationDate: next,
      })
    const result = run([
      cron('cron-due-soon', new Date(now.getTime() + DAY_MS)),
      cron('cron-missed', daysAgo(10)),
      secret('rate-overdue', {...tagged('r'), RotationEnabled: true, RotationRules: {ScheduleExpression: 'rate(10 days)'}, LastRotatedDate: daysAgo(12)}),
    ])
    expect(result.map((v) => [v.id, v.pass])).to.deep.equal([
      ['cron-due-soon', true],
      ['cron-missed', false],
      ['rate-overdue', false],
    ])
    expect(result[0].reason).to.equal('Secret cron-due-soon (credentials of database cron-due-soon) rotates on cron(0 4 1 * ? *) and is on schedule.')
    expect(result[1].reason).to.equal('Secret cron-missed (credentials of database cron-missed) was due to rotate 2026-11-13 and has not.')
    const [unplanned] = run([secret('cron-unplanned', {...tagged('u'), RotationEnabled: true, RotationRules: {ScheduleExpression: 'cron(0 4 1 * ? *)'}})])
    expect(unplanned).to.deep.equal({
      id: 'cron-unplanned',
      pass: true,
      reason: 'Secret cron-unplanned (credentials of database u) rotates on cron(0 4 1 * ? *) (no next rotation date listed to judge it by).',
    })
  })

  it('names every database that shares a secret', () => {
    const [verdict] = run([secret('rds!db-orders', {...tagged('orders'), ...rotating(7, 1)})])
    expect(verdict.reason).to.match(/^Secret rds!db-orders \(credentials of DB instance orders and database orders\)/)
  })
})

describe('cloudwatch-rds-cpu-alarm', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:oncall'
  const PENDING = 'arn:aws:sns:us-east-1:123456789012:pending-only'
  const alarm = (name: string, dimension: [string, string], over: Partial<MetricAlarm> = {}): MetricAlarm => ({
    AlarmName: name,
    Namespace: 'AWS/RDS',
    MetricName: 'CPUUtilization',
    Dimensions: [{Name: dimension[0], Value: dimension[1]}],
    Threshold: 60,
    ComparisonOperator: 'GreaterThanThreshold',
    ActionsEnabled: true,
    AlarmActions: [TOPIC],
    ...over,
  })
  const shard = {TagList: [{Key: 'opsctl:shard-product', Value: 'jira'}]}
  const inventory = (alarms: MetricAlarm[], instances: object[], clusters: object[] = []): Partial<RegionInventory> => ({
    alarms: {alarms, subscribedTopics: new Set([TOPIC])},
    rds: rds({instances, clusters}),
  })
  const instance = (id: string, over: object = {}) => ({DBInstanceIdentifier: id, ...over})

  it('asks shards and Multi-AZ instances only, and passes an alarm at the threshold itself (GreaterThanOrEqualToThreshold too)', () => {
    const result = passes(
      'cloudwatch-rds-cpu-alarm',
      inventory(
        [
          alarm('shard-cpu', ['DBInstanceIdentifier', 'shard-1']),
          alarm('ha-cpu', ['DBInstanceIdentifier', 'ha'], {ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 50}),
        ],
        [instance('shard-1', shard), instance('ha', {MultiAZ: true}), instance('single-az', {MultiAZ: false})],
      ),
    )
    expect(result).to.deep.equal({'shard-1': true, ha: true})
  })

  it('says exactly what is missing: no alarm, threshold above the limit, LessThan comparison, actions off, a topic without a confirmed subscription', () => {
    const result = verdicts(
      'cloudwatch-rds-cpu-alarm',
      inventory(
        [
          alarm('other-cpu', ['DBInstanceIdentifier', 'someone-else']),
          alarm('hot-cpu', ['DBInstanceIdentifier', 'hot'], {Threshold: 80}),
          alarm('low-cpu', ['DBInstanceIdentifier', 'low'], {ComparisonOperator: 'LessThanThreshold', Threshold: 10}),
          alarm('muted-cpu', ['DBInstanceIdentifier', 'muted'], {ActionsEnabled: false}),
          alarm('pending-cpu', ['DBInstanceIdentifier', 'pending'], {AlarmActions: [PENDING]}),
          alarm('memory', ['DBInstanceIdentifier', 'memory'], {MetricName: 'FreeableMemory'}),
        ],
        ['none', 'hot', 'low', 'muted', 'pending', 'memory'].map((id) => instance(id, {MultiAZ: true})),
      ),
    )
    expect(result.map((v) => v.reason)).to.deep.equal([
      'Multi-AZ DB instance none has no CPUUtilization alarm.',
      'Multi-AZ DB instance hot has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: hot-cpu (threshold 80 above 60).',
      'Multi-AZ DB instance low has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: low-cpu (compares LessThanThreshold).',
      'Multi-AZ DB instance muted has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: muted-cpu (actions off).',
      'Multi-AZ DB instance pending has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: pending-cpu (topic pending-only without a confirmed subscription).',
      'Multi-AZ DB instance memory has no CPUUtilization alarm.',
    ])
    expect(result.every((v) => !v.pass)).to.equal(true)
  })

  it('passes when one of several alarms is good, and fails an alarm whose only action is not an SNS topic', () => {
    const result = verdicts(
      'cloudwatch-rds-cpu-alarm',
      inventory(
        [
          alarm('a-80', ['DBInstanceIdentifier', 'a'], {Threshold: 80}),
          alarm('a-55', ['DBInstanceIdentifier', 'a'], {Threshold: 55}),
          alarm('b-autoscale', ['DBInstanceIdentifier', 'b'], {AlarmActions: ['arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x']}),
        ],
        [instance('a', shard), instance('b', shard)],
      ),
    )
    expect(result[0]).to.deep.include({pass: true, reason: 'Shard DB instance a has CPU alarm a-55 at 55 % that notifies a subscribed SNS topic.'})
    expect(result[1]).to.deep.include({pass: false})
    expect(result[1].reason).to.match(/b-autoscale \(no SNS topic among its alarm actions\)\.$/)
  })

  it('asks shard and Multi-AZ clusters, covers them by their cluster alarm, and an Aurora member shard by its cluster alarm or its own', () => {
    const result = passes(
      'cloudwatch-rds-cpu-alarm',
      inventory(
        [alarm('aurora-cpu', ['DBClusterIdentifier', 'aurora']), alarm('lone-cpu', ['DBInstanceIdentifier', 'lone-1'])],
        [instance('aurora-1', {...shard, DBClusterIdentifier: 'aurora'}), instance('lone-1', {...shard, DBClusterIdentifier: 'lone'})],
        [
          {DBClusterIdentifier: 'aurora', ...shard},
          {DBClusterIdentifier: 'lone', ...shard},
          {DBClusterIdentifier: 'ha-cluster', MultiAZ: true},
          {DBClusterIdentifier: 'one-zone', MultiAZ: false},
        ],
      ),
    )
    expect(result).to.deep.equal({'aurora-1': true, 'lone-1': true, aurora: true, lone: false, 'ha-cluster': false})
  })

  it('lets --cpu-threshold 80 pass an alarm at 80 that the default 60 fails', () => {
    const at80 = inventory([alarm('hot-cpu', ['DBInstanceIdentifier', 'hot'], {Threshold: 80})], [instance('hot', shard)])
    expect(passes('cloudwatch-rds-cpu-alarm', at80)).to.deep.equal({hot: false})
    expect(passes('cloudwatch-rds-cpu-alarm', at80, {cpuThreshold: 80})).to.deep.equal({hot: true})
  })
})

describe('the alarms inventory (SDK mock: moto confirms every subscription at once)', () => {
  let sns: AwsStub<ServiceInputTypes, ServiceOutputTypes, SNSClientResolvedConfig>
  let cloudwatch: ReturnType<typeof mockClient>
  before(() => {
    sns = mockClient(SNSClient)
    cloudwatch = mockClient(CloudWatchClient)
  })
  afterEach(() => {
    sns.reset()
    cloudwatch.reset()
  })
  after(() => {
    sns.restore()
    cloudwatch.restore()
  })

  it('counts only topics with a confirmed subscription, across pages', async () => {
    const topic = (name: string) => `arn:aws:sns:us-east-1:123456789012:${name}`
    cloudwatch.on(DescribeAlarmsCommand).resolves({MetricAlarms: []})
    sns
      .on(ListSubscriptionsCommand)
      .resolvesOnce({
        Subscriptions: [
          {TopicArn: topic('pending'), SubscriptionArn: 'PendingConfirmation'},
          {TopicArn: topic('deleted'), SubscriptionArn: 'Deleted'},
        ],
        NextToken: 'page-2',
      })
      .resolves({Subscriptions: [{TopicArn: topic('oncall'), SubscriptionArn: `${topic('oncall')}:1b2c`}]})
    const session = await testSession()
    const inventory = await collectAlarms({session, home: session, region: 'us-east-1', accountRegion: 'us-east-1', withTags: false} as CollectorContext)
    expect([...inventory.subscribedTopics]).to.deep.equal([topic('oncall')])
    expect(sns.commandCalls(ListSubscriptionsCommand)).to.have.length(2)
  })
})
