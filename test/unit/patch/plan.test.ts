import {expect} from 'chai'

import {formatFleetShare, instancesIn, parseMaxErrors, parseWaveSize, planWaves, type Wave, type WaveMember} from '../../../src/lib/patch/plan.js'

const fleet = (count: number, region = 'eu-west-1'): WaveMember[] =>
  Array.from({length: count}, (_, i) => ({instanceId: `i-${String(i + 1).padStart(4, '0')}`, region}))

const clusterOf = (instances: WaveMember[]) => new Map(instances.map((i) => [i.instanceId, i.cluster]))

/** No wave holds two instances of one cluster, and every instance is in exactly one wave. */
function expectSoundPlan(instances: WaveMember[], waves: Wave[]): void {
  const cluster = clusterOf(instances)
  for (const wave of waves) {
    const clusters = wave.instanceIds.map((id) => cluster.get(id)).filter((c) => c !== undefined)
    expect(new Set(clusters).size, `wave ${wave.index}: ${clusters}`).to.equal(clusters.length)
  }
  const planned = waves.flatMap((w) => w.instanceIds)
  expect([...planned].sort()).to.deep.equal(instances.map((i) => i.instanceId).sort())
  expect(waves.map((w) => w.index)).to.deep.equal(waves.map((_, i) => i))
}

describe('patch wave sizes as typed', () => {
  it('reads a count or a percentage of the fleet, and writes it back as SSM takes it', () => {
    expect(['10', '25%', ' 1 ', '100%', '1%', '0010'].map((t) => parseWaveSize(t))).to.deep.equal([
      {count: 10},
      {percent: 25},
      {count: 1},
      {percent: 100},
      {percent: 1},
      {count: 10},
    ])
    expect([{count: 10}, {percent: 25}].map(formatFleetShare)).to.deep.equal(['10', '25%'])
    expect(parseMaxErrors('0')).to.deep.equal({count: 0})
    expect(parseMaxErrors('10%')).to.deep.equal({percent: 10})
  })

  it('refuses a wave of nothing, above the whole fleet, negative or not a number, in one sentence', () => {
    for (const text of ['0', '0%', '101%', '-1', '-5%', '2.5', '25 %', 'many', '', '10000000', '1e3'])
      expect(() => parseWaveSize(text), text).to.throw(`--wave "${text}" is not a wave size; give a number of instances of at least 1`)
    expect(() => parseWaveSize('0', '--max-concurrency'), 'named flag').to.throw('--max-concurrency "0" is not a wave size')
    for (const text of ['-1', '101%', 'none']) expect(() => parseMaxErrors(text), text).to.throw(`--max-errors "${text}" is not an error budget`)
  })

  it('counts a percentage of the fleet rounded up', () => {
    expect(instancesIn({percent: 25}, 10)).to.equal(3)
    expect(instancesIn({percent: 1}, 10)).to.equal(1)
    expect(instancesIn({percent: 100}, 7)).to.equal(7)
    expect(instancesIn({count: 4}, 2)).to.equal(4)
  })
})

