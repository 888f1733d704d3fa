import {
  CreateDocumentCommand,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  InvalidDocument,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {loadValidRunbook} from '../../../src/lib/runbook/load.js'
import {runInSsm} from '../../../src/lib/runbook/ssm-engine.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

const executionId = '4f1c2a3b-1234-4d5e-8f90-0123456789ab'

describe('opsctl runbook status (e2e)', () => {
  it('explains itself with examples in --help', async () => {
    const help = await opsctl(['runbook', 'status', '--help'])
    expect(help.code, help.stderr).to.equal(0)
    expect(help.stdout).to.contain('as a run record')
    expect(help.stdout).to.contain('child executions')
    expect(help.stdout).to.contain(`$ opsctl runbook status ${executionId} --step`)
  })

  // An id SSM does not know is refused (exit 2) by a unit test: moto does not implement GetAutomationExecution.
  it('refuses what is not an execution id with exit 2 and one sentence, before any AWS call', async () => {
    const result = await opsctl(['runbook', 'status', 'opsctl-Failover', '--json'])
    expect(result.code).to.equal(2)
    const envelope = parseJson(result)
    expect(envelope.error).to.deep.equal({
      code: 'InvalidInput',
      message: '"opsctl-Failover" is not an automation execution id; ids look like 4f1c2a3b-1234-4d5e-8f90-0123456789ab.',
    })
  })

  it('points a run id given instead of an execution id to runs show, with exit 2', async () => {
    const result = await opsctl(['runbook', 'status', '20260101T000000Z-abcdef'])
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal(
      'Error: "20260101T000000Z-abcdef" is an opsctl run id, not an automation execution id; see it with "opsctl runs show 20260101T000000Z-abcdef".',
    )
  })

  it('lists a run made in SSM from its journal, with its execution id, and runs show says where it ran', async () => {
    // moto has no automation executions: the run is made in this process against SDK mocks, and read back by the CLI.
    const ssm = mockClient(SSMClient)
    try {
      ssm.on(GetDocumentCommand).rejects(new InvalidDocument({message: 'not found', $metadata: {}}))
      ssm.on(CreateDocumentCommand).resolves({DocumentDescription: {DocumentVersion: '1'}})
      ssm.on(StartAutomationExecutionCommand).resolves({AutomationExecutionId: executionId})
      ssm.on(GetAutomationExecutionCommand).resolves({AutomationExecution: {AutomationExecutionStatus: 'Success'}})
      ssm.on(DescribeAutomationStepExecutionsCommand).resolves({StepExecutions: []})
      await runInSsm({
        runbook: await loadValidRunbook('runbooks/opsctl-MultiAzFailoverTest.yaml'),
        parameters: {DBInstanceIdentifier: 'tenant-shard-001'},
        session: await testSession(),
        runId: '20260101T000000Z-abcdef',
        clock: new VirtualClock(),
      })
    } finally {
      ssm.restore()
    }
    const listed = parseJson(await opsctl(['runs', 'list', '--json']))
    expectMatchesSchema(listed, 'runs-list')
    expect(listed.result.runs).to.have.length(1)
    expect(listed.result.runs[0]).to.deep.include({
      runId: '20260101T000000Z-abcdef',
      workflow: 'runbook:opsctl-MultiAzFailoverTest',
      status: 'succeeded',
      executionId,
      parameters: {DBInstanceIdentifier: 'tenant-shard-001'},
    })
    const table = await opsctl(['runs', 'list'])
    expect(table.stdout).to.match(new RegExp(`20260101T000000Z-abcdef\\s+runbook:opsctl-Multi.*\\s+succeeded\\s+.*execution=${executionId.slice(0, 8)}`))
    const shown = await opsctl(['runs', 'show', '20260101T000000Z-abcdef'])
    expect(shown.stdout).to.contain(`as SSM automation execution ${executionId}.`)
  })
})
