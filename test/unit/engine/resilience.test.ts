import {expect} from 'chai'
import sinon from 'sinon'
import {readJournal} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord, Step, Workflow} from '../../../src/lib/engine/types.js'
import {UsageError} from '../../../src/lib/errors/errors.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {systemClock, VirtualClock} from '../../../src/lib/time/clock.js'

const step = (id: string, mutates: boolean, log: string[], overrides: Partial<Step<unknown>> = {}): Step<unknown> => ({
  id,
  title: id,
  actions: [],
  mutates,
  async run() {
    log.push(`run ${id}`)
    return {id}
  },
  async undo() {
    log.push(`undo ${id}`)
  },
  ...overrides,
})

const workflowOf = (...steps: Step<unknown>[]): Workflow<unknown> => ({name: 'resilience', steps})

describe('step engine under crashes and repeated interrupts', () => {
  it('journals an undo as running before it starts, so a crash during it is visible', async () => {
    let seenOnDisk: RunRecord['steps'][number]['undo']
    const log: string[] = []
    let runId = ''
    const {record} = await runWorkflow({
      clock: new VirtualClock(),
      context: {},
      parameters: {},
      workflow: workflowOf(
        step('create', true, log, {
          async undo(_ctx, io) {
            runId = io.runId
            seenOnDisk = (await readJournal(runId)).steps[0].undo
          },
        }),
        step('verify', false, log, {
          run: async () => {
            throw new Error('verification failed')
          },
        }),
      ),
    })
    expect(seenOnDisk).to.deep.equal({status: 'running'})
    expect(record.steps[0].undo).to.deep.equal({status: 'succeeded'})
  })

  it('on resume runs again the step whose undo began, and every step after it, even those that had succeeded', async () => {
    const log: string[] = []
    const steps = [step('check', false, log), step('create', true, log), step('wait', false, log), step('verify', false, log)]
    const previous: RunRecord = {
      runId: '20261201T000000Z-abcdef',
      workflow: 'resilience',
      opsctlVersion: '0',
      status: 'running',
      dryRun: false,
      parameters: {},
      startedAt: '2026-12-01T00:00:00.000Z',
      metrics: {},
      warnings: [],
      steps: [
        {id: 'check', title: 'check', mutates: false, actions: [], status: 'succeeded', endedAt: '2026-12-01T00:00:01.000Z', outputs: {id: 'check'}, calls: []},
        {
          id: 'create',
          title: 'create',
          mutates: true,
          actions: [],
          status: 'succeeded',
          endedAt: '2026-12-01T00:00:02.000Z',
          undo: {status: 'running'},
          calls: [],
        },
        {id: 'wait', title: 'wait', mutates: false, actions: [], status: 'succeeded', endedAt: '2026-12-01T00:00:03.000Z', calls: []},
        {id: 'verify', title: 'verify', mutates: false, actions: [], status: 'failed', calls: []},
      ],
    }
    const {record, exitCode} = await runWorkflow({workflow: workflowOf(...steps), context: {}, parameters: {}, resume: previous, clock: new VirtualClock()})
    expect(exitCode).to.equal(ExitCode.Success)
    expect(log).to.deep.equal(['run create', 'run wait', 'run verify'])
    expect(record.steps.map((s) => s.status)).to.deep.equal(['skipped', 'succeeded', 'succeeded', 'succeeded'])
    expect(record.steps[0].completedAt).to.equal('2026-12-01T00:00:01.000Z')
  })

  it('skips on a second resume what the first resume skipped', async () => {
    const log: string[] = []
    const first = await runWorkflow({
      workflow: workflowOf(
        step('check', false, log),
        step('fail', true, log, {
          run: async () => {
            throw new Error('no')
          },
        }),
      ),
      context: {},
      parameters: {},
      undoOnFailure: false,
      clock: new VirtualClock(),
    })
    const second = await runWorkflow({
      workflow: workflowOf(
        step('check', false, log),
        step('fail', true, log, {
          run: async () => {
            throw new Error('again')
          },
        }),
      ),
      context: {},
      parameters: {},
      resume: first.record,
      undoOnFailure: false,
      clock: new VirtualClock(),
    })
    await runWorkflow({
      workflow: workflowOf(step('check', false, log), step('fail', true, log)),
      context: {},
      parameters: {},
      resume: second.record,
      clock: new VirtualClock(),
    })
    expect(log.filter((l) => l === 'run check')).to.have.length(1)
  })

  it('stops the undo at a second interrupt, leaving it journalled for a resume', async () => {
    const log: string[] = []
    const interrupt = new AbortController()
    const workflow = workflowOf(
      step('create', true, log, {
        async undo(_ctx, io) {
          log.push('undo create started')
          setImmediate(() => process.emit('SIGINT'))
          await new Promise((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason)))
        },
      }),
      step('wait', false, log, {
        async run(_ctx, io) {
          setImmediate(() => interrupt.abort())
          await new Promise((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason)))
        },
      }),
    )
    const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, interrupt: interrupt.signal, clock: new VirtualClock()})
    expect(exitCode).to.equal(ExitCode.Interrupted)
    expect(log).to.include('undo create started')
    expect(record.steps[0].undo?.status).to.equal('failed')
    expect(record.steps[0].undo?.error?.message).to.match(/^Interrupted by SIGINT; while undoing/)
    expect(record.warnings[0]).to.match(/resume the run with --resume/)
  })

  it('gives an undo its own time limit, from the step when it says', async () => {
    const clock = new VirtualClock()
    const workflow = workflowOf(
      step('create', true, [], {
        undoTimeoutMs: 90_000,
        async undo(_ctx, io) {
          for (;;) await io.clock.sleep(10_000, io.signal)
        },
      }),
      step('verify', false, [], {
        run: async () => {
          throw new Error('no')
        },
      }),
    )
    const {record} = await runWorkflow({workflow, context: {}, parameters: {}, clock})
    expect(record.steps[0].undo?.error).to.deep.equal({
      code: 'StepTimeout',
      message: 'The undo of step create timed out after 90 s; raise its timeout or look at the resource in the AWS console.',
    })
  })

  it('exits 1, not 2, for a refusal raised after a change', async () => {
    const refuse = async () => {
      throw new UsageError('No DB instance named restored in us-east-1.')
    }
    const {exitCode} = await runWorkflow({
      workflow: workflowOf(step('create', true, []), step('verify', false, [], {run: refuse})),
      context: {},
      parameters: {},
      clock: new VirtualClock(),
    })
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    const before = await runWorkflow({
      workflow: workflowOf(step('check', false, [], {run: refuse}), step('create', true, [])),
      context: {},
      parameters: {},
      clock: new VirtualClock(),
    })
    expect(before.exitCode).to.equal(ExitCode.Usage)
  })
})

describe('the system clock', () => {
  let timers: sinon.SinonFakeTimers
  beforeEach(() => {
    timers = sinon.useFakeTimers()
  })
  afterEach(() => timers.restore())

  it('fires a timer longer than Node allows (2^31 ms) when it is due, not after 1 ms', () => {
    let fired = false
    systemClock.schedule(2 ** 31 + 10_000, () => (fired = true))
    timers.tick(1000)
    expect(fired).to.equal(false)
    timers.tick(2 ** 31 - 1000)
    expect(fired).to.equal(false)
    timers.tick(10_000)
    expect(fired).to.equal(true)
  })

  it('cancels a chained timer', () => {
    let fired = false
    const cancel = systemClock.schedule(2 ** 32, () => (fired = true))
    timers.tick(2 ** 31)
    cancel()
    timers.tick(2 ** 32)
    expect(fired).to.equal(false)
  })
})