describe('patch wave plan', () => {
  it('patches one canary first, then waves of the given count in region and instance id order', () => {
    const instances = [
      {instanceId: 'i-0a', region: 'us-east-1'},
      {instanceId: 'i-0b', region: 'eu-west-1'},
      {instanceId: 'i-0c', region: 'us-east-1'},
      {instanceId: 'i-0d', region: 'eu-west-1'},
      {instanceId: 'i-0e', region: 'eu-west-1'},
    ]
    expect(planWaves(instances, {canary: 1, wave: {count: 3}})).to.deep.equal([
      {index: 0, canary: true, instanceIds: ['i-0b']},
      {index: 1, canary: false, instanceIds: ['i-0d', 'i-0e', 'i-0a']},
      {index: 2, canary: false, instanceIds: ['i-0c']},
    ])
  })

  it('sizes waves as a percentage of the whole fleet, rounded up', () => {
    const waves = planWaves(fleet(10), {canary: 1, wave: {percent: 25}})
    expect(waves.map((w) => w.instanceIds.length)).to.deep.equal([1, 3, 3, 3])
    expect(planWaves(fleet(3), {canary: 0, wave: {percent: 1}}).map((w) => w.instanceIds.length)).to.deep.equal([1, 1, 1])
  })

  it('has no canary wave with --canary 0, and a canary of several instances with more', () => {
    expect(planWaves(fleet(4), {canary: 0, wave: {count: 2}}).map((w) => [w.canary, w.instanceIds.length])).to.deep.equal([
      [false, 2],
      [false, 2],
    ])
    expect(planWaves(fleet(5), {canary: 2, wave: {count: 10}}).map((w) => [w.canary, w.instanceIds])).to.deep.equal([
      [true, ['i-0001', 'i-0002']],
      [false, ['i-0003', 'i-0004', 'i-0005']],
    ])
    expect(planWaves(fleet(2), {canary: 5, wave: {count: 1}})).to.deep.equal([{index: 0, canary: true, instanceIds: ['i-0001', 'i-0002']}])
  })

  it('plans nothing for an empty fleet', () => {
    expect(planWaves([], {canary: 1, wave: {percent: 25}})).to.deep.equal([])
  })

  it('never puts two servers of one cluster in one wave, the canary wave included', () => {
    const instances = fleet(6).map((i, n) => (n < 3 ? {...i, cluster: 'orders'} : i))
    const waves = planWaves(instances, {canary: 2, wave: {count: 4}})
    expectSoundPlan(instances, waves)
    expect(waves.map((w) => w.instanceIds)).to.deep.equal([['i-0001', 'i-0004'], ['i-0002', 'i-0005', 'i-0006'], ['i-0003']])
  })

  it('spreads a cluster of k servers over k waves even when the fleet would fit in one', () => {
    const instances = fleet(3).map((i) => ({...i, cluster: 'billing'}))
    expect(planWaves(instances, {canary: 0, wave: {percent: 100}}).map((w) => w.instanceIds)).to.deep.equal([['i-0001'], ['i-0002'], ['i-0003']])
  })

  it('keeps one cluster apart across regions', () => {
    const instances = [
      {instanceId: 'i-a', region: 'eu-west-1', cluster: 'ledger'},
      {instanceId: 'i-b', region: 'eu-central-1', cluster: 'ledger'},
    ]
    expect(planWaves(instances, {canary: 0, wave: {count: 2}}).map((w) => w.instanceIds)).to.deep.equal([['i-b'], ['i-a']])
  })

  it('patches the largest cluster from the first wave, so a cluster sorted last adds no waves of one', () => {
    // 100 servers outside any cluster sort before a cluster of 4: 104 at 25 a wave fit in 5 waves.
    const instances = [...fleet(100), ...['i-z1', 'i-z2', 'i-z3', 'i-z4'].map((instanceId) => ({instanceId, region: 'eu-west-1', cluster: 'search'}))]
    const waves = planWaves(instances, {canary: 0, wave: {count: 25}})
    expectSoundPlan(instances, waves)
    expect(waves.map((w) => w.instanceIds.length)).to.deep.equal([25, 25, 25, 25, 4])
  })

  it('takes the canary from the largest cluster even when a lone server sorts before it', () => {
    const instances = [{instanceId: 'i-0', region: 'us-east-1'}, ...['i-1', 'i-2'].map((instanceId) => ({instanceId, region: 'us-east-1', cluster: 'pg-a'}))]
    expect(planWaves(instances, {canary: 1, wave: {count: 2}}).map((w) => w.instanceIds)).to.deep.equal([['i-1'], ['i-0', 'i-2']])
  })

  it('keeps every rule on a fleet of 1,000 in 40 clusters, the same plan every time', () => {
    const instances = fleet(1000).map((i, n) => (n < 800 ? {...i, cluster: `cluster-${n % 40}`} : i))
    const waves = planWaves(instances, {canary: 1, wave: {percent: 10}})
    expectSoundPlan(instances, waves)
    expect(waves[0]).to.include({canary: true}).and.have.property('instanceIds').with.length(1)
    expect(waves.slice(1).every((w) => !w.canary && w.instanceIds.length <= 100)).to.equal(true)
    // 800 clustered servers, 20 in each of 40 clusters: the canary, then 20 waves, one server of each cluster a wave.
    expect(waves.length).to.equal(21)
    expect(planWaves([...instances].reverse(), {canary: 1, wave: {percent: 10}})).to.deep.equal(waves)
  })

  it('refuses a canary that is not a number of instances', () => {
    for (const canary of [-1, 1.5, Number.NaN])
      expect(() => planWaves(fleet(2), {canary, wave: {count: 1}}), String(canary)).to.throw(`--canary ${canary} is not`)
  })
})
