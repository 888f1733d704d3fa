import {securityTrailGap} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailSecurityTrail: Check = {
  id: 'cloudtrail-security-trail',
  title: 'One trail meets every CloudTrail practice at once (logging, multi-region, global events, validation, KMS, all management events, delivering)',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'medium',
  risk: 'Practices spread over several trails leave gaps: the trail that is encrypted may not be the one that records every region.',
  remediation: {
    text: 'Bring one multi-region trail up to every practice of the other cloudtrail-* checks.',
    cli: 'aws cloudtrail update-trail --name <trail> --is-multi-region-trail --include-global-service-events --enable-log-file-validation --kms-key-id <key-arn>',
  },
  configRule: 'CLOUDTRAIL_SECURITY_TRAIL_ENABLED',
  evaluate({cloudtrail}, {region, now}) {
    const gaps = cloudtrail.trails.map((t) => ({name: t.trail.Name, gap: securityTrailGap(t, now)}))
    const good = gaps.find((g) => g.gap === undefined)
    return [
      {
        resource: {type: 'AWS::Region', id: region},
        pass: good !== undefined,
        reason: good
          ? `Region ${region} is logged by trail ${good.name}, which meets every practice.`
          : gaps.length === 0
            ? `Region ${region} has no trail at all.`
            : `Region ${region} has no trail meeting every practice: ${gaps.map((g) => `${g.name} ${g.gap}`).join('; ')}.`,
      },
    ]
  },
}
