import {fileURLToPath} from 'node:url'

import {CreateVolumeCommand, DescribeSnapshotsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {readJournal, writeJournal} from '../../../src/lib/engine/journal.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import type {RunRecord, StepResult} from '../../../src/lib/engine/types.js'
import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {loadValidRunbook} from '../../../src/lib/runbook/load.js'
import {type LocalRunOptions, runLocally} from '../../../src/lib/runbook/local-engine.js'
import {resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createDbInstance} from '../../support/rds.js'

const noApproval = async (question: string): Promise<void> => {
  throw new Error(`asked "${question}" in a run that must not ask`)
}

async function run(text: string, given: Record<string, string>, options: Partial<LocalRunOptions> = {}) {
  const runbook = options.runbook ?? parseRunbook(text, '/tmp/inline-runbook.yaml')
  const parameters = resolveParameters(runbook.document!, given)
  return runLocally({runbook, parameters, session: await testSession(), approve: noApproval, clock: new VirtualClock(), ...options})
}

/** Interrupts the run (as Ctrl-C does) once the step has finished and been journalled. */
function interruptAfter(stepId: string): Pick<LocalRunOptions, 'interrupt' | 'reporter'> {
  const interrupt = new AbortController()
  return {interrupt: interrupt.signal, reporter: {...silentReporter, stepFinished: (step) => step.id === stepId && interrupt.abort()}}
}

const statuses = (record: RunRecord) => Object.fromEntries(record.steps.map((s) => [s.id, s.status]))
const step = (record: RunRecord, id: string) => record.steps.find((s) => s.id === id) as StepResult
/** The snapshots the document made (moto also holds those of its AMIs). */
const snapshots = async () =>
  (await new EC2Client({}).send(new DescribeSnapshotsCommand({Filters: [{Name: 'description', Values: ['rollback point']}]}))).Snapshots ?? []

/** Finds the big volume with a filter, snapshots it, notes it in a variable, waits, then tags the snapshot with the note. */
const snapshotBigVolume = `
schemaVersion: '0.3'
variables:
  Note: {type: String, default: none}
mainSteps:
  - name: findVolume
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeVolumes}
    outputs:
      - {Name: VolumeId, Selector: "$.Volumes[?(@.Size >= 100 && @.State == 'available')].VolumeId", Type: String}
  - name: assertAvailable
    action: aws:assertAwsResourceProperty
    inputs: {Service: ec2, Api: DescribeVolumes, VolumeIds: ['{{ findVolume.VolumeId }}'], PropertySelector: '$.Volumes[0].State', DesiredValues: [available]}
  - name: snapshot
    action: aws:executeAwsApi
    onFailure: step:report
    inputs: {Service: ec2, Api: CreateSnapshot, VolumeId: '{{ findVolume.VolumeId }}', Description: rollback point}
    outputs:
      - {Name: SnapshotId, Selector: $.SnapshotId, Type: String}
  - name: note
    action: aws:updateVariable
    inputs: {Name: 'variable:Note', Value: 'snapshot of {{ findVolume.VolumeId }}'}
  - name: settle
    action: aws:sleep
    inputs: {Duration: PT1M}
  - name: tagSnapshot
    action: aws:createTags
    inputs:
      ResourceType: EC2
      ResourceIds: ['{{ snapshot.SnapshotId }}']
      Tags: [{Key: note, Value: '{{ variable:Note }}'}]
  - name: report
    action: aws:executeAwsApi
    isEnd: true
    inputs: {Service: sts, Api: GetCallerIdentity}
`

async function bigVolume(): Promise<string> {
  const ec2 = new EC2Client({})
  await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8}))
  return (await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 200}))).VolumeId!
}

