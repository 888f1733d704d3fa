import {ownTrails, trailResource} from '../inventory/cloudtrail.js'
import type {Check} from '../types.js'

export const cloudtrailLogValidation: Check = {
  id: 'cloudtrail-log-validation',
  title: 'CloudTrail trails validate their log files',
  service: 'cloudtrail',
  inventories: ['cloudtrail'],
  severity: 'medium',
  risk: 'Without digest files nobody can prove that a log file was not changed or deleted after delivery.',
  remediation: {
    text: 'Turn on log file validation for the trail.',
    cli: 'aws cloudtrail update-trail --name <trail> --enable-log-file-validation',
  },
  configRule: 'CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED',
  prowlerId: 'cloudtrail_log_file_validation_enabled',
  evaluate: ({cloudtrail}, {region}) =>
    ownTrails(cloudtrail, region).map((t) => ({
      resource: trailResource(t),
      pass: t.trail.LogFileValidationEnabled === true,
      reason: `Trail ${t.trail.Name} has log file validation ${t.trail.LogFileValidationEnabled ? 'on' : 'off'}.`,
    })),
}
