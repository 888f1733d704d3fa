import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'

import type {AwsSession} from '../aws/session.js'
import {DAY_MS, HOUR_MS} from '../time/clock.js'

const isoSeconds = (at: Date) => `${at.toISOString().slice(0, 19)}+00:00`

/**
 * The sandbox's root user, which moto's credential report leaves out: MFA on, yet used as it should not be — access key 1
 * active and used 3 days ago, the password used to sign in 2 days ago — so the demo shows iam-root-mfa passing and
 * iam-root-no-access-keys and iam-root-unused failing.
 */
export function sandboxRootRow(accountId: string, now: Date): Record<string, string> {
  // An hour more, so that a scan that started a moment before the report was read still counts whole days.
  const daysAgo = (days: number) => isoSeconds(new Date(now.getTime() - days * DAY_MS - HOUR_MS))
  return {
    user: '<root_account>',
    arn: `arn:aws:iam::${accountId}:root`,
    user_creation_time: daysAgo(400),
    password_enabled: 'not_supported',
    password_last_used: daysAgo(2),
    password_last_changed: 'not_supported',
    password_next_rotation: 'not_supported',
    mfa_active: 'true',
    access_key_1_active: 'true',
    access_key_1_last_rotated: daysAgo(400),
    access_key_1_last_used_date: daysAgo(3),
    access_key_1_last_used_region: 'us-east-1',
    access_key_1_last_used_service: 's3',
    access_key_2_active: 'false',
    cert_1_active: 'false',
    cert_2_active: 'false',
  }
}

/** The report's CSV with the root user's row first, as IAM writes it; columns the row does not name read N/A. */
export function withRootRow(csv: string, root: Record<string, string>): string {
  const [header, ...rows] = csv.split('\n')
  const rootLine = header
    .split(',')
    .map((column) => root[column] ?? 'N/A')
    .join(',')
  return [header, rootLine, ...rows].join('\n')
}

/** IAM GetCredentialReport: moto's report (or its error: not generated yet) with the sandbox's root user added. */
export async function getCredentialReport(session: AwsSession, input: object, toMoto: (input: object) => Promise<object>): Promise<object> {
  const report = (await toMoto(input)) as {Content?: Uint8Array}
  const {Account} = await session.client(STSClient).send(new GetCallerIdentityCommand({}))
  const csv = withRootRow(new TextDecoder().decode(report.Content), sandboxRootRow(Account!, new Date()))
  return {...report, Content: new TextEncoder().encode(csv)}
}
