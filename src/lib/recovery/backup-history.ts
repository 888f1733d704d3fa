import {listJournals} from '../engine/journal.js'
import type {RunRecord} from '../engine/types.js'
import {BACKUP_TEST_WORKFLOW} from './workflow-names.js'

export interface BackupTestEntry {
  runId: string
  startedAt: string
  dbInstanceId: string
  snapshotId?: string
  rtoSeconds?: number
  rpoSeconds?: number
  /** passed or failed (a check or objective missed); error or interrupted when the test did not finish. */
  verdict: 'passed' | 'failed' | 'error' | 'interrupted' | 'running'
}

/** Past backup tests from the journals, newest first; dry runs are not tests. */
export async function backupTestHistory(dbInstanceId?: string): Promise<BackupTestEntry[]> {
  const records = (await listJournals(BACKUP_TEST_WORKFLOW)).filter((r) => !r.dryRun)
  return records
    .filter((r) => !dbInstanceId || r.parameters.dbInstanceId === dbInstanceId)
    .map((r) => ({
      runId: r.runId,
      startedAt: r.startedAt,
      dbInstanceId: r.parameters.dbInstanceId as string,
      snapshotId: r.steps.find((s) => s.id === 'restore-point')?.outputs?.snapshotId as string | undefined,
      rtoSeconds: r.metrics.rtoSeconds,
      rpoSeconds: r.metrics.rpoSeconds,
      verdict: verdictOf(r),
    }))
}

function verdictOf(record: RunRecord): BackupTestEntry['verdict'] {
  if (record.outcome) return record.outcome.verdict as 'passed' | 'failed'
  if (record.status === 'failed') return record.error?.code === 'ObjectiveMissed' ? 'failed' : 'error'
  return record.status === 'interrupted' ? 'interrupted' : 'running'
}
