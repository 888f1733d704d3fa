import {expect} from 'chai'

import {writeJournal} from '../../../src/lib/engine/journal.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {drillRtoTrend, failoverHistory} from '../../../src/lib/recovery/failover/history.js'

let sequence = 0

/** A journal of a past drill, as the runner writes it. */
async function pastDrill(
  target: string,
  options: {day: number; rto?: number; verdict?: 'met' | 'missed'; status?: RunRecord['status']; dryRun?: boolean; mode?: string; refused?: boolean},
) {
  const startedAt = new Date(Date.UTC(2026, 0, options.day, 3))
  const runId = `${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${(++sequence).toString(16).padStart(6, '0')}`
  await writeJournal({
    runId,
    workflow: 'failover-drill',
    opsctlVersion: '0.1.0',
    status: options.status ?? 'succeeded',
    dryRun: options.dryRun ?? false,
    parameters: {mode: options.mode ?? 'multi-az', target, targetRtoSeconds: 120},
    startedAt: startedAt.toISOString(),
    warnings: [],
    metrics: options.rto === undefined ? {} : {rtoSeconds: options.rto},
    steps: [
      {
        id: 'force-failover',
        title: 'Reboot with a forced failover',
        mutates: true,
        actions: [],
        calls: [],
        status: options.refused ? 'pending' : options.dryRun ? 'planned' : options.status === 'failed' ? 'failed' : 'succeeded',
      },
    ],
    outcome: options.verdict ? {verdict: options.verdict} : undefined,
  })
  return runId
}

describe('failover history (from the journals)', () => {
  it('lists past drills newest first with date, mode, RTO and verdict, leaving out dry runs and refusals', async () => {
    await pastDrill('tenant-shard-001', {day: 1, rto: 70, verdict: 'met'})
    await pastDrill('tenant-shard-001', {day: 1, status: 'failed', refused: true})
    const failed = await pastDrill('tenant-shard-001', {day: 2, status: 'failed'})
    await pastDrill('tenant-shard-001', {day: 3, status: 'planned', dryRun: true})
    const missed = await pastDrill('tenant-shard-001', {day: 4, rto: 140, verdict: 'missed'})
    const {drills} = await failoverHistory('tenant-shard-001')
    expect(drills.map((d) => [d.runId, d.mode, d.rtoSeconds, d.verdict])).to.deep.equal([
      [missed, 'multi-az', 140, 'missed'],
      [failed, 'multi-az', undefined, 'failed'],
      [drills[2].runId, 'multi-az', 70, 'met'],
    ])
    expect(drills[0].startedAt).to.equal('2026-01-04T03:00:00.000Z')
  })

  it('says a target is worsening when the last RTO is well above the median of the earlier drills', async () => {
    for (const [day, rto] of [
      [1, 60],
      [2, 70],
      [3, 65],
      [4, 110],
    ])
      await pastDrill('tenant-shard-001', {day, rto, verdict: 'met'})
    const {trends} = await failoverHistory('tenant-shard-001')
    expect(trends).to.deep.equal([
      {
        target: 'tenant-shard-001',
        mode: 'multi-az',
        drills: 4,
        rtoSeconds: [60, 70, 65, 110],
        lastRtoSeconds: 110,
        medianRtoSeconds: 65,
        direction: 'worsening',
      },
    ])
  })

  it('says improving or steady, and keeps targets and modes apart', async () => {
    for (const [day, rto] of [
      [1, 100],
      [2, 90],
      [3, 60],
    ])
      await pastDrill('tenant-shard-001', {day, rto, verdict: 'met'})
    for (const [day, rto] of [
      [1, 30],
      [2, 31],
    ])
      await pastDrill('tenants-eu', {day, rto, verdict: 'met', mode: 'cluster'})
    await pastDrill('tenant-shard-001', {day: 5, rto: 20, verdict: 'met', mode: 'replica-promotion'})
    const {drills, trends} = await failoverHistory()
    expect(drills).to.have.length(6)
    expect(trends).to.have.deep.members([
      {target: 'tenant-shard-001', mode: 'replica-promotion', drills: 1, rtoSeconds: [20], lastRtoSeconds: 20, direction: 'too few drills'},
      {target: 'tenant-shard-001', mode: 'multi-az', drills: 3, rtoSeconds: [100, 90, 60], lastRtoSeconds: 60, medianRtoSeconds: 95, direction: 'improving'},
      {target: 'tenants-eu', mode: 'cluster', drills: 2, rtoSeconds: [30, 31], lastRtoSeconds: 31, medianRtoSeconds: 30, direction: 'steady'},
    ])
  })

  it("gives the RTO trend of a target in one mode, oldest first, for the chart in a drill's summary", async () => {
    const runs = []
    for (const [day, rto] of [
      [1, 60],
      [2, 75],
    ])
      runs.push(await pastDrill('tenant-shard-001', {day, rto, verdict: 'met'}))
    await pastDrill('tenant-shard-001', {day: 3, status: 'failed'})
    await pastDrill('tenant-shard-001', {day: 4, rto: 20, verdict: 'met', mode: 'replica-promotion'})
    expect(await drillRtoTrend('tenant-shard-001', 'multi-az')).to.deep.equal({
      runs: 'the multi-az drills of tenant-shard-001',
      points: [
        {runId: runs[0], startedAt: '2026-01-01T03:00:00.000Z', rtoSeconds: 60},
        {runId: runs[1], startedAt: '2026-01-02T03:00:00.000Z', rtoSeconds: 75},
      ],
    })
  })

  it('is empty when no drill of the target was recorded', async () => {
    await pastDrill('tenant-shard-001', {day: 1, rto: 70, verdict: 'met'})
    expect(await failoverHistory('tenant-shard-009')).to.deep.equal({drills: [], trends: []})
  })
})
