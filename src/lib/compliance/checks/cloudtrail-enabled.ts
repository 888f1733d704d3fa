import {isLogging} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailEnabled: Check = {
  id: 'cloudtrail-enabled',
  title: 'The region is covered by a CloudTrail trail that is logging',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'high',
  risk: 'API calls in a region no logging trail covers leave no record of who did what, beyond the 90-day event history.',
  remediation: {
    text: 'Create a multi-region trail (or start logging the existing one).',
    cli: 'aws cloudtrail create-trail --name org-audit --s3-bucket-name <bucket> --is-multi-region-trail && aws cloudtrail start-logging --name org-audit',
  },
  configRule: 'CLOUD_TRAIL_ENABLED',
  prowlerId: 'cloudtrail_multi_region_enabled',
  evaluate({cloudtrail}, {region}) {
    const logging = cloudtrail.trails.filter((t) => isLogging(t))
    return [
      {
        resource: {type: 'AWS::Region', id: region},
        pass: logging.length > 0,
        reason:
          logging.length > 0
            ? `Region ${region} is logged by trail ${logging.map((t) => t.trail.Name).join(', ')}.`
            : `Region ${region} is not covered by any trail that is logging.`,
      },
    ]
  },
}
