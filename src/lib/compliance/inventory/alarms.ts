import type {MetricAlarm} from '@aws-sdk/client-cloudwatch'

import {collectPages} from '../../aws/paginate.js'
import type {CollectorContext} from './collector.js'

export interface AlarmsInventory {
  /** Every metric alarm of the region (composite alarms watch no metric of their own). */
  alarms: MetricAlarm[]
  /**
   * The ARNs of the topics with at least one confirmed subscription. ListSubscriptions lists only this account's
   * subscriptions: a topic subscribed to from another account counts as unsubscribed.
   */
  subscribedTopics: Set<string>
}

/** A subscription that is not yet, or no longer, delivering has one of these in place of its ARN. */
const UNCONFIRMED = new Set(['PendingConfirmation', 'Deleted'])

/** One paginated DescribeAlarms and one paginated ListSubscriptions per region; no call per alarm or topic. */
export async function collectAlarms({session}: CollectorContext): Promise<AlarmsInventory> {
  const [{CloudWatchClient, paginateDescribeAlarms}, {paginateListSubscriptions, SNSClient}] = await Promise.all([
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-sns'),
  ])
  const [alarms, subscriptions] = await Promise.all([
    collectPages(paginateDescribeAlarms({client: session.client(CloudWatchClient)}, {AlarmTypes: ['MetricAlarm'], MaxRecords: 100}), (p) => p.MetricAlarms),
    collectPages(paginateListSubscriptions({client: session.client(SNSClient)}, {}), (p) => p.Subscriptions),
  ])
  const confirmed = subscriptions.filter((s) => s.TopicArn && s.SubscriptionArn && !UNCONFIRMED.has(s.SubscriptionArn))
  return {alarms, subscribedTopics: new Set(confirmed.map((s) => s.TopicArn!))}
}
