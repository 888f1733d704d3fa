import type {KMSClient} from '@aws-sdk/client-kms'

import {ROTATION_PERIOD_DAYS} from '../aws/kms.js'
import type {AwsSession} from '../aws/session.js'
import {UsageError} from '../errors/errors.js'
import type {TenantStore} from '../tenants/store.js'

/** What a rotation was asked to do; recorded as the run's parameters, so a resume compares them. */
export interface KeyRotateOptions {
  /** The key as given: key id, key ARN, alias name or alias ARN. */
  key: string
  /** Turn automatic rotation on (or change its period) once the on-demand rotation is verified. */
  enableAutomatic: boolean
  periodDays?: number
  onDemandLimit: number
  timeoutSeconds: number
  pollIntervalSeconds: number
}

export interface KeyRotateContext extends KeyRotateOptions {
  kms: KMSClient
  /** Where the tenants' wrapped data keys are, to decrypt those under the key after the rotation. */
  store: TenantStore
}

/** The rotation the flags describe, or a usage error saying which flag is wrong. Makes no AWS call. */
export function resolveRotateOptions(input: KeyRotateOptions): KeyRotateOptions {
  const {min, max} = ROTATION_PERIOD_DAYS
  if (input.periodDays !== undefined && !input.enableAutomatic)
    throw new UsageError('--period-days sets the period of automatic rotation; pass it with --enable-automatic.', 'InvalidRotationPeriod')
  if (input.periodDays !== undefined && (input.periodDays < min || input.periodDays > max))
    throw new UsageError(
      `--period-days ${input.periodDays} is outside ${min}–${max}, the rotation periods KMS accepts; choose a period in that range.`,
      'InvalidRotationPeriod',
    )
  if (input.onDemandLimit < 1) throw new UsageError(`--on-demand-limit ${input.onDemandLimit} must be at least 1.`, 'InvalidOnDemandLimit')
  const periodDays = input.enableAutomatic ? (input.periodDays ?? ROTATION_PERIOD_DAYS.default) : undefined
  return {...input, periodDays}
}

/** The clients a rotation works with: KMS in the session's region, and the tenant store. */
export async function keyRotateContext(session: AwsSession, options: KeyRotateOptions, store: TenantStore): Promise<KeyRotateContext> {
  const {KMSClient} = await import('@aws-sdk/client-kms')
  return {...options, kms: session.client(KMSClient), store}
}
