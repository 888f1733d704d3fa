import {UsageError} from '../errors/errors.js'

/*
 * The schedule of a maintenance window as SSM takes it, checked before any call: cron(minutes hours day-of-month month
 * day-of-week year), six fields, with one of the two day fields '?', or rate(n hours|days).
 */

interface CronField {
  name: string
  min: number
  max: number
  /** Names that stand for numbers (JAN = 1, SUN = 1). */
  names?: readonly string[]
  /** The field's own wildcards beyond , - * / (L, W, #, ?). */
  special?: (item: string) => boolean
}

const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']

const fields: readonly CronField[] = [
  {name: 'minutes', min: 0, max: 59},
  {name: 'hours', min: 0, max: 23},
  // L (last day), L-3 (third-last), LW (last weekday), 15W (weekday nearest the 15th).
  {name: 'day-of-month', min: 1, max: 31, special: (item) => /^(L(-([1-9]|[12]\d|30))?|LW|([1-9]|[12]\d|3[01])W)$/.test(item)},
  {name: 'month', min: 1, max: 12, names: months},
  // L (Saturday), 6L (the last Friday), THU#3 (the third Thursday).
  {name: 'day-of-week', min: 1, max: 7, names: weekdays, special: (item) => /^(L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/.test(item)},
  {name: 'year', min: 1970, max: 2199},
]

const DAY_OF_MONTH = 2
const DAY_OF_WEEK = 4

const EXAMPLE = 'like cron(0 3 ? * SUN *) (minutes hours day-of-month month day-of-week year) or rate(7 days)'

const refuse = (expression: string, why: string) =>
  new UsageError(`--cron "${expression}" is not a maintenance window schedule: ${why}; write it ${EXAMPLE}.`, 'InvalidSchedule')

/** A schedule SSM will take for a maintenance window, returned trimmed; anything else is a usage error saying what is wrong. */
export function parseSchedule(text: string): string {
  const expression = text.trim()
  const rate = /^rate\((.*)\)$/.exec(expression)
  if (rate) return checkRate(expression, rate[1])
  const cron = /^cron\((.*)\)$/.exec(expression)
  if (!cron) throw refuse(text, 'it is neither cron(…) nor rate(…)')
  const parts = cron[1].trim().split(/\s+/)
  if (parts.length !== fields.length) throw refuse(text, `it has ${parts.length} fields, not 6`)
  parts.forEach((part, i) => {
    const why = fieldProblem(part.toUpperCase(), fields[i])
    if (why) throw refuse(text, `${fields[i].name} "${part}" ${why}`)
  })
  const [dayOfMonth, dayOfWeek] = [parts[DAY_OF_MONTH], parts[DAY_OF_WEEK]]
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw refuse(text, 'exactly one of day-of-month and day-of-week must be ?')
  return expression
}

function checkRate(expression: string, body: string): string {
  const rate = /^\s*(\d{1,3})\s+(hours?|days?)\s*$/.exec(body)
  if (!rate || Number(rate[1]) < 1) throw refuse(expression, 'a rate is a number of hours or days, at least 1')
  return expression
}

/** Why a cron field is wrong, or undefined when it is right: items separated by commas, each a value, a range or a step. */
function fieldProblem(part: string, field: CronField): string | undefined {
  if (part === '?') return field.special ? undefined : 'cannot be ?, which only the day fields take'
  for (const item of part.split(',')) {
    if (field.special?.(item)) continue
    const why = itemProblem(item, field)
    if (why) return why
  }
  return undefined
}

function itemProblem(item: string, field: CronField): string | undefined {
  const [range, step, ...rest] = item.split('/')
  if (rest.length > 0 || range === '') return 'is not a value, a range or a step'
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= field.max)) return `has a step "${step}" outside 1 to ${field.max}`
  if (range === '*') return undefined
  const [start, end, ...more] = range.split('-')
  const bounds = [start, end].filter((v) => v !== undefined).map((v) => numberOf(v, field))
  if (more.length > 0 || bounds.some((v) => v === undefined))
    return `is outside ${field.min} to ${field.max}${field.names ? ` (or ${field.names[0]}-${field.names.at(-1)})` : ''}`
  if (bounds.length === 2 && bounds[0]! > bounds[1]!) return 'is a range that runs backwards; write it low to high'
  return undefined
}

function numberOf(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text) ?? -1
  if (named >= 0) return named + 1
  if (!/^\d{1,4}$/.test(text)) return undefined
  const value = Number(text)
  return value >= field.min && value <= field.max ? value : undefined
}
