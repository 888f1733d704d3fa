import {deliveryProblem, ownTrails, trailResource} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailDelivery: Check = {
  id: 'cloudtrail-delivery',
  title: 'CloudTrail trails deliver log files without error, the last one within 24 hours',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'high',
  risk: 'A trail that cannot write to its bucket (deleted bucket, changed policy, unusable KMS key) records nothing while looking enabled.',
  remediation: {
    text: 'Fix what the delivery error names (bucket policy, KMS key policy) and start logging if the trail is stopped.',
    cli: 'aws cloudtrail get-trail-status --name <trail> && aws cloudtrail start-logging --name <trail>',
  },
  evaluate: ({cloudtrail}, {region, now}) =>
    ownTrails(cloudtrail, region).map((t) => {
      const problem = deliveryProblem(t, now)
      return {
        resource: trailResource(t),
        pass: problem === undefined,
        reason: problem
          ? `Trail ${t.trail.Name} ${problem}.`
          : `Trail ${t.trail.Name} delivered its last log file at ${t.status.LatestDeliveryTime!.toISOString()}.`,
      }
    }),
}
