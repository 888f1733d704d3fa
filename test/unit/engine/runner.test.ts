import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {expect} from 'chai'
import {readJournal, runsDir} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {Step, Workflow} from '../../../src/lib/engine/types.js'
import {UsageError} from '../../../src/lib/errors/errors.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'

/** A workflow whose steps write what happens into a shared log, so tests can read the order. */
function recordingWorkflow(log: string[], overrides: Partial<Record<string, Partial<Step<unknown>>>> = {}): Workflow<unknown> {
  const step = (id: string, mutates: boolean): Step<unknown> => ({
    id,
    title: `Step ${id}`,
    actions: mutates ? [`rds:Do${id.replace(/-/g, '')}`] : [],
    mutates,
    async run() {
      log.push(`run ${id}`)
      return {made: id}
    },
    async undo() {
      log.push(`undo ${id}`)
    },
    ...overrides[id],
  })
  return {name: 'test-workflow', steps: [step('check', false), step('create-a', true), step('create-b', true), step('verify', false)]}
}

const fail =
  (message = 'boom') =>
  async () => {
    throw new Error(message)
  }

describe('step engine', () => {
  it('runs every step in order and journals a succeeded run', async () => {
    const log: string[] = []
    const {record, exitCode} = await runWorkflow({workflow: recordingWorkflow(log), context: {}, parameters: {db: 'x'}, clock: new VirtualClock()})
    expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'run verify'])
    expect(exitCode).to.equal(ExitCode.Success)
    expect(record.steps.map((s) => s.status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    expect((await readJournal(record.runId)).status).to.equal('succeeded')
  })

  it('undoes completed steps in reverse order when a step fails, and exits 1', async () => {
    const log: string[] = []
    const workflow = recordingWorkflow(log, {verify: {run: fail('verification failed')}})
    const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
    expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'undo create-b', 'undo create-a', 'undo check'])
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.status).to.equal('failed')
    expect(record.error?.message).to.equal('verification failed')
    expect(record.steps.map((s) => s.status)).to.deep.equal(['undone', 'undone', 'undone', 'failed'])
  })

  it('also undoes a mutating step that failed half-way, since it may have created something', async () => {
    const log: string[] = []
    const workflow = recordingWorkflow(log, {'create-b': {run: fail()}})
    await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
    expect(log).to.deep.equal(['run check', 'run create-a', 'undo create-b', 'undo create-a', 'undo check'])
  })

  it('undoes nothing before a step that keeps the earlier steps, when it or a later step fails or is interrupted', async () => {
    const log: string[] = []
    const workflow = recordingWorkflow(log, {'create-b': {keepsEarlierSteps: true}, verify: {run: fail('not delivered')}})
    const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
    expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'undo create-b'])
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps.map((s) => s.status)).to.deep.equal(['succeeded', 'succeeded', 'undone', 'failed'])

    log.length = 0
    const interrupted = recordingWorkflow(log, {
      'create-b': {
        keepsEarlierSteps: true,
        async run(_ctx, io) {
          log.push('run create-b')
          setImmediate(() => process.emit('SIGINT'))
          await new Promise((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason)))
        },
      },
    })
    const stopped = await runWorkflow({workflow: interrupted, context: {}, parameters: {}, clock: new VirtualClock()})
    expect(stopped.exitCode).to.equal(ExitCode.Interrupted)
    expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'undo create-b'])
  })

  it('keeps what the run made when undo is turned off (--keep-on-failure)', async () => {
    const log: string[] = []
    const workflow = recordingWorkflow(log, {verify: {run: fail()}})
    await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock(), undoOnFailure: false})
    expect(log.filter((l) => l.startsWith('undo'))).to.deep.equal([])
  })

  it('records an undo that fails and carries on undoing the rest', async () => {
    const log: string[] = []
    const warnings: string[] = []
    const workflow = recordingWorkflow(log, {verify: {run: fail()}, 'create-b': {undo: fail('cannot delete')}})
    const {record} = await runWorkflow({
      workflow,
      context: {},
      parameters: {},
      clock: new VirtualClock(),
      reporter: {...(await import('../../../src/lib/engine/reporter.js')).silentReporter, warning: (m) => warnings.push(m)},
    })
    expect(record.steps[2].undo).to.deep.include({status: 'failed'})
    expect(log).to.include('undo create-a')
    expect(warnings[0]).to.match(/Could not undo step create-b: cannot delete/)
  })

  it('exits 2 when a preflight step rejects the input, with nothing to undo', async () => {
    const log: string[] = []
    const workflow = recordingWorkflow(log, {
      check: {
        run: async () => {
          throw new UsageError('No DB instance named x in us-east-1.')
        },
      },
    })
    const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error).to.deep.equal({code: 'InvalidInput', message: 'No DB instance named x in us-east-1.'})
    expect(log).to.deep.equal([])
  })

  it("journals a step's checkpoints, gives them to its undo, and to the step again when a resumed run runs it", async () => {
    const seen: unknown[] = []
    const batches = (failAt?: number): Workflow<unknown> => ({
      name: 'batches',
      steps: [
        {
          id: 'batches',
          title: 'Work in batches',
          actions: [],
          mutates: true,
          async run(_ctx, io) {
            const done = (io.checkpointed?.done as number | undefined) ?? 0
            seen.push(`start at ${done}`)
            for (let batch = done + 1; batch <= 3; batch++) {
              if (batch === failAt) throw new Error(`batch ${batch} failed`)
              await io.checkpoint({done: batch})
            }
            return {done: 3}
          },
          async undo(_ctx, io) {
            seen.push(`undo sees ${io.checkpointed?.done}`)
          },
        },
      ],
    })
    const first = await runWorkflow({workflow: batches(3), context: {}, parameters: {}, clock: new VirtualClock()})
    expect(first.record.steps[0].checkpoint).to.deep.equal({done: 2})
    expect((await readJournal(first.record.runId)).steps[0].checkpoint).to.deep.equal({done: 2})
    const resumed = await runWorkflow({workflow: batches(), context: {}, parameters: {}, resume: first.record, clock: new VirtualClock()})
    expect(resumed.exitCode).to.equal(0)
    expect(seen).to.deep.equal(['start at 0', 'undo sees 2', 'start at 2'])
  })

  describe('confirmation before the first change', () => {
    it('is asked once, after the read-only checks and right before the first mutating step', async () => {
      const log: string[] = []
      await runWorkflow({
        workflow: recordingWorkflow(log),
        context: {},
        parameters: {},
        clock: new VirtualClock(),
        beforeFirstChange: async () => {
          log.push('asked')
        },
      })
      expect(log).to.deep.equal(['run check', 'asked', 'run create-a', 'run create-b', 'run verify'])
    })

    it('stops the run with nothing changed when the answer is no (exit 2)', async () => {
      const log: string[] = []
      const {record, exitCode} = await runWorkflow({
        workflow: recordingWorkflow(log),
        context: {},
        parameters: {},
        clock: new VirtualClock(),
        beforeFirstChange: async () => {
          throw new UsageError('Cancelled at the confirmation prompt; nothing was changed.', 'Cancelled')
        },
      })
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(log.filter((l) => l.startsWith('run'))).to.deep.equal(['run check'])
      expect(record.error?.code).to.equal('Cancelled')
      expect(record.steps.slice(1).map((s) => s.status)).to.deep.equal(['pending', 'pending', 'pending'])
    })

    it('is never asked in a dry run', async () => {
      let asked = false
      await runWorkflow({
        workflow: recordingWorkflow([]),
        context: {},
        parameters: {},
        dryRun: true,
        clock: new VirtualClock(),
        beforeFirstChange: async () => {
          asked = true
        },
      })
      expect(asked).to.equal(false)
    })
  })

  describe('objectives', () => {
    const drill = (rtoSeconds: number): Workflow<unknown> => ({
      name: 'drill',
      steps: [{id: 'measure', title: 'Measure', actions: [], mutates: false, run: async () => ({rtoSeconds})}],
      outcome: (outputOf) => ({rtoSeconds: outputOf<{rtoSeconds: number}>({id: 'measure'})?.rtoSeconds}),
      objective: (outcome) => ((outcome.rtoSeconds as number) > 120 ? [`RTO ${outcome.rtoSeconds} s is above the target of 120 s`] : []),
    })

    it('records a met objective and exits 0', async () => {
      const {record, exitCode} = await runWorkflow({workflow: drill(74), context: {}, parameters: {}, clock: new VirtualClock()})
      expect(exitCode).to.equal(ExitCode.Success)
      expect(record.objective).to.deep.equal({met: true, missed: []})
    })

    it('exits 4 when a completed run missed its objective, keeping the run succeeded', async () => {
      const {record, exitCode} = await runWorkflow({workflow: drill(190), context: {}, parameters: {}, clock: new VirtualClock()})
      expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
      expect(record.status).to.equal('succeeded')
      expect(record.objective).to.deep.equal({met: false, missed: ['RTO 190 s is above the target of 120 s']})
    })

    describe('missed by a step', () => {
      const missing = (log: string[], overrides: Parameters<typeof recordingWorkflow>[1] = {}): Workflow<unknown> => ({
        ...recordingWorkflow(log, {
          check: {
            async run(_ctx, io) {
              log.push('run check')
              io.missed('retention 7 days is below the required 30')
              return {passed: false}
            },
          },
          ...overrides,
        }),
        outcome: () => ({}),
        objective: () => [],
      })

      it('keeps the step completed, lists it by id in the objective and exits 4', async () => {
        const log: string[] = []
        const {record, exitCode} = await runWorkflow({workflow: missing(log), context: {}, parameters: {}, clock: new VirtualClock()})
        expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
        expect(record.status).to.equal('succeeded')
        expect(record.steps[0]).to.deep.include({status: 'succeeded', missed: 'retention 7 days is below the required 30'})
        expect(record.objective).to.deep.equal({met: false, missed: ['check']})
        expect(record.warnings).to.deep.equal([])
        expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'run verify'])
      })

      it('is undone like a completed step when a later step fails, and the run fails (exit 1)', async () => {
        const log: string[] = []
        const {record, exitCode} = await runWorkflow({workflow: missing(log, {verify: {run: fail()}}), context: {}, parameters: {}, clock: new VirtualClock()})
        expect(exitCode).to.equal(ExitCode.WorkflowFailed)
        expect(log).to.include('undo check')
        expect(record.objective).to.equal(undefined)
      })

      it('is skipped on resume with its miss kept, so the resumed run still misses its objective', async () => {
        const log: string[] = []
        const first = await runWorkflow({
          workflow: missing(log, {verify: {run: fail()}}),
          context: {},
          parameters: {},
          clock: new VirtualClock(),
          undoOnFailure: false,
        })
        const resumed = await runWorkflow({workflow: missing(log), context: {}, parameters: {}, resume: first.record, clock: new VirtualClock()})
        expect(resumed.record.steps[0]).to.deep.include({status: 'skipped', missed: 'retention 7 days is below the required 30'})
        expect(resumed.record.objective).to.deep.equal({met: false, missed: ['check']})
        expect(resumed.exitCode).to.equal(ExitCode.ObjectiveMissed)
      })
    })
  })

  describe('dry run', () => {
    it('runs read-only steps and plans the mutating ones with their IAM actions, changing nothing', async () => {
      const log: string[] = []
      const {record, exitCode} = await runWorkflow({workflow: recordingWorkflow(log), context: {}, parameters: {}, dryRun: true, clock: new VirtualClock()})
      expect(log).to.deep.equal(['run check'])
      expect(exitCode).to.equal(ExitCode.Success)
      expect(record.status).to.equal('planned')
      expect(record.steps.map((s) => s.status)).to.deep.equal(['succeeded', 'planned', 'planned', 'planned'])
      expect(record.steps[1].actions).to.deep.equal(['rds:Docreatea'])
    })
  })

  describe('timeouts', () => {
    it('fails a step that outlives its timeout and undoes the run', async () => {
      const log: string[] = []
      const clock = new VirtualClock()
      const workflow = recordingWorkflow(log, {
        verify: {
          timeoutMs: 60_000,
          async run(_ctx, io) {
            for (;;) await io.clock.sleep(5000, io.signal)
          },
        },
      })
      const started = clock.now()
      const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, clock})
      expect(exitCode).to.equal(ExitCode.WorkflowFailed)
      expect(record.steps[3].error?.code).to.equal('StepTimeout')
      expect(record.steps[3].error?.message).to.match(/timed out after 60 s/)
      expect(clock.now() - started).to.be.within(60_000, 65_000)
      expect(log).to.include('undo create-a')
    })

    it('takes the timeout from the context when the step computes it', async () => {
      const clock = new VirtualClock()
      const workflow: Workflow<{limitMs: number}> = {
        name: 'computed-timeout',
        steps: [
          {
            id: 'wait',
            title: 'Wait',
            actions: [],
            mutates: false,
            timeoutMs: (ctx) => ctx.limitMs,
            async run(_ctx, io) {
              for (;;) await io.clock.sleep(1000, io.signal)
            },
          },
        ],
      }
      const {record} = await runWorkflow({workflow, context: {limitMs: 3000}, parameters: {}, clock})
      expect(record.steps[0].error?.message).to.match(/timed out after 3 s/)
    })
  })

  describe('interrupts', () => {
    it('on SIGINT stops the running step, undoes completed steps in reverse order and exits 130', async () => {
      const log: string[] = []
      const workflow = recordingWorkflow(log, {
        'create-b': {
          async run(_ctx, io) {
            log.push('run create-b')
            setImmediate(() => process.emit('SIGINT'))
            await new Promise((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason)))
          },
        },
      })
      const {record, exitCode} = await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
      expect(exitCode).to.equal(ExitCode.Interrupted)
      expect(record.status).to.equal('interrupted')
      expect(log).to.deep.equal(['run check', 'run create-a', 'run create-b', 'undo create-b', 'undo create-a', 'undo check'])
      expect(record.steps[3].status).to.equal('pending')
      expect(process.listenerCount('SIGINT')).to.equal(0)
    })

    it('on SIGTERM behaves the same', async () => {
      const log: string[] = []
      const workflow = recordingWorkflow(log, {
        verify: {
          async run(_ctx, io) {
            setImmediate(() => process.emit('SIGTERM'))
            await io.clock.sleep(10, io.signal)
            await new Promise((resolve) => setTimeout(resolve, 20))
            io.signal.throwIfAborted()
          },
        },
      })
      const {exitCode, record} = await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
      expect(exitCode).to.equal(ExitCode.Interrupted)
      expect(record.error?.message).to.match(/SIGTERM/)
    })
  })

  describe('resume', () => {
    it('skips the steps an interrupted run completed, keeps their outputs and reuses the run id', async () => {
      const log: string[] = []
      const first = await runWorkflow({
        workflow: recordingWorkflow(log, {verify: {run: fail()}}),
        context: {},
        parameters: {db: 'a'},
        clock: new VirtualClock(),
        undoOnFailure: false,
      })
      log.length = 0
      let seen: unknown
      const resumed = await runWorkflow({
        workflow: recordingWorkflow(log, {
          verify: {
            async run(_ctx, io) {
              seen = io.outputOf({id: 'create-b'})
            },
          },
        }),
        context: {},
        parameters: {db: 'a'},
        clock: new VirtualClock(),
        resume: await readJournal(first.record.runId),
      })
      expect(log).to.deep.equal([])
      expect(seen).to.deep.equal({made: 'create-b'})
      expect(resumed.record.runId).to.equal(first.record.runId)
      expect(resumed.record.steps.map((s) => s.status)).to.deep.equal(['skipped', 'skipped', 'skipped', 'succeeded'])
      expect(resumed.record.steps[1].note).to.match(/completed by an earlier attempt/)
      expect(resumed.record.status).to.equal('succeeded')
    })

    it('refuses to resume with different parameters', async () => {
      const first = await runWorkflow({workflow: recordingWorkflow([], {verify: {run: fail()}}), context: {}, parameters: {db: 'a'}, clock: new VirtualClock()})
      const attempt = runWorkflow({workflow: recordingWorkflow([]), context: {}, parameters: {db: 'b'}, clock: new VirtualClock(), resume: first.record})
      await expectRejection(attempt, /was started with other parameters/)
    })

    it('refuses to resume a run of another workflow or one that succeeded', async () => {
      const done = await runWorkflow({workflow: recordingWorkflow([]), context: {}, parameters: {}, clock: new VirtualClock()})
      await expectRejection(runWorkflow({workflow: recordingWorkflow([]), context: {}, parameters: {}, resume: done.record}), /already succeeded/)
      const other = {...done.record, status: 'failed' as const, workflow: 'other'}
      await expectRejection(runWorkflow({workflow: recordingWorkflow([]), context: {}, parameters: {}, resume: other}), /is a other run, not test-workflow/)
    })
  })

  describe('journal', () => {
    it('is written after every step, so a later step sees the earlier ones as succeeded on disk', async () => {
      let onDisk: string[] = []
      const workflow = recordingWorkflow([], {
        verify: {
          async run(_ctx, io) {
            onDisk = (await readJournal(io.runId)).steps.map((s) => s.status)
          },
        },
      })
      await runWorkflow({workflow, context: {}, parameters: {}, clock: new VirtualClock()})
      expect(onDisk).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'pending'])
    })

    it('is replaced atomically: a reader never sees a partial file', async () => {
      const big = 'x'.repeat(200_000)
      const steps: Step<unknown>[] = Array.from({length: 30}, (_, i) => ({
        id: `step-${i}`,
        title: `Step ${i}`,
        actions: [],
        mutates: false,
        run: async () => ({big}),
      }))
      const run = runWorkflow({workflow: {name: 'big', steps}, context: {}, parameters: {}, runId: '20260101T000000Z-abcdef', clock: new VirtualClock()})
      const file = join(runsDir(), '20260101T000000Z-abcdef.json')
      let reads = 0
      let finished = false
      void run.then(() => (finished = true))
      while (!finished) {
        const text = await readFile(file, 'utf8').catch(() => undefined)
        if (text !== undefined) {
          JSON.parse(text)
          reads++
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
      expect(reads).to.be.greaterThan(0)
    })
  })

  describe('secrets', () => {
    it('redacts declared secret parameters and secret-looking outputs from the journal and the record', async () => {
      const workflow: Workflow<unknown> = {
        name: 'secrets',
        steps: [
          {
            id: 'make-key',
            title: 'Make a data key',
            actions: ['kms:GenerateDataKey'],
            mutates: true,
            run: async () => ({keyId: 'k-1', plaintextDataKey: 'c2VjcmV0LWRhdGEta2V5', nested: {MasterUserPassword: 'hunter22'}}),
          },
        ],
      }
      let inMemory: unknown
      const {record} = await runWorkflow({
        workflow: {
          ...workflow,
          steps: [
            ...workflow.steps,
            {
              id: 'use',
              title: 'Use it',
              actions: [],
              mutates: false,
              run: async (_c, io) => {
                inMemory = io.outputOf({id: 'make-key'})
              },
            },
          ],
        },
        context: {},
        parameters: {tenant: 't-1', adminPassword: 'pa55word!', token: 'abc'},
        secrets: ['token'],
        clock: new VirtualClock(),
      })
      const journal = await readFile(join(runsDir(), `${record.runId}.json`), 'utf8')
      for (const secret of ['c2VjcmV0LWRhdGEta2V5', 'hunter22', 'pa55word!', '"abc"']) expect(journal).not.to.contain(secret)
      expect(record.parameters).to.deep.equal({tenant: 't-1', adminPassword: '***', token: '***'})
      expect(record.steps[0].outputs).to.deep.equal({keyId: 'k-1', plaintextDataKey: '***', nested: {MasterUserPassword: '***'}})
      expect(inMemory).to.deep.include({plaintextDataKey: 'c2VjcmV0LWRhdGEta2V5'})
    })
  })
})

async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise
  } catch (error) {
    expect((error as Error).message).to.match(pattern)
    expect(error).to.be.instanceOf(UsageError)
    return
  }
  expect.fail('expected a rejection')
}
