/** One past run's recovery time, as the history of drills and backup tests gives it. */
export interface RtoPoint {
  runId: string
  startedAt: string
  rtoSeconds: number
}

/** The recovery times of one target's runs, oldest first: what the history modules compute and these renderers draw. */
export interface RtoTrend {
  /** What the runs were, e.g. "the backup tests of tenant-shard-001". */
  runs: string
  points: RtoPoint[]
}

/** The runs of a history that measured an RTO, oldest first (by start time: run ids of one second do not sort by time). */
export function rtoPoints(history: {runId: string; startedAt: string; rtoSeconds?: number}[]): RtoPoint[] {
  return history
    .filter((run) => run.rtoSeconds !== undefined)
    .map(({runId, startedAt, rtoSeconds}) => ({runId, startedAt, rtoSeconds: rtoSeconds!}))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
}

const ticks = '▁▂▃▄▅▆▇█'

/** Values as a sparkline, lowest ▁ to highest █ (all ▁ when they are equal). */
function sparkline(values: number[]): string {
  const low = Math.min(...values)
  const span = Math.max(...values) - low
  return values.map((v) => ticks[span === 0 ? 0 : Math.round(((v - low) / span) * (ticks.length - 1))]).join('')
}

/** The last `count` RTOs, oldest → newest, as a sparkline with their lowest and highest: `▁▃▅▇ 0 s–612 s`. */
export function rtoSparkline(rtoSeconds: number[], seconds: (value: number) => string, count = 12): string {
  const shown = rtoSeconds.slice(-count)
  if (shown.length === 0) return ''
  return `${sparkline(shown)} ${seconds(Math.min(...shown))}–${seconds(Math.max(...shown))}`
}

/** The most points a chart shows: the latest runs. */
const chartedRuns = 20

/** "11-23 03:10" in UTC; a label that repeats gets the run's number in the chart, so that each run keeps its own place. */
function labels(points: RtoPoint[], runId: string): string[] {
  const seen = new Map<string, number>()
  return points.map((p) => {
    const label = p.runId === runId ? 'this run' : `${p.startedAt.slice(5, 10)} ${p.startedAt.slice(11, 16)}`
    const count = (seen.get(label) ?? 0) + 1
    seen.set(label, count)
    return count === 1 ? label : `${label} (${count})`
  })
}

/**
 * Markdown for a run's summary: the RTO of the earlier runs of the same target and of this one, as a
 * sparkline and as a Mermaid chart (GitHub draws ```mermaid blocks). Nothing when there is no earlier run to compare with.
 */
export function renderRtoTrend(trend: RtoTrend, runId: string): string[] {
  const points = trend.points.slice(-chartedRuns)
  if (points.length < 2) return []
  const values = points.map((p) => p.rtoSeconds)
  const top = Math.max(1, Math.ceil(Math.max(...values) * 1.1))
  const current = points.find((p) => p.runId === runId)
  return [
    `#### RTO of ${trend.runs}`,
    '',
    `The last ${points.length}, oldest → newest: ${rtoSparkline(values, (s) => `${s} s`, chartedRuns)}${current ? `; this run ${current.rtoSeconds} s` : ''}.`,
    '',
    '```mermaid',
    'xychart-beta',
    `  title "RTO of ${trend.runs.replace(/"/g, "'")} (s)"`,
    `  x-axis [${labels(points, runId)
      .map((label) => `"${label}"`)
      .join(', ')}]`,
    `  y-axis "RTO (s)" 0 --> ${top}`,
    `  line [${values.join(', ')}]`,
    '```',
    '',
  ]
}
