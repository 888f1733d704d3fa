import {table} from '../report/format.js'
import type {PatchScanOutcome, ScannedInstance} from './scan.js'

/*
 * `opsctl patch scan` as a terminal shows it, within `width` columns: a table an instance, then what the scan could
 * not read, where the versions came from, what was written to SSM Compliance and where the tenants came from.
 * A column that does not fit is cut with "…"; --json has every value whole.
 */

const list = (items: string[]) => items.join(', ')

function instanceTable(instances: ScannedInstance[], width: number): string {
  return table(
    ['INSTANCE', 'NAME', 'REGION', 'SHARDS', 'TENANTS', 'VERSION', 'VERDICT'],
    instances.map((i) => [i.instanceId, i.name, i.region, list(i.shards), list(i.tenants), i.version ?? 'unknown', i.verdict]),
    {width, columns: {NAME: 6, SHARDS: 6, TENANTS: 7}},
  )
}

const sources = (o: PatchScanOutcome) => {
  const from = (source: ScannedInstance['source']) => o.instances.filter((i) => i.source === source).length
  const commands = o.commands.length === 1 ? '1 command' : `${o.commands.length} commands`
  return `Versions from SSM Inventory for ${from('inventory')}, from a read-only Run Command for ${from('run-command')} (${commands}).`
}

const compliance = (o: PatchScanOutcome, dryRun: boolean) => {
  if (o.complianceWritten) return `SSM Compliance: written as ${o.complianceType}${o.counts.unknown > 0 ? ', unknown versions left as they were' : ''}.`
  return `SSM Compliance: not written (${dryRun ? 'dry run' : '--no-compliance'}).`
}

const tenants = (o: PatchScanOutcome) =>
  o.tenantStore.found
    ? `Tenants read from ${o.tenantStore.table} in ${o.tenantStore.region}.`
    : `No tenant table ${o.tenantStore.table} in ${o.tenantStore.region}: no tenants shown (pass --table / --home-region).`

export function renderPatchScan(o: PatchScanOutcome, options: {width: number; dryRun: boolean}): string {
  const regions = [...new Set(o.instances.map((i) => i.region))]
  const c = o.counts
  return [
    instanceTable(o.instances, options.width),
    '',
    ...o.instances.filter((i) => i.verdict === 'unknown').map((i) => `${i.instanceId}: version unknown: ${i.reason}`),
    `${o.instances.length} instance(s) in ${list(regions)}: ${c.compliant} at or above ${o.package} ${o.minVersion}, ${c['non-compliant']} below, ${c.unknown} unknown.`,
    sources(o),
    compliance(o, options.dryRun),
    tenants(o),
  ].join('\n')
}
