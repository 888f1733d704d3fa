import type {IAMClient} from '@aws-sdk/client-iam'

import {callScope} from '../../aws/call-log.js'
import {OpsctlError} from '../../errors/errors.js'
import {formatDuration} from '../../report/format.js'
import {systemClock} from '../../time/clock.js'
import type {CollectorContext} from './collector.js'

/** One of the root user's two access keys, as the credential report shows it. */
export interface RootAccessKey {
  slot: 1 | 2
  active: boolean
  /** Undefined when the key was never used (N/A) or has no such record. */
  lastUsed?: Date
}

/** The root user's row of the IAM credential report. */
export interface RootUser {
  /** The account the root user is the root of, from its ARN (the resource id of its findings). */
  accountId: string
  arn: string
  mfaActive: boolean
  accessKeys: RootAccessKey[]
  /** Undefined when the root password was never used or IAM has no record of it (N/A, no_information). */
  passwordLastUsed?: Date
}

export interface IamInventory {
  /** Only in the scan's account region: the root user is account-wide and judged once; elsewhere undefined. */
  root?: RootUser
}

/** How long to wait for IAM to generate the credential report, polling at growing intervals. */
export const CREDENTIAL_REPORT_WAIT = {firstPollMs: 100, longestPollMs: 2000, maxWaitMs: 30_000}
export type CredentialReportWait = typeof CREDENTIAL_REPORT_WAIT

const ROOT_ROW = '<root_account>'
/** What the credential report writes where there is no date: never, not applicable, or no record. */
const NO_DATE = new Set(['N/A', 'not_supported', 'no_information'])
/** IAM's answers while a report is being generated, is missing or is too old (class names and wire codes alike). */
const REPORT_NOT_READY = new Set([
  'CredentialReportNotReadyException',
  'CredentialReportNotPresentException',
  'CredentialReportExpiredException',
  'ReportGenerationLimitExceededException',
  'ReportInProgress',
  'ReportNotPresent',
  'ReportExpired',
  'ReportGenerationLimitExceeded',
])

/** The root user from the credential report, read in the account region only (IAM is global): two calls when the report is fresh. */
export async function collectIam({session, region, accountRegion}: CollectorContext, wait = CREDENTIAL_REPORT_WAIT): Promise<IamInventory> {
  if (region !== accountRegion) return {}
  const {IAMClient} = await import('@aws-sdk/client-iam')
  const rows = parseCredentialReport(await credentialReport(session.client(IAMClient), wait))
  const root = rows.find((row) => row.user === ROOT_ROW)
  if (!root)
    throw new OpsctlError(
      'The IAM credential report has no root user row, so the root user cannot be judged; run the check with credentials of the account itself (not an emulator that leaves root out).',
      undefined,
      'CredentialReportWithoutRoot',
    )
  return {root: rootUser(root)}
}

/** Generates the credential report and reads it, polling while IAM is still generating it, up to the wait. */
async function credentialReport(client: IAMClient, wait: CredentialReportWait): Promise<string> {
  const deadline = systemClock.now() + wait.maxWaitMs
  for (let pauseMs = wait.firstPollMs; ; pauseMs = Math.min(2 * pauseMs, wait.longestPollMs)) {
    const report = await readyReport(client)
    if (report !== undefined) return report
    if (systemClock.now() + pauseMs > deadline)
      throw new OpsctlError(
        `IAM did not finish generating the credential report within ${formatDuration(wait.maxWaitMs)}; run the check again in a minute.`,
        undefined,
        'CredentialReportNotReady',
      )
    await systemClock.sleep(pauseMs, callScope()?.signal)
  }
}

/** The report's CSV, or undefined while IAM is still generating it (or has to generate it again). */
async function readyReport(client: IAMClient): Promise<string | undefined> {
  const {GenerateCredentialReportCommand, GetCredentialReportCommand} = await import('@aws-sdk/client-iam')
  try {
    const {State} = await client.send(new GenerateCredentialReportCommand({}))
    if (State !== 'COMPLETE') return undefined
    const {Content} = await client.send(new GetCredentialReportCommand({}))
    return new TextDecoder().decode(Content)
  } catch (error) {
    if (REPORT_NOT_READY.has((error as Error).name)) return undefined
    throw error
  }
}

/** The credential report's rows by column name (no field of it is quoted: user names and ARNs hold no commas). */
export function parseCredentialReport(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.split(/\r?\n/).filter((line) => line.trim() !== '')
  const columns = header?.split(',') ?? []
  return lines.map((line) => {
    const fields = line.split(',')
    return Object.fromEntries(columns.map((column, i) => [column, fields[i] ?? '']))
  })
}

function rootUser(row: Record<string, string>): RootUser {
  const accessKey = (slot: 1 | 2): RootAccessKey => ({
    slot,
    active: row[`access_key_${slot}_active`] === 'true',
    lastUsed: reportDate(row, `access_key_${slot}_last_used_date`),
  })
  return {
    accountId: row.arn.split(':')[4],
    arn: row.arn,
    mfaActive: row.mfa_active === 'true',
    accessKeys: [accessKey(1), accessKey(2)],
    passwordLastUsed: reportDate(row, 'password_last_used'),
  }
}

function reportDate(row: Record<string, string>, column: string): Date | undefined {
  const value = row[column] ?? 'N/A'
  if (NO_DATE.has(value)) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime()))
    throw new OpsctlError(
      `The IAM credential report's ${column} of the root user reads "${value}", which is not a date; run the check again, and report it if it persists.`,
    )
  return date
}

export const rootResource = (root: RootUser) => ({type: 'AWS::IAM::User', id: root.accountId, arn: root.arn})
/** How a verdict names the root user: by its account, the resource id. */
export const rootUserName = (root: RootUser) => `The root user of account ${root.accountId}`
