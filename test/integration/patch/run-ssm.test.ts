import {DescribeInstancesCommand} from '@aws-sdk/client-ec2'
import {CreateTopicCommand, SNSClient} from '@aws-sdk/client-sns'
import type {TargetLocation} from '@aws-sdk/client-ssm'
import {
  CreateDocumentCommand,
  GetDocumentCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  type StartAutomationExecutionCommandInput,
  StopAutomationExecutionCommand,
  UpdateDocumentCommand,
} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {newRunId} from '../../../src/lib/engine/journal.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import type {InstanceProgress} from '../../../src/lib/patch/ledger.js'
import {parseMaxErrors, parseWaveSize} from '../../../src/lib/patch/plan.js'
import {PATCH_RUNBOOK, PatchProcedure} from '../../../src/lib/patch/procedure.js'
import {patchRunResults, patchRunWorkflow} from '../../../src/lib/patch/run.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'
import {parseVersion} from '../../../src/lib/patch/version.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {type AutomationRun, PatchFleet} from '../../support/patch-fleet.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {openTestStore} from '../../support/tenants.js'

/*
 * `patch run --engine ssm`: EC2 instances and tags, and the runbook's SSM document, in moto; SSM Automation (moto has no
 * executions) by an SDK mock that runs each wave's execution as SSM does with rate control: the Targets tag resolved
 * in the region, a child execution per instance (see PatchFleet).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const RATE = {maxConcurrency: '50%', maxErrors: '0'}

interface PatchOptions {
  canary?: number
  wave?: string
  maxErrors?: string
  regions?: string[]
  notifyTopic?: string
  resume?: RunRecord
  interrupt?: AbortSignal
  /** false: the run ends without its undo, as a killed one does, and leaves its executions running in SSM. */
  undo?: boolean
  /** Collects the progress lines of the run. */
  progress?: string[]
  targetLocations?: TargetLocation[]
}

async function patch(options: PatchOptions = {}) {
  const runId = options.resume?.runId ?? newRunId()
  const {canary = 1, wave = '2', maxErrors = '0', regions, notifyTopic} = options
  return runWorkflow({
    workflow: patchRunWorkflow,
    context: {
      spec: parseTargets({targets: ['tag:Role=postgres']}),
      regions,
      package: 'postgresql',
      minVersion: parseVersion('15.8'),
      compliance: false,
      severity: 'HIGH',
      session: await testSession(runId),
      store: await openTestStore(),
      procedure: await PatchProcedure.load(),
      run: {
        engine: 'ssm',
        canary,
        wave: parseWaveSize(wave),
        maxErrors: parseMaxErrors(maxErrors),
        healthAlarms: [],
        request: {package: 'postgresql', minVersion: '15.8', device: '/dev/sdf', notifyTopic, rate: RATE, pollIntervalMs: 1000},
        targetLocations: options.targetLocations,
      },
    },
    // As the command records them.
    parameters: {
      targets: ['tag:Role=postgres'],
      regions,
      minVersion: '15.8',
      package: 'postgresql',
      canary,
      wave,
      maxErrors,
      healthAlarms: [],
      notifyTopic,
      device: '/dev/sdf',
      engine: 'ssm',
      targetLocations: options.targetLocations,
    },
    runId,
    resume: options.resume,
    interrupt: options.interrupt,
    undoOnFailure: options.undo,
    reporter: {...silentReporter, stepProgress: (_step, message) => options.progress?.push(message)},
    clock: new VirtualClock(Date.now()),
  })
}

/** Each instance's journalled progress in the patch step: what a resume and a report read. */
const progressOf = (record: RunRecord) =>
  new Map(((record.steps.find((s) => s.id === 'patch-waves')?.checkpoint?.instances ?? []) as InstanceProgress[]).map((p) => [p.instanceId, p]))

