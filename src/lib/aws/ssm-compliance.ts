import type {ComplianceItem, ComplianceSeverity, ComplianceStatus, SSMClient} from '@aws-sdk/client-ssm'

import {collectPages} from './paginate.js'

/** The severities SSM Compliance takes, most severe first. */
export const complianceSeverities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED'] as const satisfies readonly ComplianceSeverity[]

/** One custom compliance item of one managed instance, as a scan found it. */
export interface ComplianceRecord {
  instanceId: string
  /** e.g. Custom:opsctl-postgresql */
  complianceType: string
  /** The item id (e.g. the package) and what it says. */
  itemId: string
  title: string
  status: Extract<ComplianceStatus, 'COMPLIANT' | 'NON_COMPLIANT'>
  severity: ComplianceSeverity
  details: Record<string, string>
  /** When the scan found it, and which run: SSM shows them as the item's execution. */
  executionTime: Date
  executionId: string
}

/**
 * Writes an instance's item of the compliance type, replacing what an earlier scan wrote there (UploadType COMPLETE):
 * PutComplianceItems takes one resource a call. Writing it again after a lost response changes nothing.
 */
export async function putComplianceRecord(ssm: SSMClient, record: ComplianceRecord, abortSignal?: AbortSignal): Promise<void> {
  const {PutComplianceItemsCommand} = await import('@aws-sdk/client-ssm')
  await ssm.send(
    new PutComplianceItemsCommand({
      ResourceId: record.instanceId,
      ResourceType: 'ManagedInstance',
      ComplianceType: record.complianceType,
      ExecutionSummary: {ExecutionTime: record.executionTime, ExecutionId: record.executionId, ExecutionType: 'Command'},
      Items: [{Id: record.itemId, Title: record.title, Status: record.status, Severity: record.severity, Details: record.details}],
      UploadType: 'COMPLETE',
    }),
    {abortSignal},
  )
}

/** The compliance items of the type recorded for one instance (ListComplianceItems takes one resource a call), every page. */
export async function complianceItems(ssm: SSMClient, instanceId: string, complianceType: string, abortSignal?: AbortSignal): Promise<ComplianceItem[]> {
  const {paginateListComplianceItems} = await import('@aws-sdk/client-ssm')
  const input = {
    ResourceIds: [instanceId],
    ResourceTypes: ['ManagedInstance'],
    Filters: [{Key: 'ComplianceType', Values: [complianceType], Type: 'EQUAL' as const}],
  }
  return collectPages(paginateListComplianceItems({client: ssm}, input, {abortSignal}), (page) => page.ComplianceItems)
}
