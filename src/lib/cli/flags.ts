import {Flags, type Interfaces} from '@oclif/core'

import {UsageError} from '../errors/errors.js'

/** The longest wait opsctl accepts: a week. Node's timers overflow past 24.8 days, and no runbook step waits that long. */
export const MAX_WAIT_SECONDS = 7 * 86_400
/** Recovery objectives may be looser than any wait (an RPO of days), but still a number of seconds a person means. */
export const MAX_OBJECTIVE_SECONDS = 366 * 86_400

const inDays = (s: number) => (s >= 86_400 && s % 86_400 === 0 ? ` (${s / 86_400} days)` : '')

/**
 * A duration in whole seconds, range-checked while the flags are parsed, so that a value out of range is
 * refused (exit 2) before any AWS call, instead of overflowing a timer half-way through a run.
 */
interface SecondsOptions {
  description: string
  default?: number
  min?: number
  max?: number
}

export function secondsFlag(options: SecondsOptions & {default: number}): Interfaces.OptionFlag<number>
export function secondsFlag(options: SecondsOptions): Interfaces.OptionFlag<number | undefined>
export function secondsFlag(options: SecondsOptions): Interfaces.OptionFlag<number | undefined> {
  const min = options.min ?? 1
  const max = options.max ?? MAX_WAIT_SECONDS
  return Flags.custom<number>({
    description: options.description,
    default: options.default,
    helpValue: '<seconds>',
    async parse(input, context) {
      const name = `--${context.token.flag}`
      if (!/^\d+$/.test(input.trim()))
        throw new UsageError(`${name} "${input}" is not a whole number of seconds; write it like ${options.default ?? 60}.`, 'InvalidDuration')
      const seconds = Number(input.trim())
      if (seconds < min || seconds > max) {
        throw new UsageError(`${name} ${seconds} is out of range; use ${min} to ${max} seconds${inDays(max)}.`, 'InvalidDuration')
      }
      return seconds
    },
  })() as Interfaces.OptionFlag<number | undefined>
}

/** A percentage from 1 to 100 (decimals allowed), range-checked while the flags are parsed: a bad value is refused (exit 2) before any call. */
export function percentFlag(options: {description: string; default: number}): Interfaces.OptionFlag<number> {
  return Flags.custom<number>({
    description: options.description,
    default: options.default,
    helpValue: '<percent>',
    async parse(input, context) {
      const name = `--${context.token.flag}`
      const value = /^\s*\d+(\.\d+)?\s*$/.test(input) ? Number(input) : Number.NaN
      if (!(value >= 1 && value <= 100))
        throw new UsageError(`${name} "${input}" is not a percentage from 1 to 100; write it like ${options.default}.`, 'InvalidPercent')
      return value
    },
  })() as Interfaces.OptionFlag<number>
}

/**
 * A file opsctl will write at the end of a run (--junit, --summary, --output): checked while the flags are
 * parsed, so that a path that cannot be written is refused (exit 2) before anything changes, not after.
 */
export function reportFileFlag(options: {description: string; helpGroup?: string}) {
  return Flags.custom<string>({
    description: options.description,
    helpGroup: options.helpGroup,
    helpValue: '<file>',
    async parse(input, context) {
      if (input.trim() === '') throw new UsageError(`--${context.token.flag} needs a file name; give the path of the file to write.`, 'ReportNotWritable')
      const problem = await unwritable(input)
      if (problem) throw new UsageError(`--${context.token.flag} ${input}: ${problem}; choose a path opsctl can write.`, 'ReportNotWritable')
      return input
    },
  })()
}

/** Why a file cannot be written there, or undefined when it can. */
async function unwritable(file: string): Promise<string | undefined> {
  const {access, stat} = await import('node:fs/promises')
  const {constants} = await import('node:fs')
  const {dirname, resolve} = await import('node:path')
  const existing = await stat(file).catch(() => undefined)
  if (existing?.isDirectory()) return 'it is a folder'
  if (existing)
    return access(file, constants.W_OK).then(
      () => undefined,
      () => 'the file is not writable',
    )
  const folder = dirname(resolve(file))
  const parent = await stat(folder).catch(() => undefined)
  if (!parent?.isDirectory()) return `the folder ${folder} does not exist`
  return access(folder, constants.W_OK).then(
    () => undefined,
    () => `the folder ${folder} is not writable`,
  )
}

/**
 * --target-locations: a JSON list of SSM TargetLocation objects ({Accounts, Regions, TargetLocationMaxConcurrency,
 * TargetLocationMaxErrors, ExecutionRoleName}), for an Automation that fans out to other accounts and regions.
 */
export const targetLocationsFlag = Flags.custom<Record<string, unknown>[]>({
  description: 'JSON list of {Accounts, Regions, TargetLocationMaxConcurrency, …} for a multi-account, multi-region run (--engine ssm).',
  helpValue: 'json',
  async parse(text) {
    try {
      const value = JSON.parse(text)
      if (Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) return value
    } catch {}
    throw new UsageError('--target-locations is not a JSON list of locations; write it like \'[{"Accounts":["111111111111"],"Regions":["eu-west-1"]}]\'.')
  },
})
