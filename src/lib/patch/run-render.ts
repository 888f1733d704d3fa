import {table} from '../report/format.js'
import type {PatchPlan, PatchRunOutcome} from './run.js'

/** What the fleet's read said of an instance: its Name tag, cluster and installed version. */
export type FleetFacts = Map<string, {name: string; cluster?: string; version?: string}>

/** The plan as a terminal shows it (the dry run's answer): each wave and its instances, then what is left alone. */
export function renderPatchPlan(plan: PatchPlan, facts: FleetFacts, minVersion: string, width: number): string {
  const waveName = (w: PatchPlan['waves'][number]) => (w.canary ? 'canary' : `wave ${w.index}`)
  const rows = plan.waves.flatMap((w) =>
    w.instanceIds.map((id, i) => {
      const fact = facts.get(id)
      return [i === 0 ? waveName(w) : '', id, fact?.name ?? '', fact?.cluster ?? '', fact?.version ?? '']
    }),
  )
  const total = plan.waves.reduce((n, w) => n + w.instanceIds.length, 0)
  return [
    total === 0
      ? `Nothing to patch: no instance is below ${minVersion}.`
      : table(['WAVE', 'INSTANCE', 'NAME', 'CLUSTER', 'VERSION'], rows, {width, columns: {NAME: 12, CLUSTER: 8}}),
    '',
    `${total} instance(s) below ${minVersion} in ${plan.waves.length} wave(s); up to ${plan.maxErrors} may fail before the remaining waves are called off.`,
    ...(plan.notNeeded.length > 0 ? [`${plan.notNeeded.length} already at or above ${minVersion}: left alone.`] : []),
    ...plan.skipped.map((i) => `${i.instanceId}: left alone, its version is unknown (${i.reason}).`),
  ].join('\n')
}

/** What a run did to each instance. */
export function renderPatchResults(outcome: PatchRunOutcome, facts: FleetFacts, width: number): string {
  const rows = outcome.instances.map((i) => [
    i.instanceId,
    facts.get(i.instanceId)?.name ?? '',
    i.wave < 0 ? '' : String(i.wave),
    i.result,
    i.fromVersion ?? '',
    i.toVersion ?? '',
    i.reason ?? (i.snapshotId ? `snapshot ${i.snapshotId} kept` : ''),
  ])
  const {counts} = outcome
  return [
    table(['INSTANCE', 'NAME', 'WAVE', 'RESULT', 'FROM', 'TO', 'DETAIL'], rows, {width, columns: {NAME: 12, DETAIL: 20}}),
    '',
    `${counts.patched} patched, ${counts['rolled-back']} rolled back, ${counts.failed} failed, ${counts['not-needed']} not needed, ${counts.skipped} skipped.`,
  ].join('\n')
}
