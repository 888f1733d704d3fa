import {Command, Flags, type Interfaces} from '@oclif/core'

import {AwsSession} from '../aws/session.js'
import {OpsctlError} from '../errors/errors.js'
import {color} from '../report/colors.js'
import {writeWarning} from '../report/format.js'
import {sandboxStandIn} from '../sandbox/ssm-agent.js'
import {maskTerminalOutput} from '../secrets/secrets.js'
import {describeError} from './describe-error.js'

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<T['baseFlags'] & T['flags']>
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** What --json prints on success; on failure `status` is the exit code and `error` says why. */
export interface JsonEnvelope<R> {
  status: number
  result?: R
  error?: {code: string; message: string}
  warnings: string[]
}

/**
 * Every opsctl command: the global flags, --json, and the one place where errors become an
 * exit code and a sentence. `run()` returns the command's result, which is its --json contract.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    profile: Flags.string({description: 'Named profile from ~/.aws/config (SSO, assume-role and credential_process included).', helpGroup: 'GLOBAL'}),
    region: Flags.string({description: 'AWS region; default AWS_REGION, AWS_DEFAULT_REGION, then the profile.', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({description: 'Show stack traces and AWS request details on errors.', helpGroup: 'GLOBAL'}),
    'max-attempts': Flags.integer({
      description: 'Attempts per AWS call, with adaptive retries (default AWS_MAX_ATTEMPTS or 3).',
      min: 1,
      max: 20,
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * For commands that never call AWS (journals, local files, the sandbox process): the AWS flags are
   * still accepted, so scripts can pass them everywhere, but hidden from --help where they mean nothing.
   */
  static readonly localBaseFlags = {
    ...BaseCommand.baseFlags,
    profile: {...BaseCommand.baseFlags.profile, hidden: true},
    region: {...BaseCommand.baseFlags.region, hidden: true},
    'max-attempts': {...BaseCommand.baseFlags['max-attempts'], hidden: true},
  }

  protected flags!: FlagsOf<T>
  protected args!: ArgsOf<T>
  /** Every argument given, in order: for a command that takes any number of them (static strict = false). */
  protected argList: string[] = []
  private readonly warnings: string[] = []

  override async init(): Promise<void> {
    // Before anything is parsed: a secret value is masked in every line this process writes, errors included.
    maskTerminalOutput()
    await super.init()
    const {args, flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    }).catch((error: Error & {parse?: unknown}) => {
      // Whatever the parser refuses is bad input (exit 2), also its plain errors ("Flag --junit expects a value").
      throw Object.assign(error, {parse: error.parse ?? {}})
    })
    this.flags = flags as FlagsOf<T>
    this.args = args as ArgsOf<T>
    this.argList = argv as string[]
  }

  /** AWS clients for this command, with the global flags applied (and, against the sandbox, its SSM agent stand-in). */
  protected async openAwsSession(runId?: string): Promise<AwsSession> {
    // Without --max-attempts the SDK reads AWS_MAX_ATTEMPTS (and the profile's max_attempts) itself.
    return AwsSession.open({
      profile: this.flags.profile,
      region: this.flags.region,
      maxAttempts: this.flags['max-attempts'],
      runId,
      standIn: await sandboxStandIn(),
    })
  }

  override warn(input: string | Error): string | Error {
    const message = input instanceof Error ? input.message : input
    this.warnings.push(message)
    if (!this.jsonEnabled()) writeWarning(message)
    return input
  }

  /** Human output: suppressed under --json, where stdout carries the JSON alone. */
  protected say(text: string): void {
    if (!this.jsonEnabled()) this.log(text)
  }

  protected override toSuccessJson(result: unknown): JsonEnvelope<unknown> {
    return {status: 0, result, warnings: this.warnings}
  }

  protected override async catch(error: Error & {code?: string}): Promise<void> {
    if (error.code === 'EEXIT') throw error
    const declared: Record<string, {hidden?: boolean}> = {...this.ctor.flags, ...(this.ctor as typeof BaseCommand).baseFlags}
    const flags = Object.keys(declared).filter((name) => !declared[name].hidden)
    const described = describeError(error, {command: `opsctl ${this.id?.replace(/:/g, ' ') ?? ''}`.trim(), flags: [...flags, 'json']})
    process.exitCode = described.exitCode
    if (this.jsonEnabled()) {
      const envelope: JsonEnvelope<unknown> = {
        status: described.exitCode,
        error: {code: described.code, message: described.message},
        result: error instanceof OpsctlError ? error.result : undefined,
        warnings: this.warnings,
      }
      this.logJson(envelope)
      return
    }
    // Piped or redirected, stdout may not be where a person looks: there the message goes to stderr all the same.
    if (error instanceof OpsctlError && error.shownOnStdout && process.stdout.isTTY) return
    this.logToStderr(`${color.red('Error:')} ${described.message}`)
    if (this.argv.includes('--verbose') || process.env.DEBUG) this.logToStderr(error.stack ?? '')
  }
}