describe('patch run --engine ssm (EC2 and documents in moto, SSM Automation by SDK mock)', function () {
  this.timeout(120_000)
  let fleet: PatchFleet
  /** Each instance's name, by id. */
  let nameOf: (id: string) => string
  const sorted = (ids: string[]) => ids.map(nameOf).sort()
  const childrenOf = (run: AutomationRun) => sorted(run.children.map((c) => c.Target!))
  const resultsOf = (record: RunRecord) =>
    Object.fromEntries(patchRunResults(record)!.instances.map((i) => [nameOf(i.instanceId), `${i.result}${i.toVersion ? ` ${i.toVersion}` : ''}`]))
  const outputOf = (run: AutomationRun, instanceId: string, output: string) => run.children.find((c) => c.Target === instanceId)!.Outputs![output][0]

  beforeEach(async () => {
    fleet = new PatchFleet()
    await fleet.launch([
      {name: 'pg-1', version: '15.6'},
      {name: 'pg-2', version: '15.6'},
      {name: 'pg-3', version: '14.11'},
      {name: 'pg-ok', version: '15.8'},
    ])
    nameOf = (id) => [...fleet.names].find(([, i]) => i === id)?.[0] ?? id
  })
  afterEach(() => fleet.restore())

  it('starts one rate-controlled execution of the published runbook per wave, addressed by the wave tag, and reports each child execution', async () => {
    const progress: string[] = []
    const {record, exitCode} = await patch({canary: 1, wave: '2', progress})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expectMatchesSchema({status: 0, result: JSON.parse(JSON.stringify(record)), warnings: []}, 'patch-run')
    const {plan, instances} = patchRunResults(record)!
    expect(plan.waves).to.have.length(2)
    expect(fleet.automations.map((run) => run.input.Targets)).to.deep.equal(
      plan.waves.map((w) => [{Key: 'tag:opsctl:patch-wave', Values: [`${record.runId}/${w.index}`]}]),
    )
    for (const run of fleet.automations)
      expect(run.input).to.deep.include({
        DocumentName: PATCH_RUNBOOK,
        DocumentVersion: '1',
        TargetParameterName: 'InstanceId',
        MaxConcurrency: '50%',
        MaxErrors: '0',
        Parameters: {TargetVersion: ['15.8'], Package: ['postgresql'], DataDeviceName: ['/dev/sdf'], RunId: [record.runId]},
      })
    const tokens = fleet.automations.map((run) => run.input.ClientToken!)
    for (const token of tokens) expect(token).to.match(UUID)
    expect(new Set(tokens).size).to.equal(tokens.length)
    // SSM's fan-out reached exactly the wave's instances.
    expect(fleet.automations.map(childrenOf)).to.deep.equal(plan.waves.map((w) => sorted(w.instanceIds)))
    expect(resultsOf(record)).to.deep.equal({'pg-1': 'patched 15.10', 'pg-2': 'patched 15.10', 'pg-3': 'patched 15.10', 'pg-ok': 'not-needed'})
    // What each instance's child execution output; a step that did not run (no rollback) gives nothing.
    for (const i of instances.filter((i) => i.result === 'patched')) {
      const run = fleet.automations[i.wave]
      expect(i.snapshotId)
        .to.equal(outputOf(run, i.instanceId, 'snapshotDataVolume.SnapshotId'))
        .and.match(/^snap-/)
      expect(i.restoredVolumeId).to.equal(undefined)
    }
    // Each child execution's changes were streamed as they came.
    const canary = fleet.automations[0].children[0]
    expect(progress).to.include.members([
      `${canary.Target}: InProgress upgradePostgreSQL (${canary.AutomationExecutionId})`,
      `${canary.Target}: Success recordCompliant (${canary.AutomationExecutionId})`,
    ])
    // The runbook was published once, and nothing is left addressed by the finished run.
    expect(fleet.callsOf(CreateDocumentCommand).map((c) => c.Name)).to.deep.equal([PATCH_RUNBOOK])
    expect(fleet.callsOf(UpdateDocumentCommand)).to.deep.equal([])
    const {Reservations = []} = await fleet.ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag-key', Values: ['opsctl:patch-wave']}]}))
    expect(Reservations).to.deep.equal([])
  })

  it('in two regions starts a wave once in each, the runbook published in each, and passes the notification topic on', async () => {
    await fleet.launch([{name: 'pg-west', version: '15.6', region: 'eu-west-1'}])
    const {TopicArn} = await new SNSClient({}).send(new CreateTopicCommand({Name: 'dba'}))
    const {record, exitCode} = await patch({canary: 0, wave: '100%', regions: ['us-east-1', 'eu-west-1'], notifyTopic: TopicArn})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    const byRegion = Object.fromEntries(fleet.automations.map((run) => [run.region, run]))
    expect(Object.keys(byRegion)).to.have.members(['us-east-1', 'eu-west-1'])
    expect(childrenOf(byRegion['us-east-1'])).to.deep.equal(['pg-1', 'pg-2', 'pg-3'])
    expect(childrenOf(byRegion['eu-west-1'])).to.deep.equal(['pg-west'])
    for (const run of fleet.automations) {
      expect(run.input.Targets).to.deep.equal([{Key: 'tag:opsctl:patch-wave', Values: [`${record.runId}/0`]}])
      expect(run.input.Parameters?.NotificationTopicArn).to.deep.equal([TopicArn])
    }
    expect(byRegion['us-east-1'].input.ClientToken).to.not.equal(byRegion['eu-west-1'].input.ClientToken)
    expect(fleet.callsOf(CreateDocumentCommand)).to.have.length(2)
    for (const region of ['us-east-1', 'eu-west-1']) {
      const {DocumentVersion} = await new SSMClient({region}).send(new GetDocumentCommand({Name: PATCH_RUNBOOK}))
      expect(DocumentVersion, region).to.equal('1')
    }
    expect(resultsOf(record)['pg-west']).to.equal('patched 15.10')
  })

  it('starts a wave again with the same client token, so a start whose answer was lost (the run killed) is followed, not repeated', async () => {
    const interrupt = new AbortController()
    fleet.onStart = () => {
      fleet.onStart = () => {}
      interrupt.abort()
      throw Object.assign(new Error('The operation was aborted.'), {name: 'AbortError'})
    }
    const first = await patch({interrupt: interrupt.signal, undo: false})
    expect(first.record.status).to.equal('interrupted')
    const resumed = await patch({resume: first.record})
    expect(resumed.exitCode, resumed.record.error?.message).to.equal(ExitCode.Success)
    const starts = fleet.callsOf<StartAutomationExecutionCommandInput>(StartAutomationExecutionCommand)
    expect(starts[1]).to.deep.equal(starts[0])
    expect(fleet.automations).to.have.length(2)
    expect(Object.values(resultsOf(resumed.record))).to.have.members(['patched 15.10', 'patched 15.10', 'patched 15.10', 'not-needed'])
  })

  it('stops the run (exit 1) when the canary fails, reports its rollback, and starts no other execution', async () => {
    const canaryOf = fleet.failFirst('upgradePostgreSQL', {status: 'Failed', output: 'dnf: no space left'})
    const {record, exitCode} = await patch()
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    const [run] = fleet.automations
    expect(fleet.automations).to.have.length(1)
    const canary = canaryOf()!
    const child = run.children[0].AutomationExecutionId
    expect(record.error?.message).to.match(
      new RegExp(
        `^The patch stopped: the canary ${canary} failed \\(execution ${child} Failed: .*upgradePostgreSQL Failed: dnf: no space left\\); 1 remaining wave`,
      ),
    )
    const result = patchRunResults(record)!.instances.find((i) => i.instanceId === canary)!
    expect(result).to.deep.include({
      result: 'rolled-back',
      snapshotId: outputOf(run, canary, 'snapshotDataVolume.SnapshotId'),
      restoredVolumeId: outputOf(run, canary, 'createRestoredVolume.VolumeId'),
    })
    expect(Object.values(resultsOf(record)).sort()).to.deep.equal(['not-needed', 'rolled-back', 'skipped', 'skipped'])
  })

  it('reports an instance that failed before its snapshot as failed, not rolled back, and calls off the rest past --max-errors', async () => {
    fleet.failAllButFirst('stopPostgreSQL', {status: 'Failed', output: 'systemctl: timed out'})
    const {record, exitCode} = await patch({canary: 1, wave: '1', maxErrors: '0'})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.error?.message).to.match(/more than --max-errors 0/)
    expect(fleet.automations).to.have.length(2)
    const [failed] = patchRunResults(record)!.instances.filter((i) => i.result === 'failed')
    expect(failed.reason).to.match(/^execution [0-9a-f-]+ Failed: .*stopPostgreSQL Failed: systemctl: timed out$/)
    expect(failed.snapshotId).to.equal(undefined)
    expect(failed.restoredVolumeId).to.equal(undefined)
    expect(Object.values(resultsOf(record)).sort()).to.deep.equal(['failed', 'not-needed', 'patched 15.10', 'skipped'])
  })

  it('on Ctrl-C cancels the execution in flight, marks the instances it rolled back interrupted, and --resume patches just those again', async () => {
    const interrupt = new AbortController()
    // In the second wave's execution one child has finished when Ctrl-C comes; the other is upgrading.
    fleet.onPoll = (run) => {
      if (run !== fleet.automations[1] || run.polls > 1) return
      fleet.endChild(run, run.children[0].Target!)
      interrupt.abort()
    }
    const first = await patch({canary: 1, wave: '2', interrupt: interrupt.signal})
    expect(first.exitCode).to.equal(ExitCode.Interrupted)
    expect(first.record.status).to.equal('interrupted')
    const cancelled = fleet.automations[1]
    expect(fleet.callsOf(StopAutomationExecutionCommand)).to.deep.equal([{AutomationExecutionId: cancelled.executionId, Type: 'Cancel'}])
    const [done, upgrading] = cancelled.children.map((c) => c.Target!)
    const progress = progressOf(first.record)
    expect(progress.get(done)).to.deep.include({result: 'patched', toVersion: '15.10'})
    expect(progress.get(done)?.interrupted).to.equal(undefined)
    expect(progress.get(upgrading)).to.deep.include({
      result: 'rolled-back',
      interrupted: true,
      restoredVolumeId: outputOf(cancelled, upgrading, 'createRestoredVolume.VolumeId'),
    })
    expect(progress.get(upgrading)?.reason).to.match(/Cancelled/)

    fleet.onPoll = () => {}
    const resumed = await patch({canary: 1, wave: '2', resume: first.record})
    expect(resumed.exitCode, resumed.record.error?.message).to.equal(ExitCode.Success)
    expect(fleet.automations).to.have.length(3)
    const again = fleet.automations[2]
    expect(again.input.Targets).to.deep.equal(cancelled.input.Targets)
    expect(again.input.ClientToken).to.not.equal(cancelled.input.ClientToken)
    expect(childrenOf(again)).to.deep.equal([nameOf(upgrading)])
    expect(resultsOf(resumed.record)).to.deep.equal({'pg-1': 'patched 15.10', 'pg-2': 'patched 15.10', 'pg-3': 'patched 15.10', 'pg-ok': 'not-needed'})
  })

  it('--resume of a killed run follows the execution still InProgress to its end instead of starting the wave again', async () => {
    const interrupt = new AbortController()
    fleet.onPoll = (run) => {
      if (run === fleet.automations[0] && run.polls === 1) interrupt.abort()
    }
    const first = await patch({canary: 1, wave: '2', interrupt: interrupt.signal, undo: false})
    expect(first.record.status).to.equal('interrupted')
    const [canary] = fleet.automations
    expect(canary.status).to.equal('InProgress')
    expect(fleet.callsOf(StopAutomationExecutionCommand)).to.deep.equal([])
    fleet.onPoll = () => {}
    const resumed = await patch({canary: 1, wave: '2', resume: first.record})
    expect(resumed.exitCode, resumed.record.error?.message).to.equal(ExitCode.Success)
    const waveStarts = fleet.callsOf<StartAutomationExecutionCommandInput>(StartAutomationExecutionCommand).map((s) => s.Targets?.[0]?.Values?.[0])
    expect(waveStarts).to.deep.equal([`${first.record.runId}/0`, `${first.record.runId}/1`])
    expect(canary.status).to.equal('Success')
    expect(resultsOf(resumed.record)).to.deep.equal({'pg-1': 'patched 15.10', 'pg-2': 'patched 15.10', 'pg-3': 'patched 15.10', 'pg-ok': 'not-needed'})
  })

  describe('--target-locations', () => {
    const LOCATIONS: TargetLocation[] = [{Accounts: ['111111111111', '222222222222'], Regions: ['eu-west-1'], TargetLocationMaxConcurrency: '1'}]

    it("once every wave here passed, starts one execution SSM fans out to the locations, over the targets' tags, and reports its children", async () => {
      const {record, exitCode} = await patch({targetLocations: LOCATIONS, wave: '50%', maxErrors: '1'})
      expect(exitCode, record.error?.message).to.equal(0)
      expectMatchesSchema({status: 0, result: JSON.parse(JSON.stringify(record)), warnings: []}, 'patch-run')
      const [last, ...earlier] = [...fleet.automations].reverse()
      expect(earlier.every((run) => run.input.TargetLocations === undefined)).to.equal(true)
      expect(last.input).to.deep.include({
        TargetLocations: LOCATIONS,
        Targets: [{Key: 'tag:Role', Values: ['postgres']}],
        MaxConcurrency: '50%',
        MaxErrors: '1',
      })
      expect(last.input.ClientToken).to.match(UUID)
      const {locations} = patchRunResults(record)!
      expect(locations).to.deep.include({executionId: last.executionId, status: 'Success'})
      expect(locations!.children).to.have.length(last.children.length)
    })

    it('stops the run (exit 1) when the fan-out does not succeed, naming the locations that failed', async () => {
      fleet.onStart = (run) => {
        if (run.input.TargetLocations) fleet.behaviour = (step) => (step === 'upgradePostgreSQL' ? {status: 'Failed', output: 'no space left'} : undefined)
      }
      const {record, exitCode} = await patch({targetLocations: LOCATIONS})
      expect(exitCode).to.equal(1)
      expect(record.error?.message).to.match(/^The patch of the target locations ended Failed \(.+ Failed.*\): see automation execution /)
      expect(Object.values(resultsOf(record)).filter((r) => r.startsWith('patched'))).to.have.length(3)
    })
  })
})
