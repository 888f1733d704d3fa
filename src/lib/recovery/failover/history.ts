import {listJournals} from '../../engine/journal.js'
import type {RunRecord} from '../../engine/types.js'
import {FAILOVER_DRILL_WORKFLOW} from '../../engine/workflow-names.js'
import {type RtoTrend, rtoPoints} from '../../report/trend.js'
import type {FailoverDrillOptions} from './context.js'
import type {FailoverDrillOutcome} from './drill.js'

export interface PastDrill {
  runId: string
  startedAt: string
  mode: string
  target: string
  rtoSeconds?: number
  targetRtoSeconds?: number
  /** met / missed for drills that ran to the end; otherwise how the run ended (failed, interrupted, running). */
  verdict: string
}

export interface DrillTrend {
  target: string
  mode: string
  /** Drills with a measured RTO. */
  drills: number
  /** The RTO of each of them, oldest → newest. */
  rtoSeconds: number[]
  lastRtoSeconds?: number
  /** Median RTO of the drills before the last one. */
  medianRtoSeconds?: number
  /** The last RTO against that median: more than 10% lower is improving, more than 10% higher worsening. */
  direction: 'improving' | 'worsening' | 'steady' | 'too few drills'
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function pastDrill(record: RunRecord): PastDrill {
  const parameters = record.parameters as Partial<FailoverDrillOptions>
  const outcome = record.outcome as FailoverDrillOutcome | undefined
  return {
    runId: record.runId,
    startedAt: record.startedAt,
    mode: parameters.mode ?? 'unknown',
    target: parameters.target ?? 'unknown',
    rtoSeconds: record.metrics.rtoSeconds,
    targetRtoSeconds: parameters.targetRtoSeconds,
    verdict: outcome?.verdict ?? record.status,
  }
}

/** The drills that ran to the end (met or missed their objective) and measured an RTO, oldest first. */
const measured = (drills: PastDrill[]) => rtoPoints(drills.filter((d) => d.verdict === 'met' || d.verdict === 'missed'))

/** How a target's recovery time moves: the last drill against the median of the earlier ones. */
function trendOf(target: string, mode: string, drills: PastDrill[]): DrillTrend {
  const rtoSeconds = measured(drills).map((p) => p.rtoSeconds)
  const last = rtoSeconds.at(-1)
  if (rtoSeconds.length < 2) return {target, mode, drills: rtoSeconds.length, rtoSeconds, lastRtoSeconds: last, direction: 'too few drills'}
  const medianRtoSeconds = median(rtoSeconds.slice(0, -1))
  const direction = last! < medianRtoSeconds * 0.9 ? 'improving' : last! > medianRtoSeconds * 1.1 ? 'worsening' : 'steady'
  return {target, mode, drills: rtoSeconds.length, rtoSeconds, lastRtoSeconds: last, medianRtoSeconds, direction}
}

/** Past drills from the journals (runs that reached the failover), newest first, and a trend per target and mode. */
export async function failoverHistory(target?: string): Promise<{drills: PastDrill[]; trends: DrillTrend[]}> {
  const drills = (await listJournals(FAILOVER_DRILL_WORKFLOW))
    // A dry run, or a run the preflight refused, never failed anything over.
    .filter((r) => !r.dryRun && r.steps.some((s) => s.mutates && s.status !== 'pending'))
    .map(pastDrill)
    .filter((d) => target === undefined || d.target === target)
  const groups = new Map<string, PastDrill[]>()
  for (const drill of drills) {
    const key = `${drill.target}\u0000${drill.mode}`
    groups.set(key, [...(groups.get(key) ?? []), drill])
  }
  const trends = [...groups.values()].map((group) => trendOf(group[0].target, group[0].mode, group))
  return {drills, trends}
}

/** The RTO of every drill of a target in one mode that ran to the end, oldest first: for the trend in a drill's summary. */
export async function drillRtoTrend(target: string, mode: string): Promise<RtoTrend> {
  const {drills} = await failoverHistory(target)
  return {runs: `the ${mode} drills of ${target}`, points: measured(drills.filter((d) => d.mode === mode))}
}
