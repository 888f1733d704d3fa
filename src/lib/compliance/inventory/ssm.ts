import type {ResourceComplianceSummaryItem} from '@aws-sdk/client-ssm'

import {collectPages} from '../../aws/paginate.js'
import type {CollectorContext} from './collector.js'

export interface SsmInventory {
  /** One item per managed node and compliance type (Patch, Association, Custom:…). */
  summaries: ResourceComplianceSummaryItem[]
}

export async function collectSsm({session}: CollectorContext): Promise<SsmInventory> {
  const {paginateListResourceComplianceSummaries, SSMClient} = await import('@aws-sdk/client-ssm')
  const pages = paginateListResourceComplianceSummaries({client: session.client(SSMClient)}, {MaxResults: 50})
  return {summaries: await collectPages(pages, (p) => p.ResourceComplianceSummaryItems)}
}

/** One verdict per managed node that reports the compliance type (Patch or Association). */
export function nodeComplianceVerdicts(ssm: SsmInventory, complianceType: 'Patch' | 'Association', what: string) {
  return ssm.summaries
    .filter((s) => s.ComplianceType === complianceType)
    .map((s) => {
      const compliant = s.Status === 'COMPLIANT'
      const missing = s.NonCompliantSummary?.NonCompliantCount ?? 0
      return {
        resource: {
          type: s.ResourceType === 'ManagedInstance' ? 'AWS::SSM::ManagedInstanceInventory' : `AWS::SSM::${s.ResourceType ?? 'Resource'}`,
          id: s.ResourceId!,
        },
        pass: compliant,
        reason: compliant
          ? `Managed node ${s.ResourceId} is ${what} compliant.`
          : `Managed node ${s.ResourceId} is not ${what} compliant: ${missing} non-compliant item(s), highest severity ${s.OverallSeverity ?? 'UNSPECIFIED'}.`,
      }
    })
}
