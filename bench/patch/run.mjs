// npm run bench:patch — the fleet patch at scale (issue 13, point 8), against its own moto_server:
//  1. planWaves alone (pure) for 1,000, 10,000 and 100,000 instances: the curve of its CPU time, beside a plain sort
//     of the same instances as the yardstick of n log n on this machine (one sort and a heap of clusters, never a
//     pass over the fleet per wave);
//  2. a whole `patch run` (canary 1, waves of 10%, one health alarm) on the local engine, for fleets of
//     BENCH_PATCH_FLEET instances (comma-separated; default 100 and 1,000), each launched fresh in moto (instances,
//     data volumes, tags, snapshots and the alarm real; the SSM agents' side by an SDK mock, see fleet.mjs):
//     SendCommand calls against waves × the 4 shell steps (+ the scan's read-only commands, one a 50 instances), one
//     CreateSnapshot an instance, one DescribeVolumes a wave, the wall time by step and opsctl's CPU an instance;
//  3. the same with --engine ssm (SSM Automation mocked too): one StartAutomationExecution a wave and region.
// Waits run on a virtual clock (the mock answers at once): the wall time is opsctl's work and moto's, not SSM's.
import {CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand} from '@aws-sdk/client-cloudwatch'
import {EC2Client, paginateDescribeTags} from '@aws-sdk/client-ec2'

import {AwsSession} from '../../dist/lib/aws/session.js'
import {newRunId} from '../../dist/lib/engine/journal.js'
import {silentReporter} from '../../dist/lib/engine/reporter.js'
import {runWorkflow} from '../../dist/lib/engine/runner.js'
import {parseMaxErrors, parseWaveSize, planWaves} from '../../dist/lib/patch/plan.js'
import {PatchProcedure} from '../../dist/lib/patch/procedure.js'
import {patchRunWorkflow} from '../../dist/lib/patch/run.js'
import {parseTargets} from '../../dist/lib/patch/targets.js'
import {parseVersion} from '../../dist/lib/patch/version.js'
import {resetMoto} from '../../dist/lib/sandbox/moto-server.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../dist/lib/tenants/store.js'
import {VirtualClock} from '../../dist/lib/time/clock.js'
import {benchMoto} from '../moto.mjs'
import {fleetLayout, isScanCommand, launchFleet, SsmSide, UPGRADE_TO} from './fleet.mjs'

const FLEETS = (process.env.BENCH_PATCH_FLEET ?? '100,1000').split(',').map(Number)
const PLAN_SIZES = [1_000, 10_000, 100_000]
const WAVE_STEPS = 4
const ALARM = 'bench-postgres-errors'
const waveOptions = {canary: 1, wave: parseWaveSize('10%')}
const thousands = (n) => n.toLocaleString('en-US')

/** The plan's members of a fleet of `size`: ids in no particular order (a multiplicative hash of the position). */
const planMembers = (size) =>
  fleetLayout(size).map(({cluster}, i) => ({instanceId: `i-${((i * 2654435761) >>> 0).toString(16).padStart(17, '0')}`, region: 'us-east-1', cluster}))

/** A plain sort of the instances by region and id: the yardstick of an n log n cost on this machine. */
const byRegionAndId = (a, b) => a.region.localeCompare(b.region) || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0)

/** The CPU time of `calls` calls of `work`, in ms a call. */
function cpuTime(work, calls) {
  const cpu = process.cpuUsage()
  for (let i = 0; i < calls; i++) work()
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / 1000 / calls
}

/**
 * planWaves and a plain sort of the same instances, CPU time (not wall time: the machine's cores are shared), each the
 * median of 5 rounds that time both in turn, so both meet the same load; a round handles about 200,000 instances in
 * all, so small fleets are timed over many calls.
 */
function timePlan(size) {
  const members = planMembers(size)
  const calls = Math.ceil(200_000 / size)
  const plan = () => planWaves(members, waveOptions)
  const sort = () => [...members].sort(byRegionAndId)
  cpuTime(plan, 1)
  cpuTime(sort, 1)
  const rounds = Array.from({length: 5}, () => ({planMs: cpuTime(plan, calls), sortMs: cpuTime(sort, calls)}))
  const median = (values) => values.sort((a, b) => a - b)[2]
  return {
    size,
    waves: plan().length,
    planMs: median(rounds.map((r) => r.planMs)),
    sortMs: median(rounds.map((r) => r.sortMs)),
    sorts: median(rounds.map((r) => r.planMs / r.sortMs)),
  }
}

