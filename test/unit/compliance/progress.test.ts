import {stripVTControlCharacters} from 'node:util'

import {expect} from 'chai'

import {progressLines, type RegionProgress} from '../../../src/lib/compliance/output/progress.js'

const terminal = {columns: 100, rows: 40}
const shown = (progress: RegionProgress, size = terminal) => progressLines(progress, size).map((l) => stripVTControlCharacters(l))

describe('compliance scan progress lines', () => {
  it('says for each region which inventories are being read, could not be read, and were read', () => {
    const progress: RegionProgress = new Map([
      [
        'us-east-1',
        new Map([
          ['rds', 'read'],
          ['kms', 'reading'],
          ['ssm', 'unreadable'],
          ['ebs', 'reading'],
          ['configRules', 'read'],
        ]),
      ],
      ['ap-southeast-2', new Map()],
    ])
    expect(shown(progress)).to.deep.equal(['us-east-1       reading kms, ebs · could not read ssm · read rds, config-rules', 'ap-southeast-2  waiting'])
  })

  it('cuts a line that would not fit the terminal with an ellipsis', () => {
    const progress: RegionProgress = new Map([
      [
        'us-east-1',
        new Map([
          ['rds', 'reading'],
          ['kms', 'reading'],
          ['cloudtrail', 'reading'],
          ['configDelivery', 'reading'],
        ]),
      ],
    ])
    expect(shown(progress, {columns: 40, rows: 40})).to.deep.equal(['us-east-1  reading rds, kms, cloudtrai…'])
  })

  it('shows the regions being read and a count of the others when the regions outnumber the rows', () => {
    const regions = Array.from({length: 30}, (_, i): [string, Map<'rds', 'reading' | 'read'>] => [
      `region-${i + 10}`,
      new Map(i < 12 ? [['rds', i < 10 ? 'read' : 'reading']] : []),
    ])
    expect(shown(new Map(regions), {columns: 100, rows: 24})).to.deep.equal([
      'region-20  reading rds',
      'region-21  reading rds',
      '10 of 30 regions read, 18 waiting',
    ])
  })
})
