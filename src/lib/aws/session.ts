import type {AwsCredentialIdentityProvider, HandlerExecutionContext, InitializeMiddleware, MetadataBearer} from '@smithy/types'

import {UsageError} from '../errors/errors.js'
import {registerSecret} from '../secrets/secrets.js'
import {opsctlVersion} from '../version.js'
import {recordCall} from './call-log.js'
import {endpointError} from './endpoint-errors.js'
import {assertKnownRegion} from './regions.js'
import {retryTransientErrors} from './transient.js'

export interface AwsSessionOptions {
  profile?: string
  region?: string
  maxAttempts?: number
  /** Added to the user agent (`run/<id>`) so CloudTrail shows which run made which call. */
  runId?: string
  /** HTTP connect and request timeouts, e.g. so an unreachable region fails fast instead of hanging. */
  httpTimeouts?: {connectionTimeoutMs: number; requestTimeoutMs: number}
  /** Answers, inside the SDK, calls the emulator in use lacks (the sandbox's stand-in); never set against AWS. */
  standIn?: StandIn
}

/** A middleware added to every client a session builds, given that session (to make calls of its own). */
export type StandIn = (session: AwsSession) => InitializeMiddleware<object, MetadataBearer>

interface SdkClient {
  middlewareStack: {
    add: (middleware: InitializeMiddleware<object, MetadataBearer>, options: {step: 'initialize'; name: string; priority: 'high' | 'low'}) => void
  }
  config: {credentials: AwsCredentialIdentityProvider}
}

type ClientClass<T> = new (config: Record<string, unknown>) => T

/**
 * The one place that builds AWS SDK clients. Endpoints are never set here: emulators are reached
 * through AWS_ENDPOINT_URL, which the SDK reads itself.
 */
export class AwsSession {
  private readonly clients = new Map<unknown, unknown>()

  private constructor(
    readonly region: string,
    private readonly credentials: AwsCredentialIdentityProvider,
    private readonly options: AwsSessionOptions,
  ) {}

  /** Resolves region and credentials up front, so a missing one is a usage error before any step runs. */
  static async open(options: AwsSessionOptions = {}): Promise<AwsSession> {
    if (options.profile) await assertProfileExists(options.profile)
    const region = assertKnownRegion(await resolveRegion(options.profile))
    const {fromNodeProviderChain} = await import('@aws-sdk/credential-providers')
    // An explicit --profile wins over AWS_ACCESS_KEY_ID in the environment, as with the AWS CLI; the SDK's console warning about that choice is not the operator's concern.
    const credentials = fromNodeProviderChain({profile: options.profile, logger: quietLogger})
    try {
      await credentials()
    } catch (error) {
      const where = options.profile ? `for profile "${options.profile}"` : 'in the environment, ~/.aws or the instance role'
      throw new UsageError(
        `No AWS credentials found ${where}: run "aws sso login", pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${(error as Error).message}).`,
        'NoCredentials',
      )
    }
    return new AwsSession(region, credentials, options)

    async function resolveRegion(profile?: string): Promise<string> {
      const fromEnv = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
      if (fromEnv) return fromEnv
      const {loadSharedConfigFiles} = await import('@smithy/shared-ini-file-loader')
      const {configFile} = await loadSharedConfigFiles()
      const region = configFile[profile ?? process.env.AWS_PROFILE ?? 'default']?.region
      if (!region) throw new UsageError('No AWS region set: pass --region, export AWS_REGION, or set region in your profile in ~/.aws/config.', 'NoRegion')
      return region
    }
  }

  /** A session in another region with the same credentials and options (plus `overrides`). */
  inRegion(region: string, overrides: Pick<AwsSessionOptions, 'httpTimeouts'> = {}): AwsSession {
    return new AwsSession(assertKnownRegion(region), this.credentials, {...this.options, ...overrides})
  }

