import {table, truncate} from '../report/format.js'
import type {KeyUsers} from './key-users.js'
import type {KeyStatus, KeyStatusReport, RotationView} from './status.js'

/*
 * `opsctl key status` as a terminal shows it, within `width` columns: a table a key, then a line a key for what
 * uses it and a line a verdict. A column that does not fit is cut with "…"; --json has every value whole.
 */

const day = (iso: string | undefined) => iso?.slice(0, 10) ?? ''

const plural = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`

/** How a key is called in the table: its first alias, else its id. */
const keyName = (key: KeyStatus) => key.aliases[0] ?? key.keyId

const rotationCell = (r: RotationView) => (!r.supported ? 'n/a' : r.enabled ? `${r.periodDays ?? '?'} days` : 'off')

const lastRotationCell = (r: RotationView) =>
  r.lastRotation ? `${day(r.lastRotation.date)} ${r.lastRotation.type === 'ON_DEMAND' ? 'on demand' : 'automatic'}` : r.supported ? 'never' : ''

/** What uses a key, in words; tenant data keys are left out when there is no tenant store. */
export function usersInWords(users: KeyUsers): string[] {
  return [
    ...users.dbInstances.map((id) => `DB instance ${id}`),
    ...users.dbClusters.map((id) => `DB cluster ${id}`),
    ...users.trails.map((name) => `trail ${name}`),
    ...users.volumes.map((id) => `volume ${id}`),
    ...(users.tenantDataKeys ? [plural(users.tenantDataKeys, 'tenant data key')] : []),
  ]
}

const usersCount = (users: KeyUsers) =>
  users.dbInstances.length + users.dbClusters.length + users.trails.length + users.volumes.length + (users.tenantDataKeys ?? 0)

function renderKeyTable(keys: KeyStatus[], width: number): string {
  return table(
    ['KEY', 'STATE', 'ROTATION', 'NEXT', 'LAST ROTATION', 'ON DEMAND', 'USED BY', 'VERDICTS'],
    keys.map((k) => [
      keyName(k),
      k.state,
      rotationCell(k.rotation),
      day(k.rotation.nextRotationDate),
      lastRotationCell(k.rotation),
      `${k.rotation.onDemandUsed}/${k.rotation.onDemandLimit}`,
      String(usersCount(k.usedBy)),
      k.verdicts.length === 0 ? 'ok' : String(k.verdicts.length),
    ]),
    {width, columns: {KEY: 16, STATE: 8, 'LAST ROTATION': 10}},
  )
}

/** A key's lines under the table: which key it is, what uses it, and each verdict. */
function keyDetails(key: KeyStatus, width: number): string[] {
  const users = usersInWords(key.usedBy)
  return [
    `${keyName(key)}: ${key.keyId}, ${key.keySpec} for ${key.keyUsage}${key.aliases.length > 1 ? `, also ${key.aliases.slice(1).join(', ')}` : ''}.`,
    `  Used by: ${users.length > 0 ? users.join(', ') : 'nothing opsctl can see'}.`,
    ...key.verdicts.map((v) => `  ! ${v.message}`),
  ].map((line) => truncate(line, width))
}

/** `opsctl key status`: the keys' table, each key's details, and a closing line with the policy and the count of findings. */
export function renderKeyStatus(report: KeyStatusReport, width: number): string {
  if (report.keys.length === 0) return `No customer-managed KMS keys in ${report.region}.`
  const judged = report.keys.filter((k) => k.verdicts.length > 0).length
  const store = report.tenantStore.found
    ? `tenant data keys from ${report.tenantStore.table} in ${report.tenantStore.region}`
    : `no tenant store (${report.tenantStore.table} in ${report.tenantStore.region})`
  return [
    renderKeyTable(report.keys, width),
    '',
    ...report.keys.flatMap((k) => keyDetails(k, width)),
    '',
    truncate(
      `${plural(report.keys.length, 'key')} in ${report.region}, ${judged === 0 ? 'all as the policy asks' : `${judged} with findings`} (rotation at least every ${report.policy.maxRotationDays} days, at most ${report.policy.onDemandLimit} on-demand rotations; ${store}).`,
      width,
    ),
  ].join('\n')
}

/** The one sentence a run with findings ends on (exit 3). */
export function findingsSentence(report: KeyStatusReport): string {
  const judged = report.keys.filter((k) => k.verdicts.length > 0)
  return `${plural(judged.length, 'KMS key')} of ${report.keys.length} in ${report.region} ${judged.length === 1 ? 'has' : 'have'} findings: ${judged.map(keyName).join(', ')}.`
}
