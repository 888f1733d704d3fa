import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'

interface FailedCall {
  name?: string
  code?: string
  message?: string
  $metadata?: {httpStatusCode?: number}
}

/** Where the SDK sends requests: the emulator's address when AWS_ENDPOINT_URL is set. */
const endpointOf = (region: string) => process.env.AWS_ENDPOINT_URL ?? `the AWS endpoint of ${region}`

const reachingAws = () =>
  process.env.AWS_ENDPOINT_URL
    ? 'is the sandbox running? Start it with "opsctl sandbox start" (then eval "$(opsctl sandbox env)"), or unset AWS_ENDPOINT_URL to reach AWS'
    : 'check the network, a proxy or VPN, and --region'

/**
 * A call that failed because of where it was sent rather than what it asked: nothing listens there, the
 * name does not resolve, or the endpoint answered with something that is not AWS (an emulator's HTML page
 * for an operation it does not implement). One sentence naming the endpoint and what to do; undefined otherwise.
 */
export function endpointError(error: unknown, call: {service: string; operation: string; region: string}): OpsctlError | undefined {
  const e = error as FailedCall | undefined
  const where = endpointOf(call.region)
  if (e?.code === 'ECONNREFUSED') {
    return new UsageError(`Cannot reach ${where}: the connection was refused; ${reachingAws()}.`, 'EndpointUnreachable')
  }
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') {
    return new UsageError(`Cannot reach ${where}: its host name does not resolve; ${reachingAws()}.`, 'EndpointUnreachable')
  }
  if (/Deserialization error/.test(e?.message ?? '')) {
    const status = e?.$metadata?.httpStatusCode
    const answer = `it answered${status ? ` HTTP ${status}` : ''} with something that is not an AWS response`
    const advice = process.env.AWS_ENDPOINT_URL ? 'the emulator does not implement it, so run this against AWS' : 'run again, and report it if it persists'
    return new OpsctlError(`${where} does not implement ${call.service}:${call.operation} (${answer}); ${advice}.`, ExitCode.WorkflowFailed, 'NotImplemented')
  }
  return undefined
}
