import {randomBytes} from 'node:crypto'
import {mkdir, readdir, readFile, rename, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from '../errors/errors.js'
import {maskSecrets} from '../secrets/secrets.js'
import type {RunRecord} from './types.js'

/** Where opsctl keeps its journals and sandbox state: $OPSCTL_HOME, default ~/.opsctl. */
export function opsctlHome(): string {
  // An empty value counts as unset: it must not make opsctl write its state into the current folder.
  return process.env.OPSCTL_HOME || join(homedir(), '.opsctl')
}

export function runsDir(): string {
  return join(opsctlHome(), 'runs')
}

export const isRunId = (text: string) => /^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(text)

/** Sortable by time, short enough for a resource name: 20261123T192515Z-4f9a1c; `tag` (six hex digits) instead of random ones names a run after what it records. */
export function newRunId(now = new Date(), tag = randomBytes(3).toString('hex')): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  return `${stamp}-${tag}`
}

/** Written to a temporary file and renamed over the journal, so a reader or a crash never sees half a record. */
export async function writeJournal(record: RunRecord): Promise<void> {
  await mkdir(runsDir(), {recursive: true})
  const target = join(runsDir(), `${record.runId}.json`)
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temporary, `${maskSecrets(JSON.stringify(record, null, 2))}\n`, {mode: 0o600})
  await rename(temporary, target)
}

export async function readJournal(runId: string): Promise<RunRecord> {
  if (!isRunId(runId)) {
    throw new UsageError(`"${runId}" is not a run id; run ids look like 20261123T192515Z-4f9a1c (see "opsctl runs list").`, 'InvalidRunId')
  }
  try {
    return JSON.parse(await readFile(join(runsDir(), `${runId}.json`), 'utf8')) as RunRecord
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`No run ${runId} in ${runsDir()}; see "opsctl runs list" for the runs recorded here.`, 'NotFound')
    }
    throw error
  }
}

/** Every journal, newest first, optionally only those of one workflow. */
export async function listJournals(workflow?: string): Promise<RunRecord[]> {
  let names: string[]
  try {
    names = await readdir(runsDir())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const records = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await readFile(join(runsDir(), n), 'utf8')) as RunRecord),
  )
  // Newest first by the start time, to the millisecond: run ids tell only the second.
  records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId))
  return workflow ? records.filter((r) => r.workflow === workflow) : records
}
