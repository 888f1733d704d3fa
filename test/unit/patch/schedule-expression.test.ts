import {expect} from 'chai'

import {parseSchedule} from '../../../src/lib/patch/schedule-expression.js'

describe('maintenance window schedules as typed', () => {
  it('takes the cron and rate expressions SSM takes for a maintenance window', () => {
    for (const expression of [
      'cron(0 3 ? * SUN *)',
      'cron(30 23 ? * TUE#3 *)',
      'cron(0 2 ? * 6L *)',
      'cron(0 4 L * ? *)',
      'cron(0 4 L-3 * ? *)',
      'cron(0 4 15W JAN-MAR ? 2027)',
      'cron(0/15 1-5 1,15 * ? *)',
      'cron(0 */6 ? * MON-FRI *)',
      'cron(0 3 ? * sun *)',
      'rate(7 days)',
      'rate(1 hour)',
      'rate(12 hours)',
    ])
      expect(parseSchedule(` ${expression} `), expression).to.equal(expression)
  })

  const refusals: [string, string][] = [
    ['0 3 ? * SUN *', 'it is neither cron(…) nor rate(…)'],
    ['cron(0 3 ? * SUN)', 'it has 5 fields, not 6'],
    ['cron(0 3 * * SUN *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 3 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(60 3 ? * SUN *)', 'minutes "60" is outside 0 to 59'],
    ['cron(0 24 ? * SUN *)', 'hours "24" is outside 0 to 23'],
    ['cron(0 3 32 * ? *)', 'day-of-month "32" is outside 1 to 31'],
    ['cron(0 3 ? 13 SUN *)', 'month "13" is outside 1 to 12 (or JAN-DEC)'],
    ['cron(0 3 ? * SUNDAY *)', 'day-of-week "SUNDAY" is outside 1 to 7 (or SUN-SAT)'],
    ['cron(0 3 ? * SUN#6 *)', 'day-of-week "SUN#6" is outside 1 to 7'],
    ['cron(0 3 ? * SUN 1969)', 'year "1969" is outside 1970 to 2199'],
    ['cron(0 5-1 ? * SUN *)', 'hours "5-1" is a range that runs backwards'],
    ['cron(0/0 3 ? * SUN *)', 'minutes "0/0" has a step "0" outside 1 to 59'],
    ['cron(? 3 1 * ? *)', 'minutes "?" cannot be ?'],
    ['cron(0 3 ? * SUN *) extra', 'it is neither cron(…) nor rate(…)'],
    ['rate(5 minutes)', 'a rate is a number of hours or days, at least 1'],
    ['rate(0 days)', 'a rate is a number of hours or days, at least 1'],
    ['', 'it is neither cron(…) nor rate(…)'],
  ]
  for (const [expression, why] of refusals) {
    it(`refuses ${expression || 'an empty schedule'} in one sentence saying why`, () => {
      expect(() => parseSchedule(expression)).to.throw(`is not a maintenance window schedule: ${why}`)
      expect(() => parseSchedule(expression)).to.throw('; write it like cron(0 3 ? * SUN *)')
    })
  }
})
