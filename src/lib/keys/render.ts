import {table, truncate} from '../report/format.js'
import type {KeyUsers} from './key-users.js'
import type {KeyStatus, KeyStatusReport, RotationView} from './status.js'

/*
 * `opsctl key status` as a terminal shows it, within `width` columns (80 fit): a table a key, then under it each
 * key's id, what uses it and its verdicts. A column that does not fit is cut with "…"; --json has every value whole.
 */

const day = (iso: string | undefined) => iso?.slice(0, 10) ?? ''

const plural = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`

/** How a key is called in the table: its first alias, else its id. */
const keyName = (key: KeyStatus) => key.aliases[0] ?? key.keyId

const rotationCell = (r: RotationView) => (!r.supported ? 'n/a' : r.enabled ? `${r.periodDays ?? '?'} days` : 'off')

const lastRotation = (r: RotationView) =>
  r.lastRotation
    ? `last rotated ${day(r.lastRotation.date)} ${r.lastRotation.type === 'ON_DEMAND' ? 'on demand' : 'automatically'}`
    : r.supported
      ? 'never rotated'
      : ''

/** What uses a key, in words; tenant data keys are left out when there is no tenant store. */
export function usersInWords(users: KeyUsers): string[] {
  return [
    ...(users.tenantDataKeys ? [plural(users.tenantDataKeys, 'tenant data key')] : []),
    ...users.dbInstances.map((id) => `DB instance ${id}`),
    ...users.dbClusters.map((id) => `DB cluster ${id}`),
    ...users.trails.map((name) => `trail ${name}`),
    ...users.volumes.map((id) => `volume ${id}`),
  ]
}

const usersCount = (users: KeyUsers) =>
  users.dbInstances.length + users.dbClusters.length + users.trails.length + users.volumes.length + (users.tenantDataKeys ?? 0)

function renderKeyTable(keys: KeyStatus[], width: number): string {
  return table(
    ['KEY', 'STATE', 'ROTATION', 'NEXT', 'LAST', 'ON DEMAND', 'USED BY'],
    keys.map((k) => [
      keyName(k),
      k.state,
      rotationCell(k.rotation),
      day(k.rotation.nextRotationDate),
      day(k.rotation.lastRotation?.date),
      `${k.rotation.onDemandUsed}/${k.rotation.onDemandLimit}`,
      String(usersCount(k.usedBy)),
    ]),
    {width, columns: {KEY: 14, STATE: 7}},
  )
}

/** What a key is beyond the usual symmetric encryption key, and its other aliases. */
const keyFacts = (key: KeyStatus) => [
  ...(key.keySpec === 'SYMMETRIC_DEFAULT' && key.keyUsage === 'ENCRYPT_DECRYPT' ? [] : [`${key.keySpec} for ${key.keyUsage}`]),
  ...(key.aliases.length > 1 ? [`also ${key.aliases.slice(1).join(', ')}`] : []),
]

/** A key's lines under the table: which key it is, its last rotation, what uses it, and each verdict. */
function keyDetails(key: KeyStatus, width: number): string[] {
  const users = usersInWords(key.usedBy)
  const facts = [lastRotation(key.rotation), ...keyFacts(key)].filter(Boolean)
  return [
    `${key.aliases[0] ? `${key.aliases[0]}: key` : 'Key'} ${key.keyId}${facts.length > 0 ? `, ${facts.join(', ')}` : ''}.`,
    `  Used by: ${users.length > 0 ? users.join(', ') : 'nothing opsctl can see'}.`,
    ...key.verdicts.map((v) => `  ! ${v.message}`),
  ].map((line) => truncate(line, width))
}

/** `opsctl key status`: the keys' table, each key's details, and a closing line with the policy and the count of findings. */
export function renderKeyStatus(report: KeyStatusReport, width: number): string {
  if (report.keys.length === 0) return `No customer-managed KMS keys in ${report.region}.`
  const judged = report.keys.filter((k) => k.verdicts.length > 0).length
  const {table: tenantTable, region} = report.tenantStore
  const store = report.tenantStore.found
    ? `Tenant data keys read from ${tenantTable} in ${region}.`
    : `No tenant store (${tenantTable} in ${region}): no tenant data keys.`
  return [
    renderKeyTable(report.keys, width),
    '',
    ...report.keys.flatMap((k) => keyDetails(k, width)),
    '',
    `${plural(report.keys.length, 'key')} in ${report.region}, ${judged === 0 ? 'each as the policy asks' : `${judged} with findings`}.`,
    `Policy: rotation at least every ${report.policy.maxRotationDays} days, at most ${report.policy.onDemandLimit} on-demand rotations.`,
    truncate(store, width),
  ].join('\n')
}

/** The one sentence a run with findings ends on (exit 3). */
export function findingsSentence(report: KeyStatusReport): string {
  const judged = report.keys.filter((k) => k.verdicts.length > 0)
  return `${plural(judged.length, 'KMS key')} of ${report.keys.length} in ${report.region} ${judged.length === 1 ? 'has' : 'have'} findings: ${judged.map(keyName).join(', ')}.`
}
