import type {GetEventSelectorsCommandOutput, GetTrailStatusCommandOutput, Trail} from '@aws-sdk/client-cloudtrail'

import {mapWithLimit} from '../../aws/paginate.js'
import {tagMap} from '../../aws/tags.js'
import {DAY_MS} from '../../time/clock.js'
import {type CollectorContext, SERVICE_CONCURRENCY} from './collector.js'

export interface CloudTrailTrail {
  trail: Trail
  status: Omit<GetTrailStatusCommandOutput, '$metadata'>
  selectors: Omit<GetEventSelectorsCommandOutput, '$metadata'>
  tags?: Record<string, string>
}

export interface CloudTrailInventory {
  /** Every trail that logs this region: its own, and multi-region trails homed elsewhere. */
  trails: CloudTrailTrail[]
}

const LIST_TAGS_BATCH = 20

export async function collectCloudTrail({session, region, withTags, once}: CollectorContext): Promise<CloudTrailInventory> {
  const {CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, ListTagsCommand} = await import('@aws-sdk/client-cloudtrail')
  const client = session.client(CloudTrailClient)
  const {trailList = []} = await client.send(new DescribeTrailsCommand({includeShadowTrails: true}))
  const trails = await mapWithLimit(trailList, SERVICE_CONCURRENCY, async (trail): Promise<CloudTrailTrail> => {
    // A multi-region trail appears in every region: read its status and selectors once per scan, in its home region.
    const [status, selectors] = await once(`cloudtrail:${trail.TrailARN}`, () => {
      const home = trail.HomeRegion && trail.HomeRegion !== region ? session.inRegion(trail.HomeRegion).client(CloudTrailClient) : client
      return Promise.all([home.send(new GetTrailStatusCommand({Name: trail.TrailARN})), home.send(new GetEventSelectorsCommand({TrailName: trail.TrailARN}))])
    })
    return {trail, status, selectors}
  })
  if (withTags) {
    // ListTags answers for the trails homed in the region it is asked in, 20 at a time.
    const own = trails.filter((t) => t.trail.HomeRegion === region)
    for (let i = 0; i < own.length; i += LIST_TAGS_BATCH) {
      const batch = own.slice(i, i + LIST_TAGS_BATCH)
      const {ResourceTagList = []} = await client.send(new ListTagsCommand({ResourceIdList: batch.map((t) => t.trail.TrailARN!)}))
      for (const entry of ResourceTagList) {
        const match = batch.find((t) => t.trail.TrailARN === entry.ResourceId)
        if (match) match.tags = tagMap(entry.TagsList)
      }
    }
  }
  return {trails}
}

export const trailResource = (t: CloudTrailTrail) => ({
  type: 'AWS::CloudTrail::Trail',
  id: t.trail.Name!,
  arn: t.trail.TrailARN,
  region: t.trail.HomeRegion,
  tags: t.tags,
})

/** Trails homed in the region: trail settings are judged once, where the trail lives. */
export const ownTrails = (inventory: CloudTrailInventory, region: string) => inventory.trails.filter((t) => t.trail.HomeRegion === region)

export const isLogging = (t: CloudTrailTrail) => t.status.IsLogging === true

/** Read and write management events, with no event source excluded, by basic or advanced selectors. */
export function logsAllManagementEvents(t: CloudTrailTrail): boolean {
  const basic = t.selectors.EventSelectors ?? []
  const advanced = t.selectors.AdvancedEventSelectors ?? []
  if (basic.some((s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? 'All') === 'All' && (s.ExcludeManagementEventSources ?? []).length === 0))
    return true
  return advanced.some((s) => {
    const fields = s.FieldSelectors ?? []
    const category = fields.find((f) => f.Field === 'eventCategory')
    return category?.Equals?.includes('Management') === true && !fields.some((f) => f.Field === 'readOnly' || f.Field === 'eventSource')
  })
}

/** Undefined when the trail delivers; otherwise why not, as a clause. */
export function deliveryProblem(t: CloudTrailTrail, now: Date): string | undefined {
  if (t.status.LatestDeliveryError) return `reports delivery error ${t.status.LatestDeliveryError}`
  const delivered = t.status.LatestDeliveryTime
  if (!delivered) return 'has never delivered a log file'
  if (now.getTime() - delivered.getTime() > DAY_MS) return `last delivered a log file at ${delivered.toISOString()}, more than 24 h ago`
  return undefined
}

/** Undefined when the trail meets every security-trail criterion; otherwise the first one it misses. */
export function securityTrailGap(t: CloudTrailTrail, now: Date): string | undefined {
  if (!isLogging(t)) return 'is not logging'
  if (!t.trail.IsMultiRegionTrail) return 'is not multi-region'
  if (!t.trail.IncludeGlobalServiceEvents) return 'does not include global service events'
  if (!t.trail.LogFileValidationEnabled) return 'has log file validation off'
  if (!t.trail.KmsKeyId) return 'is not encrypted with a KMS key'
  if (!logsAllManagementEvents(t)) return 'does not log all read and write management events'
  return deliveryProblem(t, now)
}
