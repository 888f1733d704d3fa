import {nodeComplianceVerdicts} from '../inventory/ssm.js'
import type {Check} from '../types.js'

export const ssmAssociation: Check = {
  id: 'ssm-association',
  title: 'SSM managed nodes are association compliant',
  service: 'ssm',
  inventories: ['ssm'],
  severity: 'medium',
  risk: 'A failed State Manager association means the configuration it enforces (agents, hardening, inventory) is not in place on the node.',
  remediation: {
    text: 'Look at the failed association execution on the node and run the association again.',
    cli: 'aws ssm start-associations-once --association-ids <association-id>',
  },
  configRule: 'EC2_MANAGEDINSTANCE_ASSOCIATION_COMPLIANCE_STATUS_CHECK',
  evaluate: ({ssm}) => nodeComplianceVerdicts(ssm, 'Association', 'association'),
}