function planCurve() {
  console.log('planWaves alone (canary 1, waves of 10%, 30% of the instances in clusters of 3), CPU time, median of 5 rounds:')
  const rows = PLAN_SIZES.map(timePlan)
  const perInstance = (ms, size) => `${((ms * 1000) / size).toFixed(2)} µs an instance`
  for (const {size, waves, planMs, sortMs, sorts} of rows)
    console.log(
      `  ${thousands(size)} instances, ${waves} waves: ${planMs.toFixed(1)} ms, ${perInstance(planMs, size)}; a plain sort of them ${sortMs.toFixed(1)} ms, ${perInstance(sortMs, size)}; the plan costs ${sorts.toFixed(1)} sorts`,
    )
  const [first, last] = [rows[0], rows.at(-1)]
  const growth = (ms) => (ms(last) / last.size / (ms(first) / first.size)).toFixed(1)
  console.log(
    `  from ${thousands(first.size)} to ${thousands(last.size)} instances the time an instance grows ×${growth((r) => r.planMs)} for the plan, ×${growth((r) => r.sortMs)} for the sort (log n alone: ×${(Math.log(last.size) / Math.log(first.size)).toFixed(1)}; the rest is memory: caches, garbage collection)`,
  )
  console.log(
    `  the plan grows as a sort does: ${last.sorts.toFixed(1)} sorts at ${thousands(last.size)} against ${first.sorts.toFixed(1)} at ${thousands(first.size)} (within ×1.5): ${last.sorts / first.sorts <= 1.5 ? 'met' : 'MISSED'}`,
  )
}

/** A health alarm in OK, so every wave's gate reads it. */
async function healthAlarm() {
  const cloudwatch = new CloudWatchClient({})
  const metric = {MetricName: 'Errors', Namespace: 'Bench/Postgres', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1}
  await cloudwatch.send(new PutMetricAlarmCommand({AlarmName: ALARM, ComparisonOperator: 'GreaterThanThreshold', ...metric}))
  await cloudwatch.send(new SetAlarmStateCommand({AlarmName: ALARM, StateValue: 'OK', StateReason: 'bench'}))
}

function runContext(session, store, procedure, engine) {
  return {
    spec: parseTargets({targets: ['tag:Role=postgres']}),
    package: 'postgresql',
    minVersion: parseVersion(UPGRADE_TO),
    compliance: false,
    severity: 'HIGH',
    session,
    store,
    procedure,
    run: {
      engine,
      ...waveOptions,
      maxErrors: parseMaxErrors('0'),
      healthAlarms: [ALARM],
      request: {package: 'postgresql', minVersion: UPGRADE_TO, device: '/dev/sdf', rate: {maxConcurrency: '100%', maxErrors: '100%'}, pollIntervalMs: 5000},
    },
  }
}

/** The instances still carrying a wave tag (opsctl:patch-wave) after the run. */
async function waveTagged() {
  const Filters = [{Name: 'key', Values: ['opsctl:patch-wave']}]
  let tagged = 0
  for await (const {Tags = []} of paginateDescribeTags({client: new EC2Client({})}, {Filters})) tagged += Tags.length
  return tagged
}

/** A reporter that notes each step's wall time (the run's clock is virtual: the record's durations are not). */
function stepTimer() {
  const started = new Map()
  const wallMs = {}
  const reporter = {
    ...silentReporter,
    stepStarted: (step) => started.set(step.id, performance.now()),
    stepFinished: (step) => {
      wallMs[step.id] = performance.now() - started.get(step.id)
    },
  }
  return {reporter, wallMs}
}

