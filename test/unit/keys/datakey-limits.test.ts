import {expect} from 'chai'

import {formatAge, parseMaxAge, parseMaxOperations} from '../../../src/lib/tenants/data-keys.js'

describe('data key usage limits as typed', () => {
  it('reads an age in seconds, minutes, hours or days, and writes it back the way people do', () => {
    expect(['90s', '30m', '24h', '7d', ' 12h '].map((t) => parseMaxAge(t))).to.deep.equal([90_000, 1_800_000, 86_400_000, 604_800_000, 43_200_000])
    expect([90_000, 1_800_000, 86_400_000, 90_000_000, 93_600_000 + 600_000, 172_800_000].map(formatAge)).to.deep.equal([
      '90s',
      '30m',
      '24h',
      '25h',
      '26h10m',
      '2d',
    ])
  })

  it('refuses an age or a count that is not one, in one sentence', () => {
    for (const text of ['24', '24 hours', '1w', '0h', '-3h', ''])
      expect(() => parseMaxAge(text), text).to.throw(`--max-age "${text}" is not an age; write a whole number of minutes, hours or days, like 30m, 24h or 7d.`)
    for (const text of ['0', '-1', '1.5', 'many', '1e6'])
      expect(() => parseMaxOperations(text), text).to.throw(`--max-operations "${text}" is not a count of at least 1`)
    expect(parseMaxOperations('5000000')).to.equal(5_000_000)
  })
})
