import {isLogging, logsAllManagementEvents} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailMultiRegion: Check = {
  id: 'cloudtrail-multi-region',
  title: 'A logging multi-region trail records read and write management events',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'high',
  risk: 'Without one multi-region trail recording all management events, activity in a newly used region or read-only reconnaissance goes unrecorded.',
  remediation: {
    text: 'Make a trail multi-region and record all read and write management events.',
    cli: 'aws cloudtrail update-trail --name <trail> --is-multi-region-trail && aws cloudtrail put-event-selectors --trail-name <trail> --event-selectors \'[{"ReadWriteType":"All","IncludeManagementEvents":true}]\'',
  },
  configRule: 'MULTI_REGION_CLOUD_TRAIL_ENABLED',
  prowlerId: 'cloudtrail_multi_region_enabled_logging_management_events',
  evaluate({cloudtrail}, {region}) {
    const good = cloudtrail.trails.find((t) => t.trail.IsMultiRegionTrail && isLogging(t) && logsAllManagementEvents(t))
    return [
      {
        resource: {type: 'AWS::Region', id: region},
        pass: good !== undefined,
        reason: good
          ? `Region ${region} is logged by multi-region trail ${good.trail.Name} with read and write management events.`
          : `Region ${region} has no logging multi-region trail that records read and write management events.`,
      },
    ]
  },
}