/** One `patch run` of a fresh fleet of `size`: its record, wall and CPU time, and every AWS call by operation. */
async function patchRun(engine, size, procedure) {
  await resetMoto(moto.endpoint)
  const arranging = performance.now()
  const ssm = new SsmSide(await launchFleet(fleetLayout(size)))
  await healthAlarm()
  const arrangeMs = performance.now() - arranging
  try {
    const runId = newRunId()
    const session = await AwsSession.open({runId})
    const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
    const steps = stepTimer()
    const started = performance.now()
    const cpu = process.cpuUsage()
    const {record, exitCode} = await runWorkflow({
      workflow: patchRunWorkflow,
      context: runContext(session, store, procedure, engine),
      parameters: {engine, canary: 1, wave: '10%'},
      runId,
      clock: new VirtualClock(Date.now()),
      reporter: steps.reporter,
    })
    if (exitCode !== 0) throw new Error(`the ${engine} patch run of ${size} instances failed: ${record.error?.message}`)
    const used = process.cpuUsage(cpu)
    const calls = ssm.byOperation()
    for (const {service, operation} of record.steps.flatMap((s) => s.calls))
      calls.set(`${service}.${operation}`, (calls.get(`${service}.${operation}`) ?? 0) + 1)
    const sent = {scan: ssm.sent(isScanCommand), waves: ssm.sent((input) => !isScanCommand(input))}
    return {
      record,
      ms: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
      arrangeMs,
      calls,
      sent,
      stepMs: steps.wallMs,
      mockMs: ssm.resolvingMs,
      tagged: await waveTagged(),
    }
  } finally {
    ssm.restore()
  }
}

const claim = (what, actual, expected, why) =>
  console.log(`  ${what} ${thousands(actual)} = ${why} ${thousands(expected)}: ${actual === expected ? 'met' : 'MISSED'}`)

/** What a run did and took, and the claims on its calls, met or MISSED. */
function report(engine, size, {record, ms, cpuMs, arrangeMs, calls, sent, stepMs, mockMs, tagged}) {
  const {plan, counts, instances} = record.outcome
  const regionOf = new Map(instances.map((i) => [i.instanceId, i.region]))
  const waveRegions = plan.waves.reduce((n, w) => n + new Set(w.instanceIds.map((id) => regionOf.get(id))).size, 0)
  const below = plan.waves.reduce((n, w) => n + w.instanceIds.length, 0)
  const total = [...calls.values()].reduce((a, b) => a + b, 0)
  const count = (operation) => calls.get(operation) ?? 0
  console.log(
    `${engine} engine, ${thousands(size)} instances (launched in ${(arrangeMs / 1000).toFixed(1)} s): ${thousands(below)} below ${UPGRADE_TO} in ${plan.waves.length} waves, ${thousands(counts.patched)} patched, ${counts['not-needed']} not needed; ${(ms / 1000).toFixed(1)} s (${(ms / below).toFixed(1)} ms an instance patched; ${(mockMs / 1000).toFixed(1)} s of it the mock resolving tag targets in moto), opsctl's own CPU with the in-process mock ${(cpuMs / below).toFixed(1)} ms an instance`,
  )
  console.log(
    `  wall time by step: ${Object.entries(stepMs)
      .map(([id, stepWall]) => `${id} ${stepWall < 10 ? stepWall.toFixed(1) : stepWall.toFixed(0)} ms`)
      .join(', ')}`,
  )
  console.log(
    `  AWS calls: ${thousands(total)}, ${(total / below).toFixed(2)} an instance; by operation: ${[...calls]
      .sort()
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`,
  )
  const launchedBelow = fleetLayout(size).filter((s) => s.version !== UPGRADE_TO).length
  claim('instances patched', counts.patched, launchedBelow, 'instances launched below the minimum')
  claim('SendCommand of the scan', sent.scan, Math.ceil(size / 50), 'one a 50 instances (one region)')
  if (engine === 'local') {
    claim('SendCommand of the wave steps', sent.waves, waveRegions * WAVE_STEPS, `waves × regions × ${WAVE_STEPS} steps`)
    claim('CreateSnapshot', count('EC2.CreateSnapshot'), below, 'one an instance,')
    const perWave = plan.waves.reduce((n, w) => n + Math.ceil(w.instanceIds.length / 200), 0)
    claim('DescribeVolumes', count('EC2.DescribeVolumes'), perWave, 'one a wave and 200 instances,')
  } else {
    claim('StartAutomationExecution', count('SSM.StartAutomationExecution'), waveRegions, 'one a wave and region,')
    claim('SendCommand of the wave steps', sent.waves, 0, 'none (SSM runs them),')
  }
  claim('instances left tagged opsctl:patch-wave', tagged, 0, 'none once the run is over,')
  claim('DescribeAlarms', count('CloudWatch.DescribeAlarms'), plan.waves.length + 1, 'the gate check and one a wave,')
}

const moto = await benchMoto('patch')
try {
  planCurve()
  const procedure = await PatchProcedure.load()
  for (const size of FLEETS) for (const engine of ['local', 'ssm']) report(engine, size, await patchRun(engine, size, procedure))
} finally {
  moto.stop()
}
