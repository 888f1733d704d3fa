import {
  CreateDocumentCommand,
  DescribeAutomationExecutionsCommand,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  InvalidDocument,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SSMClient,
  type SSMClientResolvedConfig,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {runInSsm} from '../../../src/lib/runbook/ssm-engine.js'
import {executionRecord} from '../../../src/lib/runbook/ssm-execution.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {expectMatchesSchema} from '../../support/schema.js'

const document = `schemaVersion: '0.3'
parameters:
  DBInstanceIdentifier: {type: String}
  Tags: {type: StringList, default: []}
mainSteps:
  - name: rebootWithFailover
    action: aws:executeAwsApi
    inputs: {Service: rds, Api: RebootDBInstance, DBInstanceIdentifier: '{{ DBInstanceIdentifier }}', ForceFailover: true}
  - name: waitAvailable
    action: aws:waitForAwsResourceProperty
    inputs: {Service: rds, Api: DescribeDBInstances, DBInstanceIdentifier: '{{ DBInstanceIdentifier }}', PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: [available]}
`
const executionId = '4f1c2a3b-1234-4d5e-8f90-0123456789ab'
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
const execution = {
  AutomationExecutionId: executionId,
  DocumentName: 'opsctl-Failover',
  DocumentVersion: '3',
  ExecutionStartTime: at(0),
  Parameters: {DBInstanceIdentifier: ['tenant-shard-001'], Tags: ['a', 'b']},
}
const reboot = {StepName: 'rebootWithFailover', StepExecutionId: 's1', Action: 'aws:executeAwsApi', ExecutionStartTime: at(0)}
const wait = {StepName: 'waitAvailable', StepExecutionId: 's2', Action: 'aws:waitForAwsResourceProperty', ExecutionStartTime: at(2)}
const requestId = '0e6c9f6a-9a43-4b1e-8f3a-2c1d5e7f9a10'
const stepStates = (record: RunRecord) => record.steps.map((s) => [s.id, s.status])

describe('runbook status: an SSM execution as a run record (SDK mocks: moto has no automation executions)', () => {
  let ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>
  before(() => {
    ssm = mockClient(SSMClient)
  })
  beforeEach(() => {
    ssm.reset()
    ssm.on(GetDocumentCommand).resolves({Content: document, DocumentFormat: 'YAML'})
  })
  after(() => ssm.restore())

  const status = async () => executionRecord(await testSession(), executionId)
  const expectRunRecord = (record: RunRecord) => expectMatchesSchema({status: 0, result: JSON.parse(JSON.stringify(record)), warnings: []}, 'runbook-status')

  it('shows a simple execution like a local run: the document version it ran, every step with its times, outputs and the request id that read it', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {...execution, AutomationExecutionStatus: 'Success', ExecutionEndTime: at(80), Outputs: {'waitAvailable.Status': ['available']}},
    })
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({
      $metadata: {requestId},
      StepExecutions: [
        {...reboot, StepStatus: 'Success', ExecutionEndTime: at(2), Outputs: {DBInstanceStatus: ['rebooting']}},
        {...wait, StepStatus: 'Success', ExecutionEndTime: at(74)},
      ],
    })
    const record = await status()
    expectRunRecord(record)
    expect(ssm.commandCalls(GetDocumentCommand)[0].args[0].input).to.deep.equal({Name: 'opsctl-Failover', DocumentVersion: '3'})
    expect(record).to.deep.include({
      runId: '20260101T000000Z-4f1c2a',
      workflow: 'runbook:opsctl-Failover',
      executionId,
      status: 'succeeded',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:20.000Z',
      durationMs: 80_000,
      outcome: {'waitAvailable.Status': ['available']},
    })
    // One value for a String parameter, the list for a StringList, as a local run records them.
    expect(record.parameters).to.deep.equal({DBInstanceIdentifier: 'tenant-shard-001', Tags: ['a', 'b']})
    expect(record.steps.map((s) => [s.id, s.title, s.status, s.durationMs, s.actions])).to.deep.equal([
      ['reboot-with-failover', 'rebootWithFailover (aws:executeAwsApi)', 'succeeded', 2000, ['rds:RebootDBInstance']],
      ['wait-available', 'waitAvailable (aws:waitForAwsResourceProperty)', 'succeeded', 72_000, ['rds:DescribeDBInstances']],
    ])
    expect(record.steps[0].outputs).to.deep.equal({DBInstanceStatus: ['rebooting']})
    expect(record.steps[0].calls).to.deep.equal([{service: 'SSM', operation: 'DescribeAutomationStepExecutions', requestId}])
  })

  it('shows an execution still running as running, its steps not yet started as not run', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {...execution, AutomationExecutionStatus: 'InProgress'}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: [{...reboot, StepStatus: 'InProgress'}]})
    const record = await status()
    expectRunRecord(record)
    expect(record.status).to.equal('running')
    expect(record.endedAt).to.equal(undefined)
    expect(stepStates(record)).to.deep.equal([
      ['reboot-with-failover', 'running'],
      ['wait-available', 'pending'],
    ])
  })

  it('shows a failed execution with its failing step, its message and the steps it never reached', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {...execution, AutomationExecutionStatus: 'Failed', ExecutionEndTime: at(1), FailureMessage: 'Step fails when it is Executing.'},
    })
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [{...reboot, StepStatus: 'Failed', ExecutionEndTime: at(1), FailureMessage: 'DBInstanceNotFound: tenant-shard-001'}],
    })
    const record = await status()
    expectRunRecord(record)
    expect(record.status).to.equal('failed')
    expect(record.error).to.deep.equal({code: 'Failed', message: `Automation execution ${executionId} ended Failed: Step fails when it is Executing.`})
    expect(record.steps[0]).to.deep.include({status: 'failed', error: {code: 'Failed', message: 'DBInstanceNotFound: tenant-shard-001'}})
    expect(record.steps[1]).to.deep.include({status: 'skipped', note: 'not run: the run stopped before it'})
  })

  it('shows a cancelled execution as interrupted, the step it cancelled as failed with code Cancelled', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {...execution, AutomationExecutionStatus: 'Cancelled', ExecutionEndTime: at(9)}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [
        {...reboot, StepStatus: 'Success', ExecutionEndTime: at(2)},
        {...wait, StepStatus: 'Cancelled', ExecutionEndTime: at(9), FailureMessage: 'Step cancelled'},
      ],
    })
    const record = await status()
    expectRunRecord(record)
    expect(record.status).to.equal('interrupted')
    expect(record.steps.map((s) => [s.status, s.error?.code])).to.deep.equal([
      ['succeeded', undefined],
      ['failed', 'Cancelled'],
    ])
  })

  it('shows each child execution of a rate-controlled run as a step named by its target, with its outputs and ExecutionId', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        ...execution,
        AutomationExecutionStatus: 'Failed',
        ExecutionEndTime: at(90),
        TargetParameterName: 'DBInstanceIdentifier',
        Targets: [{Key: 'tag:opsctl:shard-group', Values: ['eu-1']}],
        MaxConcurrency: '1',
        MaxErrors: '0',
      },
    })
    ssm.on(DescribeAutomationExecutionsCommand).resolves({
      $metadata: {requestId},
      AutomationExecutionMetadataList: [
        {
          AutomationExecutionId: '5a000000-0000-4000-8000-000000000001',
          Target: 'tenant-shard-001',
          AutomationExecutionStatus: 'Success',
          ExecutionStartTime: at(1),
          ExecutionEndTime: at(50),
          Outputs: {'waitAvailable.Status': ['available']},
        },
        {
          AutomationExecutionId: '5a000000-0000-4000-8000-000000000002',
          Target: 'tenant-shard-002',
          AutomationExecutionStatus: 'Failed',
          ExecutionStartTime: at(51),
          ExecutionEndTime: at(90),
          FailureMessage: 'Step rebootWithFailover failed.',
        },
      ],
    })
    const record = await status()
    expectRunRecord(record)
    expect(ssm.commandCalls(DescribeAutomationExecutionsCommand)[0].args[0].input.Filters).to.deep.equal([{Key: 'ParentExecutionId', Values: [executionId]}])
    expect(ssm.commandCalls(DescribeAutomationStepExecutionsCommand)).to.have.length(0)
    expect(record.steps.map((s) => [s.id, s.title, s.status, s.durationMs])).to.deep.equal([
      ['tenant-shard-001', 'tenant-shard-001: child execution 5a000000-0000-4000-8000-000000000001 of opsctl-Failover', 'succeeded', 49_000],
      ['tenant-shard-002', 'tenant-shard-002: child execution 5a000000-0000-4000-8000-000000000002 of opsctl-Failover', 'failed', 39_000],
    ])
    expect(record.steps[0].outputs).to.deep.equal({
      ExecutionId: ['5a000000-0000-4000-8000-000000000001'],
      Status: ['Success'],
      'waitAvailable.Status': ['available'],
    })
    expect(record.steps[1].error).to.deep.equal({code: 'Failed', message: 'Step rebootWithFailover failed.'})
    expect(record.steps[1].calls).to.deep.equal([{service: 'SSM', operation: 'DescribeAutomationExecutions', requestId}])
    expect(record.status).to.equal('failed')
  })

  it('shows each child execution of a target-location run as a step, named by its execution id when it has no target', async () => {
    const TargetLocations = [{Accounts: ['111111111111', '222222222222'], Regions: ['eu-west-1']}]
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {...execution, AutomationExecutionStatus: 'InProgress', TargetLocations}})
    ssm.on(DescribeAutomationExecutionsCommand).resolves({
      AutomationExecutionMetadataList: [
        {
          AutomationExecutionId: '6b000000-0000-4000-8000-000000000001',
          AutomationExecutionStatus: 'Success',
          ExecutionStartTime: at(1),
          ExecutionEndTime: at(40),
        },
        {AutomationExecutionId: '6b000000-0000-4000-8000-000000000002', AutomationExecutionStatus: 'InProgress', ExecutionStartTime: at(1)},
      ],
    })
    const record = await status()
    expectRunRecord(record)
    expect(stepStates(record)).to.deep.equal([
      ['6b000000-0000-4000-8000-000000000001', 'succeeded'],
      ['6b000000-0000-4000-8000-000000000002', 'running'],
    ])
    expect(record.status).to.equal('running')
  })

  it('keeps the run id of the run that started the execution from here', async () => {
    ssm.on(CreateDocumentCommand).resolves({DocumentDescription: {DocumentVersion: '3'}})
    ssm.on(StartAutomationExecutionCommand).resolves({AutomationExecutionId: executionId})
    ssm
      .on(GetDocumentCommand)
      .rejectsOnce(new InvalidDocument({message: 'not found', $metadata: {}}))
      .resolves({Content: document})
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {...execution, AutomationExecutionStatus: 'Success', ExecutionEndTime: at(80)}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: [{...reboot, StepStatus: 'Success', ExecutionEndTime: at(2)}]})
    const started = await runInSsm({
      runbook: parseRunbook(document, '/tmp/opsctl-Failover.yaml'),
      parameters: {DBInstanceIdentifier: 'tenant-shard-001'},
      session: await testSession(),
      runId: '20260101T000000Z-abcdef',
      clock: new VirtualClock(),
    })
    const record = await status()
    expect(record.runId).to.equal(started.record.runId)
    expect(stepStates(record)).to.deep.equal(stepStates(started.record))
  })

  it('shows the steps SSM ran when the document has since been deleted', async () => {
    ssm.on(GetDocumentCommand).rejects(new InvalidDocument({message: 'The specified document does not exist.', $metadata: {}}))
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {...execution, AutomationExecutionStatus: 'Success', ExecutionEndTime: at(80)}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [
        {...reboot, StepStatus: 'Success', ExecutionEndTime: at(2)},
        {...wait, StepStatus: 'Success', ExecutionEndTime: at(74)},
      ],
    })
    const record = await status()
    expectRunRecord(record)
    expect(stepStates(record)).to.deep.equal([
      ['reboot-with-failover', 'succeeded'],
      ['wait-available', 'succeeded'],
    ])
    // Without the document, SSM's lists of strings are kept as they are.
    expect(record.parameters).to.deep.equal(execution.Parameters)
  })

  it('refuses an execution id SSM does not know with exit 2 and one sentence naming the region', async () => {
    ssm.on(GetAutomationExecutionCommand).rejects(Object.assign(new Error('no such execution'), {name: 'AutomationExecutionNotFoundException'}))
    const missing = await status().catch((e) => e)
    expect(missing).to.include({exitCode: 2, code: 'NotFound'})
    expect(missing.message).to.equal(`No automation execution ${executionId} in us-east-1; check the id, or pass the --region it ran in.`)
  })
})
