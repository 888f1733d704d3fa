import type {NormalizedSchema} from '@smithy/core/schema'

import type {AwsSession} from '../aws/session.js'
import {UsageError} from '../errors/errors.js'
import type {InputCheck} from './action.js'
import {hasReference, isLiteral} from './validate/values.js'

/** Automation's Service namespaces whose SDK v3 package or IAM prefix is not the namespace itself. */
const sdkPackageOf: Record<string, string> = {
  config: 'config-service',
  logs: 'cloudwatch-logs',
  elbv2: 'elastic-load-balancing-v2',
  elb: 'elastic-load-balancing',
  stepfunctions: 'sfn',
  events: 'eventbridge',
  resourcegroupstaggingapi: 'resource-groups-tagging-api',
  secretsmanager: 'secrets-manager',
}
const iamPrefixOf: Record<string, string> = {
  elbv2: 'elasticloadbalancing',
  elb: 'elasticloadbalancing',
  stepfunctions: 'states',
  sfn: 'states',
  resourcegroupstaggingapi: 'tag',
}

/** `describe_db_instances` or `DescribeDBInstances` → `DescribeDbInstances`-safe PascalCase as the SDK names it. */
export function apiOperationName(api: string): string {
  if (!api.includes('_')) return api.charAt(0).toUpperCase() + api.slice(1)
  return api
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

/** The IAM action behind a Service + Api pair, e.g. ec2 + CreateSnapshot → ec2:CreateSnapshot. */
export function iamActionOf(service: string, api: string): string {
  const prefix = iamPrefixOf[service.toLowerCase()] ?? service.toLowerCase()
  return `${prefix}:${apiOperationName(api)}`
}

type ClientClass = new (config: Record<string, unknown>) => {send(command: unknown, options?: unknown): Promise<unknown>}
type CommandClass = new (input: Record<string, unknown>) => unknown

/** Finds the SDK v3 client and command for a Service + Api; a UsageError says what to install otherwise. */
export async function resolveAwsApi(service: string, api: string): Promise<{Client: ClientClass; Command: CommandClass}> {
  const pkg = `@aws-sdk/client-${sdkPackageOf[service.toLowerCase()] ?? service.toLowerCase()}`
  let module: Record<string, unknown>
  try {
    module = await import(pkg)
  } catch {
    throw new UsageError(
      `Service "${service}" needs ${pkg}, which is not installed; the local engine can call rds, kms, ec2, cloudtrail, s3, sts, ssm, secretsmanager, config, cloudwatch and sns, so run this document with --engine ssm.`,
      'ServiceNotAvailable',
    )
  }
  const clientName = Object.keys(module).find((k) => k.endsWith('Client') && k !== '__Client' && typeof module[k] === 'function')
  const Command = module[`${apiOperationName(api)}Command`]
  if (!clientName || typeof Command !== 'function') {
    throw new UsageError(
      `Service "${service}" has no API "${api}" in ${pkg}; check the Api name in the AWS API reference (PascalCase, e.g. DescribeInstances).`,
      'UnknownApi',
    )
  }
  return {Client: module[clientName] as ClientClass, Command: Command as CommandClass}
}

/** Calls the API through the session and returns the response as plain JSON: timestamps as ISO strings, no $metadata. */
export async function callAwsApi(
  session: AwsSession,
  service: string,
  api: string,
  params: Record<string, unknown>,
  abortSignal: AbortSignal,
): Promise<unknown> {
  const {Client, Command} = await resolveAwsApi(service, api)
  const client = session.client(Client as never) as unknown as InstanceType<ClientClass>
  const schema = await inputSchemaOf(new Command({}))
  const input = schema ? (fromText(params, schema) as Record<string, unknown>) : params
  const {$metadata: _, ...response} = (await client.send(new Command(input), {abortSignal})) as Record<string, unknown>
  return plain(response)
}

/** The schema of a command's input, when its SDK package carries one. */
async function inputSchemaOf(command: unknown): Promise<NormalizedSchema | undefined> {
  const input = (command as {schema?: unknown[]}).schema?.[4]
  if (input === undefined) return undefined
  const {NormalizedSchema} = await import('@smithy/core/schema')
  return NormalizedSchema.of(input as never)
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Outputs carry blobs as base64 and timestamps as ISO text (see plain), and documents can only write text: at any depth
 * of the input, a blob given as base64 is decoded (a ciphertext one step encrypted can be decrypted by the next) and a
 * timestamp given as a date is sent as one (PutComplianceItems' ExecutionTime). Other text is sent as it is.
 */
function fromText(value: unknown, schema: NormalizedSchema): unknown {
  if (typeof value === 'string') {
    if (schema.isBlobSchema() && value !== '' && base64.test(value)) return Buffer.from(value, 'base64')
    if (schema.isTimestampSchema() && !Number.isNaN(Date.parse(value))) return new Date(value)
    return value
  }
  if (Array.isArray(value)) return schema.isListSchema() ? value.map((v) => fromText(v, schema.getValueSchema())) : value
  if (!value || typeof value !== 'object') return value
  if (schema.isMapSchema()) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromText(v, schema.getValueSchema())]))
  if (!schema.isStructSchema()) return value
  const members = new Map(schema.structIterator())
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, members.has(k) ? fromText(v, members.get(k)!) : v]))
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    )
  return value
}

/** The inputs the API-calling actions share: a service namespace (in any case, as SSM reads it), a PropertySelector, DesiredValues as a list. */
export function checkApiInputs(inputs: Record<string, unknown>, check: InputCheck): void {
  if (isLiteral(inputs.Service) && !/^[A-Za-z0-9-]+$/.test(String(inputs.Service)))
    check.error(
      'service',
      ['Service'],
      `Service "${inputs.Service}" of step ${check.step} is not a service namespace.`,
      'use the namespace of the service, e.g. ec2, rds, ssm, kms.',
    )
  if (inputs.PropertySelector !== undefined && (typeof inputs.PropertySelector !== 'string' || inputs.PropertySelector.trim() === ''))
    check.error('selector', ['PropertySelector'], `PropertySelector of step ${check.step} must be a JSONPath.`, 'write e.g. $.DBInstances[0].DBInstanceStatus.')
  if (inputs.DesiredValues !== undefined && !Array.isArray(inputs.DesiredValues) && !hasReference(inputs.DesiredValues))
    check.error('desired-values', ['DesiredValues'], `DesiredValues of step ${check.step} must be a list.`, 'list the values, e.g. - available.')
}

/** The inputs of an executeAwsApi-style step that are the API's own parameters. */
export function apiParameters(inputs: Record<string, unknown>): Record<string, unknown> {
  const {Service: _service, Api: _api, PropertySelector: _selector, DesiredValues: _desired, ...params} = inputs
  return params
}