describe('runbook run --dry-run and --resume, local engine (against moto)', () => {
  describe('dry run', () => {
    it('runs the read-only steps of the failover test and plans the reboot and what follows it, rebooting nothing', async () => {
      await createDbInstance('tenant-shard-001', {MultiAZ: true})
      const runbook = await loadValidRunbook(fileURLToPath(new URL('../../../runbooks/opsctl-MultiAzFailoverTest.yaml', import.meta.url)))
      const {record, exitCode} = await run('', {DBInstanceIdentifier: 'tenant-shard-001'}, {runbook, dryRun: true})
      expect(exitCode, JSON.stringify(record.error)).to.equal(0)
      expect(record).to.include({status: 'planned', dryRun: true})
      expect(statuses(record)).to.deep.equal({
        'describe-before': 'succeeded',
        'assert-available': 'succeeded',
        'check-multi-az': 'succeeded',
        'not-multi-az': 'skipped',
        'reboot-with-failover': 'planned',
        'wait-available': 'planned',
        'describe-after': 'planned',
      })
      expect(step(record, 'describe-before').calls.map((c) => c.operation)).to.deep.equal(['DescribeDBInstances'])
      expect(step(record, 'reboot-with-failover')).to.deep.include({actions: ['rds:RebootDBInstance'], calls: []})
      expect(record.steps.flatMap((s) => s.calls.map((c) => c.operation))).to.not.include('RebootDBInstance')
      // A dry run has no outcome: the steps that make the document's outputs were only planned.
      expect(record.outcome).to.equal(undefined)
      const {DBInstances} = await new RDSClient({}).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'tenant-shard-001'}))
      expect(DBInstances![0].DBInstanceStatus).to.equal('available')
    })

    it('selects with a filter, asserts and sleeps, then plans the snapshot and every step it may lead to, creating nothing', async () => {
      const volumeId = await bigVolume()
      const {record, exitCode} = await run(snapshotBigVolume, {}, {dryRun: true})
      expect(exitCode, JSON.stringify(record.error)).to.equal(0)
      expect(statuses(record)).to.deep.equal({
        'find-volume': 'succeeded',
        'assert-available': 'succeeded',
        snapshot: 'planned',
        note: 'planned',
        settle: 'planned',
        'tag-snapshot': 'planned',
        report: 'planned',
      })
      expect(step(record, 'find-volume').outputs).to.deep.equal({VolumeId: volumeId})
      expect(await snapshots()).to.deep.equal([])
    })

    it('plans an approval instead of asking, and a loop whose steps change something, running a loop that only reads', async () => {
      const {record, exitCode} = await run(
        `
schemaVersion: '0.3'
mainSteps:
  - name: readTwice
    action: aws:loop
    inputs:
      Iterators: [a, b]
      Steps:
        - {name: whoAmI, action: aws:executeAwsApi, inputs: {Service: sts, Api: GetCallerIdentity}}
  - name: tagEach
    action: aws:loop
    inputs:
      Iterators: [i-0123456789abcdef0]
      Steps:
        - name: tagOne
          action: aws:createTags
          inputs: {ResourceIds: ['{{ tagEach.CurrentIteratorValue }}'], Tags: [{Key: k, Value: v}]}
  - name: gate
    action: aws:approve
    inputs: {Approvers: [ops]}
`,
        {},
        {dryRun: true},
      )
      expect(exitCode, JSON.stringify(record.error)).to.equal(0)
      expect(statuses(record)).to.deep.equal({'read-twice': 'succeeded', 'who-am-i': 'succeeded', 'tag-each': 'planned', 'tag-one': 'planned', gate: 'planned'})
      expect(step(record, 'who-am-i').note).to.equal('ran 2 times')
    })
  })

  describe('resume', () => {
    it('carries on after the last finished step: earlier steps not run again, their outputs and the variables they set in use', async () => {
      const volumeId = await bigVolume()
      const first = await run(snapshotBigVolume, {}, interruptAfter('settle'))
      expect(first.exitCode, JSON.stringify(first.record.error)).to.equal(130)
      expect(statuses(first.record)).to.include({snapshot: 'succeeded', note: 'succeeded', settle: 'succeeded', 'tag-snapshot': 'failed'})

      const {record, exitCode} = await run(snapshotBigVolume, {}, {resume: await readJournal(first.record.runId)})
      expect(exitCode, JSON.stringify(record.error)).to.equal(0)
      expect(record.runId).to.equal(first.record.runId)
      for (const id of ['find-volume', 'assert-available', 'snapshot', 'note', 'settle']) {
        expect(step(record, id).status, id).to.equal('skipped')
        expect(step(record, id).note, id).to.match(/^completed by an earlier attempt at /)
        expect(step(record, id).calls, id).to.deep.equal([])
      }
      expect(statuses(record)).to.include({'tag-snapshot': 'succeeded', report: 'succeeded'})
      const made = await snapshots()
      expect(made).to.have.length(1)
      expect(made[0]).to.deep.include({SnapshotId: step(record, 'snapshot').outputs!.SnapshotId, VolumeId: volumeId})
      expect(made[0].Tags).to.deep.equal([{Key: 'note', Value: `snapshot of ${volumeId}`}])
    })

    it('resumes a resumed run that was interrupted before it finished a step, from where the first attempt left off', async () => {
      await bigVolume()
      const first = await run(snapshotBigVolume, {}, interruptAfter('snapshot'))
      const second = await run(snapshotBigVolume, {}, {resume: await readJournal(first.record.runId), ...interruptAfter('snapshot')})
      expect(second.exitCode).to.equal(130)
      expect(statuses(second.record)).to.include({snapshot: 'skipped', note: 'failed'})
      const third = await run(snapshotBigVolume, {}, {resume: await readJournal(first.record.runId)})
      expect(third.exitCode, JSON.stringify(third.record.error)).to.equal(0)
      expect(statuses(third.record)).to.include({snapshot: 'skipped', note: 'succeeded', 'tag-snapshot': 'succeeded'})
      expect(third.record.resumedFrom).to.have.length(2)
      expect(await snapshots()).to.have.length(1)
    })

    it('settles a run killed after its last step had finished, running nothing again', async () => {
      await bigVolume()
      const done = await run(snapshotBigVolume, {})
      // What kill -9 leaves between the last step's journal write and the run's own.
      await writeJournal({...(await readJournal(done.record.runId)), status: 'running', endedAt: undefined})
      const {record, exitCode} = await run(snapshotBigVolume, {}, {resume: await readJournal(done.record.runId)})
      expect(exitCode, JSON.stringify(record.error)).to.equal(0)
      expect(record.status).to.equal('succeeded')
      expect(record.steps.map((s) => s.status)).to.deep.equal(Array(7).fill('skipped'))
      expect(record.steps.flatMap((s) => s.calls)).to.deep.equal([])
      expect(await snapshots()).to.have.length(1)
    })

    it('refuses, leaving the journal as it was, a document whose steps changed and a run whose failure path already ran to the end', async () => {
      await bigVolume()
      const first = await run(snapshotBigVolume, {}, interruptAfter('find-volume'))
      const journal = await readJournal(first.record.runId)
      const changed = await run(snapshotBigVolume.replace('name: settle', 'name: pause'), {}, {resume: journal}).catch((e) => e)
      expect(changed).to.include({exitCode: 2, code: 'ResumeMismatch'})
      expect(changed.message).to.equal(`Run ${journal.runId} ran another version of this document (its steps differ); start a new run.`)
      expect(await readJournal(first.record.runId)).to.deep.equal(journal)

      const failurePath = `
schemaVersion: '0.3'
mainSteps:
  - name: snapshot
    action: aws:executeAwsApi
    onFailure: step:report
    inputs: {Service: ec2, Api: CreateSnapshot, VolumeId: vol-00000000000000000}
  - name: report
    action: aws:executeAwsApi
    isEnd: true
    inputs: {Service: sts, Api: GetCallerIdentity}
`
      const failed = await run(failurePath, {})
      expect(failed.exitCode).to.equal(1)
      expect(statuses(failed.record)).to.deep.equal({snapshot: 'failed', report: 'succeeded'})
      const again = await run(failurePath, {}, {resume: await readJournal(failed.record.runId)}).catch((e) => e)
      expect(again).to.include({exitCode: 2, code: 'NothingToResume'})
      expect(again.message).to.contain('there is nothing to resume, so start a new run')
    })
  })
})
