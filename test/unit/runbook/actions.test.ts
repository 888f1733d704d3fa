import {
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SSMClient,
  type SSMClientResolvedConfig,
} from '@aws-sdk/client-ssm'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {evaluateCondition} from '../../../src/lib/runbook/conditions.js'
import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {selectJsonPath} from '../../../src/lib/runbook/jsonpath.js'
import {runLocally} from '../../../src/lib/runbook/local-engine.js'
import {parseParameterFlags, resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

describe('runbook actions', () => {
  describe('aws:runCommand (SDK mocks: moto has no ListCommandInvocations)', () => {
    let ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>
    before(() => {
      ssm = mockClient(SSMClient)
    })
    afterEach(() => ssm.reset())
    after(() => ssm.restore())

    const patch = `schemaVersion: '0.3'
mainSteps:
  - name: upgrade
    action: aws:runCommand
    inputs:
      DocumentName: AWS-RunShellScript
      Targets: [{Key: 'tag:Role', Values: [db]}]
      Parameters: {commands: 'yum update -y postgresql'}
`
    const run = async () =>
      runLocally({
        runbook: parseRunbook(patch, '/tmp/patch.yaml'),
        parameters: {},
        session: await testSession(),
        approve: async () => {},
        clock: new VirtualClock(),
        journal: false,
      })

    it('sends the command to tag targets, waits for every instance and returns the output', async () => {
      ssm.on(SendCommandCommand).resolves({Command: {CommandId: 'c-1'}})
      ssm
        .on(ListCommandInvocationsCommand)
        .resolvesOnce({
          CommandInvocations: [
            {InstanceId: 'i-1', Status: 'InProgress'},
            {InstanceId: 'i-2', Status: 'Pending'},
          ],
        })
        .resolves({
          CommandInvocations: ['i-1', 'i-2'].map((InstanceId) => ({
            InstanceId,
            Status: 'Success',
            CommandPlugins: [{ResponseCode: 0, Output: 'Updated: postgresql-16.4'}],
          })),
        })
      const {record, exitCode} = await run()
      expect(exitCode).to.equal(0)
      expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).to.deep.include({
        Targets: [{Key: 'tag:Role', Values: ['db']}],
        Parameters: {commands: ['yum update -y postgresql']},
      })
      expect(record.steps[0].outputs).to.deep.include({CommandId: 'c-1', Status: 'Success', ResponseCode: 0, Output: 'Updated: postgresql-16.4'})
    })

    it('fails the step naming the instance that failed and its last line of output', async () => {
      ssm.on(SendCommandCommand).resolves({Command: {CommandId: 'c-2'}})
      ssm.on(ListCommandInvocationsCommand).resolves({
        CommandInvocations: [
          {InstanceId: 'i-1', Status: 'Success', CommandPlugins: [{ResponseCode: 0, Output: 'ok'}]},
          {InstanceId: 'i-2', Status: 'Failed', CommandPlugins: [{ResponseCode: 1, Output: 'Loaded plugins\nError: Nothing to do'}]},
        ],
      })
      const {record, exitCode} = await run()
      expect(exitCode).to.equal(1)
      expect(record.steps[0].error!.message).to.contain('Command c-2 Failed on i-2: Error: Nothing to do')
    })
  })

  describe('JSONPath selectors', () => {
    const response = {Reservations: [{Instances: [{InstanceId: 'i-1', State: {Name: 'running'}}, {InstanceId: 'i-2'}]}], 'Key With Space': 1}
    it('selects single values, wildcards and descendants', () => {
      expect(selectJsonPath(response, '$.Reservations[0].Instances[0].State.Name')).to.equal('running')
      expect(selectJsonPath(response, '$.Reservations[0].Instances[*].InstanceId')).to.deep.equal(['i-1', 'i-2'])
      expect(selectJsonPath(response, '$..InstanceId')).to.deep.equal(['i-1', 'i-2'])
      expect(selectJsonPath(response, "$['Key With Space']")).to.equal(1)
      expect(selectJsonPath(response, '$.Reservations[-1].Instances[1].InstanceId')).to.equal('i-2')
      expect(selectJsonPath(response, '$.Missing.Key')).to.equal(undefined)
    })
    it('refuses JSONPath outside the subset with a usage error', () => {
      expect(() => selectJsonPath(response, '$.Reservations[0:1]')).to.throw(/has something unsupported/)
    })
  })

  describe('branch conditions', () => {
    it('evaluates every operator and And, Or, Not', () => {
      const cases: [Record<string, unknown>, boolean][] = [
        [{Variable: 'prod', StringEquals: 'prod'}, true],
        [{Variable: 'PROD', EqualsIgnoreCase: 'prod'}, true],
        [{Variable: 'prod-eu', StartsWith: 'prod'}, true],
        [{Variable: 'prod-eu', EndsWith: 'us'}, false],
        [{Variable: ['a', 'b'], Contains: 'b'}, true],
        [{Variable: '3', NumericEquals: 3}, true],
        [{Variable: 4, NumericGreater: 3}, true],
        [{Variable: 4, NumericLesser: 3}, false],
        [{Variable: 3, NumericGreaterOrEquals: 3}, true],
        [{Variable: 2, NumericLesserOrEquals: 1}, false],
        [{Variable: true, BooleanEquals: 'true'}, true],
        [{And: [{Variable: 1, NumericEquals: 1}, {Not: {Variable: 'a', StringEquals: 'b'}}]}, true],
        [
          {
            Or: [
              {Variable: 1, NumericEquals: 2},
              {Variable: 'x', StringEquals: 'y'},
            ],
          },
          false,
        ],
      ]
      for (const [condition, expected] of cases) expect(evaluateCondition(condition), JSON.stringify(condition)).to.equal(expected)
    })
  })

  describe('parameters', () => {
    const doc = parseRunbook(
      `schemaVersion: '0.3'
parameters:
  Env: {type: String, allowedValues: [dev, prod]}
  Ids: {type: StringList, default: []}
  Count: {type: Integer, default: 1}
  Tags: {type: StringMap, default: {}}
mainSteps:
  - {name: a, action: aws:sleep, inputs: {Duration: PT1S}}
`,
      'p.yaml',
    ).document!
    it('converts values to their types and fills in defaults', () => {
      expect(resolveParameters(doc, parseParameterFlags(['Env=prod', 'Ids=i-1, i-2', 'Tags={"team":"db"}']))).to.deep.equal({
        Env: 'prod',
        Ids: ['i-1', 'i-2'],
        Count: 1,
        Tags: {team: 'db'},
      })
    })
    it('names the parameter that is unknown, missing, mistyped or not allowed', () => {
      expect(() => resolveParameters(doc, {Env: 'prod', Environment: 'x'})).to.throw('The runbook has no parameter Environment')
      expect(() => resolveParameters(doc, {})).to.throw('Parameter Env is required; pass -p Env=<value>.')
      expect(() => resolveParameters(doc, {Env: 'prod', Count: 'two'})).to.throw('Parameter Count is Integer, and "two" is not one')
      expect(() => resolveParameters(doc, {Env: 'qa'})).to.throw('Parameter Env is "qa", which is not one of dev, prod.')
      expect(() => parseParameterFlags(['Env'])).to.throw('A -p value has no "=" between the name and the value')
    })
  })
})
