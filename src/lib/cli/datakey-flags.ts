import {Flags} from '@oclif/core'

import {DEFAULT_MAX_AGE, DEFAULT_MAX_OPERATIONS, parseMaxAge, parseMaxOperations, type UsageLimits} from '../tenants/data-keys.js'

/*
 * The usage limits of tenants' data keys (rotate after this many operations or this age, whichever comes first),
 * checked while the flags are parsed: a bad value is refused (exit 2) before anything is read or changed. The listing,
 * the rotation and the compliance check take them with the same defaults.
 */

export const maxOperationsFlag = (description = 'Rotate a data key after this many encrypt operations (at least 1).') =>
  Flags.custom<number>({
    description,
    default: DEFAULT_MAX_OPERATIONS,
    helpValue: '<count>',
    async parse(input, context) {
      return parseMaxOperations(input, `--${context.token.flag}`)
    },
  })()

export const maxAgeFlag = (description = 'Rotate a data key once it is this old: a whole number of minutes, hours or days (30m, 24h, 7d).') =>
  Flags.custom<number>({
    description,
    default: async () => parseMaxAge(DEFAULT_MAX_AGE),
    defaultHelp: async () => DEFAULT_MAX_AGE,
    helpValue: '<age>',
    async parse(input, context) {
      return parseMaxAge(input, `--${context.token.flag}`)
    },
  })()

export const dataKeyLimitFlags = {'max-operations': maxOperationsFlag(), 'max-age': maxAgeFlag()}

/** The limits as the flags gave them. */
export const usageLimitsOf = (flags: {'max-operations': number; 'max-age': number}): UsageLimits => ({
  maxOperations: flags['max-operations'],
  maxAgeMs: flags['max-age'],
})
