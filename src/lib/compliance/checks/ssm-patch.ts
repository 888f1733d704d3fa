import {nodeComplianceVerdicts} from '../inventory/ssm.js'
import type {Check} from '../types.js'

export const ssmPatch: Check = {
  id: 'ssm-patch',
  title: 'SSM managed nodes are patch compliant',
  service: 'ssm',
  inventories: ['ssm'],
  severity: 'high',
  risk: 'Missing patches leave known vulnerabilities (an old PostgreSQL, an unpatched kernel) open to exploitation.',
  remediation: {
    text: 'Install the missing patches with the AWS-RunPatchBaseline document in a maintenance window.',
    cli: 'aws ssm send-command --document-name AWS-RunPatchBaseline --targets Key=InstanceIds,Values=<instance-id> --parameters Operation=Install',
  },
  configRule: 'EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK',
  prowlerId: 'ssm_managed_compliant_patching',
  evaluate: ({ssm}) => nodeComplianceVerdicts(ssm, 'Patch', 'patch'),
}
