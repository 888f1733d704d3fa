import type {RotationRulesType, SecretListEntry} from '@aws-sdk/client-secrets-manager'

import {DAY_MS} from '../../time/clock.js'
import type {RdsInventory} from '../inventory/rds.js'
import {DATABASE_SECRET_TAG, secretResource} from '../inventory/secrets.js'
import type {Check, Verdict} from '../types.js'

/** Secrets Manager rotates within a window on the day it is due (up to 24 hours long): a rotation a day late is not overdue yet. */
const GRACE_DAYS = 1

/** The secrets that hold database credentials (RDS-managed master passwords, secrets tagged with their database), each with its databases. */
function databaseSecrets(rds: RdsInventory, secrets: SecretListEntry[]): Map<SecretListEntry, string[]> {
  const owners = new Map<string, string[]>()
  const own = (arn: string | undefined, database: string) => {
    if (arn) owners.set(arn, [...(owners.get(arn) ?? []), database])
  }
  for (const i of rds.instances) own(i.MasterUserSecret?.SecretArn, `DB instance ${i.DBInstanceIdentifier}`)
  for (const c of rds.clusters) own(c.MasterUserSecret?.SecretArn, `DB cluster ${c.DBClusterIdentifier}`)
  const held = new Map<SecretListEntry, string[]>()
  for (const secret of secrets) {
    const tagged = secret.Tags?.find((t) => t.Key === DATABASE_SECRET_TAG)?.Value
    const databases = [...(owners.get(secret.ARN!) ?? []), ...(tagged ? [`database ${tagged}`] : [])]
    if (databases.length > 0) held.set(secret, databases)
  }
  return held
}

/**
 * Days between rotations: AutomaticallyAfterDays, or a rate() expression. A cron() expression has no fixed interval,
 * so it yields none: such a secret is judged by its NextRotationDate alone (the date Secrets Manager itself planned).
 */
export function rotationIntervalDays(rules: RotationRulesType | undefined): number | undefined {
  if (rules?.AutomaticallyAfterDays) return rules.AutomaticallyAfterDays
  const rate = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/.exec(rules?.ScheduleExpression?.trim() ?? '')
  if (!rate) return undefined
  return rate[2].startsWith('hour') ? Number(rate[1]) / 24 : Number(rate[1])
}

const daysBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / DAY_MS)
const day = (date: Date) => date.toISOString().slice(0, 10)

/** Why a secret's rotation falls short, or undefined when it rotates on time. */
function rotationProblem(secret: SecretListEntry, now: Date): string | undefined {
  if (secret.RotationEnabled !== true) return 'does not rotate automatically'
  const interval = rotationIntervalDays(secret.RotationRules)
  const last = secret.LastRotatedDate ?? secret.CreatedDate
  if (interval !== undefined && last && daysBetween(last, now) > interval + GRACE_DAYS) {
    const since = secret.LastRotatedDate ? `was last rotated ${day(last)}` : `was created ${day(last)} and never rotated`
    return `${since}, ${daysBetween(last, now)} days ago, beyond its ${interval}-day schedule`
  }
  if (secret.NextRotationDate && daysBetween(secret.NextRotationDate, now) > GRACE_DAYS) return `was due to rotate ${day(secret.NextRotationDate)} and has not`
  if (interval !== undefined && !last) return 'has no rotation or creation date to judge its schedule by'
  return undefined
}

/** How a secret that rotates on time does so; a cron() schedule without a planned date can only be judged to be on. */
function onSchedule(secret: SecretListEntry): string {
  const interval = rotationIntervalDays(secret.RotationRules)
  if (interval !== undefined) return `rotates every ${interval} days and is on schedule`
  const cron = secret.RotationRules?.ScheduleExpression ?? 'a schedule'
  return secret.NextRotationDate ? `rotates on ${cron} and is on schedule` : `rotates on ${cron} (no next rotation date listed to judge it by)`
}

export const secretsmanagerRotation: Check = {
  id: 'secretsmanager-rotation',
  title: 'Secrets that hold database credentials rotate automatically, and have rotated within their schedule',
  service: 'secretsmanager',
  inventories: ['secrets', 'rds'],
  severity: 'medium',
  risk: 'Database credentials that never change stay valid for whoever copied them once: a leaked password works until someone notices.',
  remediation: {
    text: 'Turn rotation on (for an RDS-managed master password RDS supplies the rotation; for other secrets attach a rotation function) and look into rotations that are overdue.',
    cli: 'aws secretsmanager rotate-secret --secret-id <secret> --rotation-rules AutomaticallyAfterDays=30',
  },
  // SECRETSMANAGER_ROTATION_ENABLED_CHECK asks whether rotation is on; this check also asks what
  // SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK and Prowler's secretsmanager_secret_rotated_periodically ask (rotated on time).
  configRule: 'SECRETSMANAGER_ROTATION_ENABLED_CHECK',
  prowlerId: 'secretsmanager_automatic_rotation_enabled',
  evaluate: ({secrets, rds}, {now}) =>
    [...databaseSecrets(rds, secrets.secrets)].map(([secret, databases]): Verdict => {
      const problem = rotationProblem(secret, now)
      const holds = `Secret ${secret.Name} (credentials of ${databases.join(' and ')})`
      return {
        resource: secretResource(secret),
        pass: problem === undefined,
        reason: `${holds} ${problem ?? onSchedule(secret)}.`,
      }
    }),
}
