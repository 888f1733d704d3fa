import type {Check} from '../types.js'

export const configRulesCompliant: Check = {
  id: 'config-rules-compliant',
  title: 'No AWS Config rule has non-compliant resources',
  service: 'config',
  inventories: ['configRules'],
  severity: 'medium',
  risk: 'A non-compliant Config rule is a posture breach that AWS Config has already found and nobody has fixed.',
  remediation: {
    text: 'Look at the non-compliant resources of the rule and fix them, or change the rule if it no longer applies.',
    cli: 'aws configservice get-compliance-details-by-config-rule --config-rule-name <rule> --compliance-types NON_COMPLIANT',
  },
  // Rules with insufficient data or nothing in scope have no verdict yet: not judged.
  evaluate: ({configRules}, {region}) =>
    configRules.rules
      .filter((r) => r.Compliance?.ComplianceType === 'COMPLIANT' || r.Compliance?.ComplianceType === 'NON_COMPLIANT')
      .map((r) => {
        const compliant = r.Compliance!.ComplianceType === 'COMPLIANT'
        const count = r.Compliance?.ComplianceContributorCount
        return {
          resource: {type: 'AWS::Config::ConfigRule', id: r.ConfigRuleName!},
          pass: compliant,
          reason: compliant
            ? `Config rule ${r.ConfigRuleName} in ${region} is compliant.`
            : `Config rule ${r.ConfigRuleName} in ${region} has ${count ? `${count.CappedCount}${count.CapExceeded ? '+' : ''}` : 'some'} non-compliant resource(s).`,
        }
      }),
}
