import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {maskSecrets} from '../secrets/secrets.js'
import {type CommandShape, parseErrorSentence} from './parse-errors.js'

export interface DescribedError {
  exitCode: number
  code: string
  message: string
}

/** Longer runs of characters without a space are shortened in what a user sees (a hostile or mistaken 100 KB argument). */
const LONGEST_WORD = 200

/** A run of characters longer than LONGEST_WORD, shortened to its start and its length. */
const shortenLongWords = (message: string) =>
  message.replace(new RegExp(`\\S{${LONGEST_WORD + 1},}`, 'g'), (word) => `${word.slice(0, 60)}…(${word.length} characters)`)

/** Turns any error into the exit code, stable code and one sentence a user sees, however long the input it quotes. */
export function describeError(error: unknown, shape: CommandShape = {command: 'opsctl', flags: []}): DescribedError {
  const described = describeWhole(error, shape)
  // Masked first: a shortened secret would no longer be recognised by the terminal's masking.
  return {...described, message: shortenLongWords(maskSecrets(described.message))}
}

function describeWhole(error: unknown, shape: CommandShape): DescribedError {
  if (error instanceof OpsctlError) return {exitCode: error.exitCode, code: error.code, message: unwrapFlagError(error.message)}
  const e = error as {name?: string; message?: string; parse?: unknown; oclif?: {exit?: number}; $metadata?: {requestId?: string}; $fault?: string}
  // Every parse error is a usage error, including those oclif gives no exit code of their own (a value outside a flag's options).
  if (e?.parse !== undefined) return {exitCode: ExitCode.Usage, code: 'InvalidInput', message: parseErrorSentence(e, shape)}
  if (e?.oclif?.exit !== undefined) return {exitCode: e.oclif.exit, code: e.name ?? 'CLIError', message: parseErrorSentence(e, shape)}
  if (e?.name === 'CredentialsProviderError') {
    return {
      exitCode: ExitCode.Usage,
      code: 'NoCredentials',
      message: `No usable AWS credentials (${e.message}); run "aws sso login", pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
    }
  }
  if (e?.$fault) {
    const requestId = e.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : ''
    return {exitCode: ExitCode.WorkflowFailed, code: e.name ?? 'AwsError', message: `AWS answered ${e.name}: ${e.message}${requestId}`}
  }
  return {exitCode: ExitCode.WorkflowFailed, code: e?.name ?? 'Error', message: e?.message ?? String(error)}
}

/** oclif wraps a flag's own error as "Parsing --flag\n\t<error>\nSee more help with --help": the error alone is the sentence. */
const unwrapFlagError = (message: string) => /^Parsing --\S+\s*\n\t([\s\S]*?)(\nSee more help with --help)?$/.exec(message)?.[1] ?? message
