import {CloudWatchClient, PutMetricAlarmCommand} from '@aws-sdk/client-cloudwatch'
import {CreateDBClusterCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateSecretCommand, RotateSecretCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {CreateTopicCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import type {ComplianceResult} from '../../../src/lib/compliance/types.js'
import {testSession} from '../../support/aws.js'
import {createDbInstance} from '../../support/rds.js'

const REGIONS = ['us-east-1', 'eu-west-1']
const CHECKS = ['rds-master-password-managed', 'secretsmanager-rotation', 'cloudwatch-rds-cpu-alarm']
const CANARY = 'canary-7f3e9b2d-never-printed'
const SHARD_TAG = {Key: 'opsctl:shard-product', Value: 'jira'}

describe('managed database secrets and CPU alarms (moto)', () => {
  const rds = new RDSClient({})
  const secrets = new SecretsManagerClient({})
  const sns = new SNSClient({})
  const cloudwatch = new CloudWatchClient({})
  /** The secrets RDS created for the databases that let it manage their master password. */
  let managedSecret: {orders: string; billing: string}

  const secret = async (Name: string, database: string | undefined, rotateEveryDays?: number) => {
    await secrets.send(
      new CreateSecretCommand({
        Name,
        SecretString: JSON.stringify({username: 'app', password: CANARY}),
        Tags: database ? [{Key: 'opsctl:database', Value: database}] : [],
      }),
    )
    if (rotateEveryDays) await secrets.send(new RotateSecretCommand({SecretId: Name, RotationRules: {AutomaticallyAfterDays: rotateEveryDays}}))
  }
  const cpuAlarm = (AlarmName: string, dimension: [string, string], Threshold: number, topic: string) =>
    cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName,
        Namespace: 'AWS/RDS',
        MetricName: 'CPUUtilization',
        Dimensions: [{Name: dimension[0], Value: dimension[1]}],
        Statistic: 'Average',
        Period: 300,
        EvaluationPeriods: 3,
        Threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [topic],
      }),
    )

  beforeEach(async () => {
    // orders: a Multi-AZ shard whose password RDS manages; legacy: Multi-AZ with a password set by hand.
    await createDbInstance('orders', {MultiAZ: true, ManageMasterUserPassword: true, MasterUserPassword: undefined, Tags: [SHARD_TAG]})
    await createDbInstance('legacy', {MultiAZ: true})
    await createDbInstance('single', {MultiAZ: false})
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'billing',
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'opsadmin',
        ManageMasterUserPassword: true,
        Tags: [SHARD_TAG],
      }),
    )
    const [orders] = (await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'orders'}))).DBInstances!
    const [billing] = (await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: 'billing'}))).DBClusters!
    managedSecret = {orders: orders.MasterUserSecret!.SecretArn!, billing: billing.MasterUserSecret!.SecretArn!}
    // RDS sets up rotation of the secrets it manages; moto leaves it off, so turn it on for one of them.
    await secrets.send(new RotateSecretCommand({SecretId: managedSecret.orders, RotationRules: {AutomaticallyAfterDays: 7}}))
    await secret('app/db', 'orders-app', 30)
    await secret('reporting/db', 'reporting')
    await secret('api/token', undefined)

    const {TopicArn: oncall} = await sns.send(new CreateTopicCommand({Name: 'oncall'}))
    // moto confirms every subscription at once (a real email subscription waits for its confirmation link).
    await sns.send(new SubscribeCommand({TopicArn: oncall, Protocol: 'email', Endpoint: 'oncall@example.com'}))
    const {TopicArn: silent} = await sns.send(new CreateTopicCommand({Name: 'silent'}))
    await cpuAlarm('orders-cpu', ['DBInstanceIdentifier', 'orders'], 60, oncall!)
    await cpuAlarm('legacy-cpu', ['DBInstanceIdentifier', 'legacy'], 80, oncall!)
    await cpuAlarm('billing-cpu', ['DBClusterIdentifier', 'billing'], 60, silent!)
  })

  const scan = async (over: {cpuThreshold?: number; now?: () => Date} = {}) =>
    runComplianceScan(await testSession(), {
      checks: selectChecks({checkIds: CHECKS}),
      regions: REGIONS,
      accountId: '123456789012',
      failOn: 'informational',
      minRetentionDays: 30,
      ...over,
    })
  const verdicts = (result: ComplianceResult, checkId: string) =>
    Object.fromEntries(result.findings.filter((f) => f.checkId === checkId).map((f) => [f.resourceId, f.status]))
  const reasonOf = (result: ComplianceResult, checkId: string, resourceId: string) =>
    result.findings.find((f) => f.checkId === checkId && f.resourceId === resourceId)?.reason
  const secretName = (arn: string) => arn.split(':')[6].replace(/-[A-Za-z0-9]{6}$/, '')

  it('fails the database with a hand-set password, the secrets that do not rotate and the alarms that would tell nobody', async () => {
    const result = await scan()
    expect(result.totals.error).to.equal(0)
    expect(verdicts(result, 'rds-master-password-managed')).to.deep.equal({orders: 'PASS', billing: 'PASS', legacy: 'FAIL', single: 'FAIL'})
    expect(verdicts(result, 'secretsmanager-rotation')).to.deep.equal({
      [secretName(managedSecret.orders)]: 'PASS',
      [secretName(managedSecret.billing)]: 'FAIL',
      'app/db': 'PASS',
      'reporting/db': 'FAIL',
    })
    expect(reasonOf(result, 'secretsmanager-rotation', secretName(managedSecret.billing))).to.equal(
      `Secret ${secretName(managedSecret.billing)} (credentials of DB cluster billing) does not rotate automatically.`,
    )
    expect(verdicts(result, 'cloudwatch-rds-cpu-alarm'), 'single is neither a shard nor Multi-AZ').to.deep.equal({
      orders: 'PASS',
      billing: 'FAIL',
      legacy: 'FAIL',
    })
    expect(reasonOf(result, 'cloudwatch-rds-cpu-alarm', 'legacy')).to.equal(
      'Multi-AZ DB instance legacy has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: legacy-cpu (threshold 80 above 60).',
    )
    expect(reasonOf(result, 'cloudwatch-rds-cpu-alarm', 'billing')).to.equal(
      'Shard DB cluster billing has no CPU alarm at or below 60 % that notifies a subscribed SNS topic: billing-cpu (topic silent without a confirmed subscription).',
    )
    expect(result.verdict).to.equal('failed')
  })

  it('passes the alarm at 80 % under --cpu-threshold 80', async () => {
    expect(verdicts(await scan({cpuThreshold: 80}), 'cloudwatch-rds-cpu-alarm')).to.include({legacy: 'PASS'})
  })

  it('fails rotating secrets once their schedule has passed without a rotation', async () => {
    const later = new Date(Date.now() + 40 * 86_400_000)
    const result = await scan({now: () => later})
    expect(verdicts(result, 'secretsmanager-rotation')).to.include({[secretName(managedSecret.orders)]: 'FAIL', 'app/db': 'FAIL'})
    expect(reasonOf(result, 'secretsmanager-rotation', 'app/db')).to.match(
      /^Secret app\/db \(credentials of database orders-app\) was last rotated \d{4}-\d\d-\d\d, 40 days ago, beyond its 30-day schedule\.$/,
    )
  })

  it('lists each kind once per region, never reads a secret, and lets no secret value reach the result', async () => {
    const calls: AwsCall[] = []
    const result = await withinCallScope({calls}, () => scan())
    const times = (operation: string) => calls.filter((c) => c.operation === operation).length
    for (const operation of ['ListSecrets', 'DescribeAlarms', 'ListSubscriptions', 'DescribeDBInstances', 'DescribeDBClusters'])
      expect(times(operation), operation).to.equal(REGIONS.length)
    for (const operation of ['GetSecretValue', 'DescribeSecret', 'ListSubscriptionsByTopic', 'GetTopicAttributes', 'DescribeAlarmsForMetric'])
      expect(times(operation), operation).to.equal(0)
    expect(JSON.stringify(result)).not.to.include(CANARY)
  })
})
