import type {MetricAlarm} from '@aws-sdk/client-cloudwatch'
import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import {SHARD_PRODUCT_TAG} from '../../tenants/shards.js'
import type {AlarmsInventory} from '../inventory/alarms.js'
import {clusterResource, instanceResource} from '../inventory/rds.js'
import type {Check, Verdict} from '../types.js'

/** A database the check asks about, and the CPUUtilization dimensions an alarm on it may carry. */
interface Watched {
  resource: Verdict['resource']
  what: string
  dimensions: {Name: string; Value: string}[]
}

const isShard = (tags: {Key?: string}[] | undefined) => tags?.some((t) => t.Key === SHARD_PRODUCT_TAG) ?? false

/**
 * Shards and Multi-AZ databases, instances and clusters alike (an Aurora cluster with a replica in another zone is as much
 * a Multi-AZ database as an instance); an Aurora member is also covered by an alarm on its cluster.
 */
function watchedDatabases(instances: DBInstance[], clusters: DBCluster[]): Watched[] {
  const instanceDimension = (i: DBInstance) => ({Name: 'DBInstanceIdentifier', Value: i.DBInstanceIdentifier!})
  const clusterDimension = (id: string) => ({Name: 'DBClusterIdentifier', Value: id})
  return [
    ...instances
      .filter((i) => isShard(i.TagList) || i.MultiAZ === true)
      .map((i) => ({
        resource: instanceResource(i),
        what: `${isShard(i.TagList) ? 'Shard' : 'Multi-AZ'} DB instance ${i.DBInstanceIdentifier}`,
        dimensions: [instanceDimension(i), ...(i.DBClusterIdentifier ? [clusterDimension(i.DBClusterIdentifier)] : [])],
      })),
    ...clusters
      .filter((c) => isShard(c.TagList) || c.MultiAZ === true)
      .map((c) => ({
        resource: clusterResource(c),
        what: `${isShard(c.TagList) ? 'Shard' : 'Multi-AZ'} DB cluster ${c.DBClusterIdentifier}`,
        dimensions: [clusterDimension(c.DBClusterIdentifier!)],
      })),
  ]
}

const watches = (alarm: MetricAlarm, {dimensions}: Watched) =>
  alarm.Namespace === 'AWS/RDS' &&
  alarm.MetricName === 'CPUUtilization' &&
  (alarm.Dimensions ?? []).some((d) => dimensions.some((w) => w.Name === d.Name && w.Value === d.Value))

const RISING = new Set(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold'])
const topicName = (arn: string) => arn.split(':').pop()

/** What keeps an alarm from telling operators the CPU is above the threshold, or nothing when it does. */
function shortfalls(alarm: MetricAlarm, cpuThreshold: number, subscribedTopics: Set<string>): string[] {
  const topics = (alarm.AlarmActions ?? []).filter((a) => a.startsWith('arn:aws') && a.split(':')[2] === 'sns')
  return [
    ...(RISING.has(alarm.ComparisonOperator ?? '') ? [] : [`compares ${alarm.ComparisonOperator}`]),
    ...(alarm.Threshold !== undefined && alarm.Threshold <= cpuThreshold ? [] : [`threshold ${alarm.Threshold ?? 'none'} above ${cpuThreshold}`]),
    ...(alarm.ActionsEnabled === false ? ['actions off'] : []),
    ...(topics.length === 0
      ? ['no SNS topic among its alarm actions']
      : topics.some((t) => subscribedTopics.has(t))
        ? []
        : [`topic ${topics.map(topicName).join(', ')} without a confirmed subscription`]),
  ]
}

function verdictFor(watched: Watched, {alarms, subscribedTopics}: AlarmsInventory, cpuThreshold: number): Verdict {
  const candidates = alarms.filter((a) => watches(a, watched))
  const judged = candidates.map((alarm) => ({alarm, shortfalls: shortfalls(alarm, cpuThreshold, subscribedTopics)}))
  const good = judged.find((j) => j.shortfalls.length === 0)
  const {resource, what} = watched
  if (good)
    return {resource, pass: true, reason: `${what} has CPU alarm ${good.alarm.AlarmName} at ${good.alarm.Threshold} % that notifies a subscribed SNS topic.`}
  if (candidates.length === 0) return {resource, pass: false, reason: `${what} has no CPUUtilization alarm.`}
  const why = judged.map((j) => `${j.alarm.AlarmName} (${j.shortfalls.join(', ')})`).join('; ')
  return {resource, pass: false, reason: `${what} has no CPU alarm at or below ${cpuThreshold} % that notifies a subscribed SNS topic: ${why}.`}
}

export const cloudwatchRdsCpuAlarm: Check = {
  id: 'cloudwatch-rds-cpu-alarm',
  title: 'Shards and Multi-AZ databases have a CPU alarm (at or below --cpu-threshold, default 60 %) that notifies a subscribed SNS topic',
  service: 'cloudwatch',
  inventories: ['alarms', 'rds'],
  severity: 'medium',
  risk: 'A database whose CPU runs hot unwatched slows every tenant on it, and operators hear of it from customers instead of from an alarm.',
  remediation: {
    text: 'Create a CPUUtilization alarm on the instance (or the Aurora cluster) at or below the threshold, whose alarm action is an SNS topic operators are subscribed to.',
    cli: 'aws cloudwatch put-metric-alarm --alarm-name <db>-cpu --namespace AWS/RDS --metric-name CPUUtilization --dimensions Name=DBInstanceIdentifier,Value=<db> --statistic Average --period 300 --evaluation-periods 3 --threshold 60 --comparison-operator GreaterThanThreshold --alarm-actions <topic-arn>',
  },
  // AWS Config's CLOUDWATCH_ALARM_RESOURCE_CHECK (resourceType AWS::RDS::DBCluster, metricName CPUUtilization) asks only
  // that an alarm exists, and only for clusters; Prowler has no such check.
  configRule: 'CLOUDWATCH_ALARM_RESOURCE_CHECK',
  evaluate: ({alarms, rds}, {cpuThreshold}) => watchedDatabases(rds.instances, rds.clusters).map((w) => verdictFor(w, alarms, cpuThreshold)),
}
