import {listJournals} from '../engine/journal.js'
import type {RunRecord} from '../engine/types.js'
import {BACKUP_TEST_WORKFLOW} from '../engine/workflow-names.js'
import {type RtoTrend, rtoPoints} from '../report/trend.js'

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

/** How the recovery time of one instance's backup tests moves. */
export interface BackupTrend {
  dbInstanceId: string
  /** The RTO of each test that ran to the end (passed or failed), oldest → newest. */
  rtoSeconds: number[]
}

/** The tests that ran to the end and measured an RTO, oldest first. */
const measured = (tests: BackupTestEntry[]) => rtoPoints(tests.filter((t) => t.verdict === 'passed' || t.verdict === 'failed'))

/** Per instance, in the order of its newest test: the RTO of its tests, oldest → newest. */
export function backupTrends(tests: BackupTestEntry[]): BackupTrend[] {
  const instances = [...new Set(tests.map((t) => t.dbInstanceId))]
  return instances.map((dbInstanceId) => ({dbInstanceId, rtoSeconds: measured(tests.filter((t) => t.dbInstanceId === dbInstanceId)).map((p) => p.rtoSeconds)}))
}

/** The RTO of every backup test of an instance that ran to the end, oldest first: for the trend in a test's summary. */
export async function backupRtoTrend(dbInstanceId: string): Promise<RtoTrend> {
  return {runs: `the backup tests of ${dbInstanceId}`, points: measured(await backupTestHistory(dbInstanceId))}
}
