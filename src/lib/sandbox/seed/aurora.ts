import {randomBytes} from 'node:crypto'

import {CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand} from '@aws-sdk/client-cloudwatch'
import {KMSClient} from '@aws-sdk/client-kms'
import {CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'

import {describeDbCluster, findDbInstance} from '../../aws/rds.js'
import {NotFoundError, OpsctlError} from '../../errors/errors.js'
import {findKeyByAlias, SHARD_KEY_ALIAS} from './kms.js'
import type {Seeder} from './seeder.js'

/** An Aurora PostgreSQL cluster with a writer and a reader: `opsctl failover drill --cluster` runs for real on it. */
export const AURORA_CLUSTER = 'tenants-aurora'
export const AURORA_INSTANCES = ['tenants-aurora-1', 'tenants-aurora-2']
/** An alarm on the cluster's CPU (the practices' "RDS CPU above 60%"), OK when seeded, for --alarm. */
export const AURORA_CPU_ALARM = 'tenants-aurora-cpu-above-60'

export const auroraSeeder: Seeder = {
  name: 'aurora',
  async seed(session, report) {
    const rds = session.client(RDSClient)
    const cloudwatch = session.client(CloudWatchClient)
    const shardKey = await findKeyByAlias(session.client(KMSClient), SHARD_KEY_ALIAS)
    if (!shardKey)
      throw new OpsctlError(`KMS key ${SHARD_KEY_ALIAS} is missing, so the Aurora cluster cannot be encrypted with it; run "opsctl sandbox seed" again.`)
    await report.ensure(
      'rds-db-cluster',
      AURORA_CLUSTER,
      () =>
        describeDbCluster(rds, AURORA_CLUSTER).catch((error) => {
          if (error instanceof NotFoundError) return undefined
          throw error
        }),
      async () =>
        (
          await rds.send(
            new CreateDBClusterCommand({
              DBClusterIdentifier: AURORA_CLUSTER,
              Engine: 'aurora-postgresql',
              EngineVersion: '16.4',
              MasterUsername: 'opsadmin',
              // Nobody logs in to a sandbox database; the password only has to be valid, and is never shown.
              MasterUserPassword: randomBytes(18).toString('base64url'),
              StorageEncrypted: true,
              KmsKeyId: shardKey.Arn,
              BackupRetentionPeriod: 30,
              DeletionProtection: true,
              Tags: [{Key: 'opsctl:role', Value: 'tenant-shard'}],
            }),
          )
        ).DBCluster!,
    )
    // The first instance becomes the writer, the second its reader, in another Availability Zone.
    for (const [index, id] of AURORA_INSTANCES.entries()) {
      await report.ensure(
        'rds-db-instance',
        id,
        () => findDbInstance(rds, id),
        async () =>
          (
            await rds.send(
              new CreateDBInstanceCommand({
                DBInstanceIdentifier: id,
                DBClusterIdentifier: AURORA_CLUSTER,
                Engine: 'aurora-postgresql',
                DBInstanceClass: 'db.r6g.large',
                AvailabilityZone: `${session.region}${'ab'[index]}`,
              }),
            )
          ).DBInstance!,
      )
    }
    await report.ensure(
      'cloudwatch-alarm',
      AURORA_CPU_ALARM,
      async () => (await cloudwatch.send(new DescribeAlarmsCommand({AlarmNames: [AURORA_CPU_ALARM]}))).MetricAlarms?.[0],
      async () => {
        await cloudwatch.send(
          new PutMetricAlarmCommand({
            AlarmName: AURORA_CPU_ALARM,
            Namespace: 'AWS/RDS',
            MetricName: 'CPUUtilization',
            Dimensions: [{Name: 'DBClusterIdentifier', Value: AURORA_CLUSTER}],
            Statistic: 'Average',
            Period: 60,
            EvaluationPeriods: 3,
            Threshold: 60,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        )
        return (await cloudwatch.send(new DescribeAlarmsCommand({AlarmNames: [AURORA_CPU_ALARM]}))).MetricAlarms![0]
      },
    )
  },
}
