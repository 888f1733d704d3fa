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
  StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {readJournal} from '../../../src/lib/engine/journal.js'
import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {runInSsm, type SsmRunOptions} from '../../../src/lib/runbook/ssm-engine.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

const text = `schemaVersion: '0.3'
parameters:
  DBInstanceIdentifier: {type: String}
mainSteps:
  - name: rebootWithFailover
    action: aws:executeAwsApi
    inputs: {Service: rds, Api: RebootDBInstance, DBInstanceIdentifier: '{{ DBInstanceIdentifier }}', ForceFailover: true}
  - name: waitAvailable
    action: aws:waitForAwsResourceProperty
    inputs: {Service: rds, Api: DescribeDBInstances, DBInstanceIdentifier: '{{ DBInstanceIdentifier }}', PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: [available]}
`
const executionId = '4f1c2a3b-1234-4d5e-8f90-0123456789ab'
const childIds = ['5a000000-0000-4000-8000-000000000001', '5a000000-0000-4000-8000-000000000002']
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))

describe('runbook SSM engine (SDK mocks: moto has no automation executions)', () => {
  let ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>
  before(() => {
    ssm = mockClient(SSMClient)
  })
  beforeEach(() => {
    ssm.reset()
    ssm.on(GetDocumentCommand).rejects(new InvalidDocument({message: 'not found', $metadata: {}}))
    ssm.on(CreateDocumentCommand).resolves({DocumentDescription: {DocumentVersion: '1'}})
    ssm.on(StartAutomationExecutionCommand).resolves({AutomationExecutionId: executionId})
  })
  after(() => ssm.restore())

  const run = async (options: Partial<SsmRunOptions> = {}) =>
    runInSsm({
      runbook: parseRunbook(text, '/tmp/opsctl-Failover.yaml'),
      parameters: {DBInstanceIdentifier: 'tenant-shard-001'},
      session: await testSession(),
      runId: '20260101T000000Z-abcdef',
      clock: new VirtualClock(),
      ...options,
    })

  it('publishes, starts the automation with its parameters and maps each step execution to the same step results', async () => {
    ssm
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({AutomationExecution: {AutomationExecutionStatus: 'InProgress'}})
      .resolves({AutomationExecution: {AutomationExecutionStatus: 'Success', Outputs: {'waitAvailable.Status': ['available']}}})
    ssm
      .on(DescribeAutomationStepExecutionsCommand)
      .resolvesOnce({StepExecutions: [{StepName: 'rebootWithFailover', StepExecutionId: 's1', StepStatus: 'InProgress', ExecutionStartTime: at(0)}]})
      .resolves({
        StepExecutions: [
          {
            StepName: 'rebootWithFailover',
            StepExecutionId: 's1',
            StepStatus: 'Success',
            ExecutionStartTime: at(0),
            ExecutionEndTime: at(2),
            Outputs: {DBInstanceStatus: ['rebooting']},
          },
          {StepName: 'waitAvailable', StepExecutionId: 's2', StepStatus: 'Success', ExecutionStartTime: at(2), ExecutionEndTime: at(74)},
        ],
      })
    const {record, exitCode} = await run()
    expect(exitCode).to.equal(0)
    const start = ssm.commandCalls(StartAutomationExecutionCommand)[0].args[0].input
    expect(start).to.deep.include({DocumentName: 'opsctl-Failover', DocumentVersion: '1', Parameters: {DBInstanceIdentifier: ['tenant-shard-001']}})
    expect(record.steps.map((s) => [s.id, s.status, s.durationMs])).to.deep.equal([
      ['reboot-with-failover', 'succeeded', 2000],
      ['wait-available', 'succeeded', 72_000],
    ])
    expect(record.steps[0].actions).to.deep.equal(['rds:RebootDBInstance'])
    expect(record.outcome).to.deep.equal({'waitAvailable.Status': ['available']})
    expect(record.parameters).to.deep.equal({DBInstanceIdentifier: 'tenant-shard-001'})
    expect(await readJournal(record.runId)).to.deep.include({status: 'succeeded', executionId})
  })

  it('starts with a UUID client token derived from the run, so a start whose answer was lost starts nothing new', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {AutomationExecutionStatus: 'Success'}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: []})
    await run()
    await run()
    const [first, second] = ssm.commandCalls(StartAutomationExecutionCommand).map((call) => call.args[0].input.ClientToken)
    expect(first).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(second).to.equal(first)
  })

  it('records each child execution of a target-location run as a step when SSM starts it, not the document steps', async () => {
    const targetLocations = [{Accounts: ['111111111111', '222222222222'], Regions: ['eu-west-1']}]
    const child = (id: string, AutomationExecutionStatus: 'InProgress' | 'Success', end?: number) => ({
      AutomationExecutionId: id,
      AutomationExecutionStatus,
      ExecutionStartTime: at(1),
      ExecutionEndTime: end === undefined ? undefined : at(end),
    })
    ssm
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({AutomationExecution: {AutomationExecutionStatus: 'InProgress', TargetLocations: targetLocations}})
      .resolves({AutomationExecution: {AutomationExecutionStatus: 'Success', TargetLocations: targetLocations}})
    ssm
      .on(DescribeAutomationExecutionsCommand)
      .resolvesOnce({AutomationExecutionMetadataList: [child(childIds[0], 'InProgress')]})
      .resolves({AutomationExecutionMetadataList: [child(childIds[0], 'Success', 30), child(childIds[1], 'Success', 40)]})
    const {record, exitCode} = await run({targetLocations, maxConcurrency: '1', maxErrors: '0'})
    expect(exitCode).to.equal(0)
    expect(ssm.commandCalls(StartAutomationExecutionCommand)[0].args[0].input).to.deep.include({
      TargetLocations: targetLocations,
      MaxConcurrency: '1',
      MaxErrors: '0',
    })
    expect(record.steps.map((s) => [s.id, s.status, s.durationMs, s.outputs?.ExecutionId])).to.deep.equal([
      [childIds[0], 'succeeded', 29_000, [childIds[0]]],
      [childIds[1], 'succeeded', 39_000, [childIds[1]]],
    ])
    expect(ssm.commandCalls(DescribeAutomationStepExecutionsCommand)).to.have.length(0)
  })

  it('maps a failed execution to exit 1 with the failing step and its message', async () => {
    ssm
      .on(GetAutomationExecutionCommand)
      .resolves({AutomationExecution: {AutomationExecutionStatus: 'Failed', FailureMessage: 'Step fails when it is Executing.'}})
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [
        {
          StepName: 'rebootWithFailover',
          StepExecutionId: 's1',
          StepStatus: 'Failed',
          FailureMessage: 'DBInstanceNotFound',
          ExecutionStartTime: at(0),
          ExecutionEndTime: at(1),
        },
      ],
    })
    const {record, exitCode} = await run()
    expect(exitCode).to.equal(1)
    expect(record.steps.map((s) => s.status)).to.deep.equal(['failed', 'skipped'])
    expect(record.steps[0].error).to.deep.equal({code: 'Failed', message: 'DBInstanceNotFound'})
    expect(record.error!.message).to.contain(`Automation execution ${executionId} ended Failed`)
  })

  it('stops the execution in SSM when interrupted and exits 130 once SSM reports it cancelled', async () => {
    const interrupt = new AbortController()
    ssm.on(GetAutomationExecutionCommand).callsFake(async () => {
      interrupt.abort()
      return {AutomationExecution: {AutomationExecutionStatus: ssm.commandCalls(StopAutomationExecutionCommand).length > 0 ? 'Cancelled' : 'InProgress'}}
    })
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: []})
    ssm.on(StopAutomationExecutionCommand).resolves({})
    const {exitCode} = await run({interrupt: interrupt.signal})
    expect(ssm.commandCalls(StopAutomationExecutionCommand)[0].args[0].input).to.deep.equal({AutomationExecutionId: executionId, Type: 'Cancel'})
    expect(exitCode).to.equal(130)
  })
})
