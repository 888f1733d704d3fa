import {UsageError} from '../../errors/errors.js'
import type {ActionSpec} from '../action.js'
import {isLiteral} from '../validate/values.js'

/** ISO 8601 durations as SSM accepts them: PT10S, PT0.5S, PT5M, PT1H30M, P1D (at most 7 days). */
export function durationMs(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration)
  if (!m || duration === 'P' || duration.endsWith('T'))
    throw new UsageError(`Duration "${duration}" is not an ISO 8601 duration; write it like PT10S, PT5M or PT1H.`, 'InvalidDuration')
  const [, d, h, min, s] = m.map(Number)
  return Math.round(((((d || 0) * 24 + (h || 0)) * 60 + (min || 0)) * 60 + (s || 0)) * 1000)
}

export const sleep: ActionSpec = {
  name: 'aws:sleep',
  requiredInputs: [],
  oneOf: [['Duration', 'Timestamp']],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  checkInputs({Duration: duration, Timestamp: timestamp}, check) {
    if (isLiteral(duration)) {
      try {
        durationMs(String(duration))
      } catch (e) {
        check.error('duration', ['Duration'], (e as Error).message.replace(/;.*$/, '.'), 'write it like PT10S, PT5M or PT1H.')
      }
    }
    if (isLiteral(timestamp) && Number.isNaN(Date.parse(String(timestamp))))
      check.error('duration', ['Timestamp'], `Timestamp of step ${check.step} is not an ISO 8601 time.`, 'write it like 2026-01-01T12:00:00Z.')
  },
  async run(inputs, ctx) {
    const ms = inputs.Duration === undefined ? Date.parse(String(inputs.Timestamp)) - ctx.io.clock.now() : durationMs(String(inputs.Duration))
    if (Number.isNaN(ms))
      throw new UsageError(
        `Timestamp "${inputs.Timestamp}" of step ${ctx.step.name} is not an ISO 8601 time; write it like 2026-01-01T12:00:00Z.`,
        'InvalidTimestamp',
      )
    if (ms > 0) await ctx.io.clock.sleep(ms, ctx.io.signal)
    return {}
  },
}
