import {randomBytes} from 'node:crypto'

import {CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {CreateDBSubnetGroupCommand, DBSubnetGroupNotFoundFault, DescribeDBClustersCommand, DescribeDBSubnetGroupsCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateSecretCommand, DescribeSecretCommand, ResourceNotFoundException, RotateSecretCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {CreateTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'

import {describeDbInstance} from '../../aws/rds.js'
import type {AwsSession} from '../../aws/session.js'
import {amazonLinuxImage} from './ec2.js'
import type {SandboxNetwork} from './network.js'
import {type SeedReport, unlessMissing} from './seeder.js'

/*
 * The compliance estate's network, identity, secrets and alarm controls: for each check, a resource that passes and
 * one that fails. The network itself (VPC, subnets, gateways, security groups) is the demo's, from ./network.ts.
 */

export const COMPLIANCE_SUBNET_GROUPS = {private: 'opsctl-compliance-private', public: 'opsctl-compliance-public'}
export const COMPLIANCE_DB_SERVERS = {private: 'opsctl-compliance-mysql-private', exposed: 'opsctl-compliance-mysql-exposed'}
export const COMPLIANCE_SECRETS = {rotating: 'opsctl/compliance/app-db', static: 'opsctl/compliance/reporting-db'}
export const COMPLIANCE_TOPICS = {oncall: 'opsctl-compliance-oncall', unsubscribed: 'opsctl-compliance-unsubscribed'}

const SEED_TAG = {Key: 'opsctl:seed', Value: 'compliance'}

/** A group of private subnets only, and one with the public subnet in it. */
export async function seedDbSubnetGroups(session: AwsSession, report: SeedReport, network: SandboxNetwork): Promise<void> {
  const rds = session.client(RDSClient)
  const group = (name: string, subnets: string[], description: string) =>
    report.ensure(
      'rds-db-subnet-group',
      name,
      () =>
        unlessMissing(
          rds.send(new DescribeDBSubnetGroupsCommand({DBSubnetGroupName: name})).then((r) => r.DBSubnetGroups?.[0]),
          DBSubnetGroupNotFoundFault,
        ),
      async () =>
        (await rds.send(new CreateDBSubnetGroupCommand({DBSubnetGroupName: name, DBSubnetGroupDescription: description, SubnetIds: subnets, Tags: [SEED_TAG]})))
          .DBSubnetGroup!,
    )
  await group(COMPLIANCE_SUBNET_GROUPS.private, network.privateSubnets, 'Private subnets only: no route to the internet gateway')
  await group(COMPLIANCE_SUBNET_GROUPS.public, [network.publicSubnet, network.privateSubnets[1]], 'A public subnet among them')
}

/** Two self-managed MySQL servers (tag Role=mysql): one private behind the databases' group, one public and exposed. */
export async function seedDatabaseServers(session: AwsSession, report: SeedReport, network: SandboxNetwork): Promise<void> {
  const ec2 = session.client(EC2Client)
  const server = (name: string, placement: {subnet: string; group: string; publicIp: boolean}) =>
    report.ensure(
      'ec2-instance',
      name,
      async () => {
        const Filters = [
          {Name: 'tag:Name', Values: [name]},
          {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
        ]
        return (await ec2.send(new DescribeInstancesCommand({Filters}))).Reservations?.[0]?.Instances?.[0]
      },
      async () =>
        (
          await ec2.send(
            new RunInstancesCommand({
              ImageId: await amazonLinuxImage(ec2),
              InstanceType: 't3.micro',
              MinCount: 1,
              MaxCount: 1,
              NetworkInterfaces: [{DeviceIndex: 0, SubnetId: placement.subnet, Groups: [placement.group], AssociatePublicIpAddress: placement.publicIp}],
              TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Name', Value: name}, {Key: 'Role', Value: 'mysql'}, SEED_TAG]}],
            }),
          )
        ).Instances![0],
    )
  await server(COMPLIANCE_DB_SERVERS.private, {subnet: network.privateSubnets[1], group: network.groups.database, publicIp: false})
  await server(COMPLIANCE_DB_SERVERS.exposed, {subnet: network.publicSubnet, group: network.groups.exposed, publicIp: true})
}

/**
 * Database credentials in Secrets Manager: the secrets RDS manages for the seed's databases rotate every 7 days, as RDS
 * sets them up (moto leaves their rotation off); a tagged secret that rotates every 30 days, and one that never rotates.
 */
export async function seedDatabaseSecrets(session: AwsSession, report: SeedReport, databases: {instances: string[]; clusters: string[]}): Promise<void> {
  const secrets = session.client(SecretsManagerClient)
  const rotate = (SecretId: string, days: number) => secrets.send(new RotateSecretCommand({SecretId, RotationRules: {AutomaticallyAfterDays: days}}))
  const rds = session.client(RDSClient)
  const described = await Promise.all([
    ...databases.instances.map((id) => describeDbInstance(rds, id)),
    ...databases.clusters.map(async (id) => (await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: id}))).DBClusters![0]),
  ])
  const managed = described.flatMap((db) => (db.MasterUserSecret?.SecretArn ? [db.MasterUserSecret.SecretArn] : []))
  for (const arn of managed) {
    await report.ensure(
      'secretsmanager-rotation',
      arn,
      async () => ((await secrets.send(new DescribeSecretCommand({SecretId: arn}))).RotationEnabled ? arn : undefined),
      async () => (await rotate(arn, 7)).ARN!,
    )
  }
  const secret = (name: string, database: string, rotationDays?: number) =>
    report.ensure(
      'secretsmanager-secret',
      name,
      () => unlessMissing(secrets.send(new DescribeSecretCommand({SecretId: name})), ResourceNotFoundException),
      async () => {
        const created = await secrets.send(
          new CreateSecretCommand({
            Name: name,
            Description: `opsctl compliance demo: credentials of ${database}`,
            // Nobody logs in with it; it only has to look like credentials, and is never shown.
            SecretString: JSON.stringify({username: 'opsadmin', password: randomBytes(18).toString('base64url')}),
            Tags: [{Key: 'opsctl:database', Value: database}, SEED_TAG],
          }),
        )
        if (rotationDays) await rotate(name, rotationDays)
        return created
      },
    )
  await secret(COMPLIANCE_SECRETS.rotating, 'compliance-good', 30)
  await secret(COMPLIANCE_SECRETS.static, 'compliance-legacy')
}

/**
 * RDS CPU alarms: the Multi-AZ instance and the Aurora cluster notify a subscribed topic at 60 %; the AWS-key instance's
 * alarm fires only at 80 % and notifies a topic nobody is subscribed to; the tenant shards have none.
 */
export async function seedCpuAlarms(session: AwsSession, report: SeedReport, databases: {good: string; awsKey: string; cluster: string}): Promise<void> {
  const sns = session.client(SNSClient)
  const topic = async (name: string, subscriber?: string) =>
    (
      await report.ensure(
        'sns-topic',
        name,
        async () => (await sns.send(new ListTopicsCommand({}))).Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`)),
        async () => {
          const {TopicArn} = await sns.send(new CreateTopicCommand({Name: name, Tags: [SEED_TAG]}))
          if (subscriber) await sns.send(new SubscribeCommand({TopicArn, Protocol: 'email', Endpoint: subscriber}))
          return {TopicArn}
        },
      )
    ).TopicArn!
  const oncall = await topic(COMPLIANCE_TOPICS.oncall, 'oncall@example.com')
  const unsubscribed = await topic(COMPLIANCE_TOPICS.unsubscribed)
  const cloudwatch = session.client(CloudWatchClient)
  const alarm = (name: string, dimension: {Name: string; Value: string}, threshold: number, topicArn: string) =>
    report.ensure(
      'cloudwatch-alarm',
      name,
      async () => (await cloudwatch.send(new DescribeAlarmsCommand({AlarmNames: [name]}))).MetricAlarms?.[0]?.AlarmName,
      async () => {
        await cloudwatch.send(
          new PutMetricAlarmCommand({
            AlarmName: name,
            AlarmDescription: `opsctl compliance demo: CPU of ${dimension.Value} above ${threshold} %`,
            Namespace: 'AWS/RDS',
            MetricName: 'CPUUtilization',
            Dimensions: [dimension],
            Statistic: 'Average',
            Period: 300,
            EvaluationPeriods: 3,
            Threshold: threshold,
            ComparisonOperator: 'GreaterThanThreshold',
            AlarmActions: [topicArn],
            Tags: [SEED_TAG],
          }),
        )
        return name
      },
    )
  await alarm(`${databases.good}-cpu`, {Name: 'DBInstanceIdentifier', Value: databases.good}, 60, oncall)
  await alarm(`${databases.cluster}-cpu`, {Name: 'DBClusterIdentifier', Value: databases.cluster}, 60, oncall)
  await alarm(`${databases.awsKey}-cpu`, {Name: 'DBInstanceIdentifier', Value: databases.awsKey}, 80, unsubscribed)
}