  /** A client of the given class for this session, built once. */
  client<T extends SdkClient>(Client: ClientClass<T>): T {
    let client = this.clients.get(Client) as T | undefined
    if (!client) {
      const timeouts = this.options.httpTimeouts ?? DEFAULT_HTTP_TIMEOUTS
      client = new Client({
        region: this.region,
        credentials: this.credentials,
        retryMode: 'adaptive',
        maxAttempts: this.options.maxAttempts,
        customUserAgent: [['opsctl', opsctlVersion], ...(this.options.runId ? [['run', this.options.runId]] : [])],
        // A connection that stops answering becomes a (transient) timeout instead of a hang.
        requestHandler: {connectionTimeout: timeouts.connectionTimeoutMs, requestTimeout: timeouts.requestTimeoutMs},
      })
      client.middlewareStack.add(recordCallMiddleware(this.region), {step: 'initialize', name: 'opsctlRecordCall', priority: 'high'})
      client.middlewareStack.add(retryTransientErrors, {step: 'initialize', name: 'opsctlRetryTransientErrors', priority: 'low'})
      if (this.options.standIn) client.middlewareStack.add(this.options.standIn(this), {step: 'initialize', name: 'opsctlStandIn', priority: 'low'})
      this.clients.set(Client, client)
    }
    return client
  }
}

/** A --profile that no shared file defines is a typo, said as such, not a failure to find credentials. */
async function assertProfileExists(profile: string): Promise<void> {
  const {loadSharedConfigFiles} = await import('@smithy/shared-ini-file-loader')
  const {configFile, credentialsFile} = await loadSharedConfigFiles()
  const known = [...new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)])]
  if (known.includes(profile)) return
  const listed = known.length > 0 ? ` (profiles there: ${known.sort().join(', ')})` : ''
  throw new UsageError(
    `There is no profile "${profile}" in ~/.aws/config or ~/.aws/credentials${listed}; check the name with "aws configure list-profiles".`,
    'UnknownProfile',
  )
}

/** Generous for AWS, yet a connection that hangs is given up and tried again within the step's time. */
const DEFAULT_HTTP_TIMEOUTS = {connectionTimeoutMs: 10_000, requestTimeoutMs: 60_000}

const quietLogger = {debug() {}, info() {}, warn() {}, error() {}}

const recordCallMiddleware =
  (region: string): InitializeMiddleware<object, MetadataBearer> =>
  (next, context: HandlerExecutionContext) =>
  async (args) => {
    const service = String(context.clientName ?? '').replace(/Client$/, '')
    const operation = String(context.commandName ?? '').replace(/Command$/, '')
    try {
      const result = await next(args)
      registerSecretsIn(result.output)
      recordCall({service, operation, requestId: result.output?.$metadata?.requestId})
      return result
    } catch (error) {
      const failed = error as Partial<MetadataBearer> & {name?: string}
      recordCall({service, operation, requestId: failed?.$metadata?.requestId, error: failed?.name})
      // The endpoint, not the request, is the problem: one sentence saying which endpoint and what to do.
      throw endpointError(error, {service: serviceName(context), operation, region}) ?? error
    }
  }

/** The IAM service prefix of a client (rds, ssm, kms …), as in "ssm:ListComplianceItems". */
const serviceName = (context: HandlerExecutionContext) =>
  String(context.clientName ?? '')
    .replace(/Client$/, '')
    .replace(/Service$/, '')
    .toLowerCase()

/** The response fields that carry a secret: Secrets Manager's secret, KMS plaintext (SSM SecureString values are found by their Type). */
const secretFields = new Set(['SecretString', 'SecretBinary', 'Plaintext', 'PrivateKeyPlaintext'])

/**
 * Secrets read from AWS — a SecureString parameter's value, a Secrets Manager secret, KMS plaintext — are
 * registered as they arrive, so that no output, journal or report can show them, whatever carries them on.
 */
function registerSecretsIn(value: unknown, key = ''): void {
  if (value instanceof Uint8Array || typeof value === 'string') {
    if (secretFields.has(key)) registerSecret(value)
    return
  }
  if (!value || typeof value !== 'object' || value instanceof Date) return
  if ((value as {Type?: unknown}).Type === 'SecureString') registerSecret((value as {Value?: unknown}).Value)
  for (const [k, inner] of Object.entries(value)) registerSecretsIn(inner, k)
}
