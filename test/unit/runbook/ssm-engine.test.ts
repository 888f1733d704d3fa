import {
  CreateDocumentCommand,
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
import {automationStatus, runInSsm} from '../../../src/lib/runbook/ssm-engine.js'
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

  const run = async (interrupt?: AbortSignal) =>
    runInSsm({
      runbook: parseRunbook(text, '/tmp/opsctl-Failover.yaml'),
      parameters: {DBInstanceIdentifier: 'tenant-shard-001'},
      session: await testSession(),
      runId: '20260101T000000Z-abcdef',
      clock: new VirtualClock(),
      maxConcurrency: '1',
      maxErrors: '0',
      targetLocations: [{Accounts: ['111111111111'], Regions: ['eu-west-1']}],
      interrupt,
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
    expect(start).to.deep.include({
      DocumentName: 'opsctl-Failover',
      DocumentVersion: '1',
      Parameters: {DBInstanceIdentifier: ['tenant-shard-001']},
      MaxConcurrency: '1',
      MaxErrors: '0',
    })
    expect(start.TargetLocations).to.deep.equal([{Accounts: ['111111111111'], Regions: ['eu-west-1']}])
    expect(record.steps.map((s) => [s.id, s.status, s.durationMs])).to.deep.equal([
      ['reboot-with-failover', 'succeeded', 2000],
      ['wait-available', 'succeeded', 72_000],
    ])
    expect(record.steps[0].actions).to.deep.equal(['rds:RebootDBInstance'])
    expect(record.outcome).to.deep.equal({'waitAvailable.Status': ['available']})
    expect((await readJournal(record.runId)).status).to.equal('succeeded')
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
    ssm.on(GetAutomationExecutionCommand).callsFake(() => {
      interrupt.abort()
      return {AutomationExecution: {AutomationExecutionStatus: ssm.commandCalls(StopAutomationExecutionCommand).length > 0 ? 'Cancelled' : 'InProgress'}}
    })
    ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: []})
    ssm.on(StopAutomationExecutionCommand).resolves({})
    const {exitCode} = await run(interrupt.signal)
    expect(ssm.commandCalls(StopAutomationExecutionCommand)[0].args[0].input).to.deep.equal({AutomationExecutionId: executionId, Type: 'Cancel'})
    expect(exitCode).to.equal(130)
  })

  it('reports an execution and its steps for runbook status, and a missing one as not found', async () => {
    ssm.on(GetAutomationExecutionCommand, {AutomationExecutionId: executionId}).resolves({
      AutomationExecution: {
        DocumentName: 'opsctl-Failover',
        AutomationExecutionStatus: 'Success',
        ExecutionStartTime: at(0),
        ExecutionEndTime: at(80),
        StepExecutions: [{StepName: 'rebootWithFailover', Action: 'aws:executeAwsApi', StepStatus: 'Success'}],
      },
    })
    const status = await automationStatus(await testSession(), executionId)
    expect(status).to.deep.include({documentName: 'opsctl-Failover', status: 'Success', endedAt: '2026-01-01T00:01:20.000Z'})
    expect(status.steps).to.deep.equal([
      {
        name: 'rebootWithFailover',
        action: 'aws:executeAwsApi',
        status: 'Success',
        startedAt: undefined,
        endedAt: undefined,
        outputs: undefined,
        failureMessage: undefined,
      },
    ])
    ssm
      .on(GetAutomationExecutionCommand, {AutomationExecutionId: '00000000-0000-0000-0000-000000000000'})
      .rejects(Object.assign(new Error('no such execution'), {name: 'AutomationExecutionNotFoundException'}))
    const missing = await automationStatus(await testSession(), '00000000-0000-0000-0000-000000000000').catch((e) => e)
    expect(missing).to.include({exitCode: 2, code: 'NotFound'})
  })
})
