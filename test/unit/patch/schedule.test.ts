import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {
  CreateMaintenanceWindowCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  DescribeMaintenanceWindowsCommand,
  DescribeMaintenanceWindowTargetsCommand,
  DescribeMaintenanceWindowTasksCommand,
  ListTagsForResourceCommand,
  RegisterTargetWithMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  SSMClient,
  UpdateMaintenanceWindowCommand,
  UpdateMaintenanceWindowTargetCommand,
  UpdateMaintenanceWindowTaskCommand,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {AwsSession} from '../../../src/lib/aws/session.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {PATCH_RUNBOOK} from '../../../src/lib/patch/procedure.js'
import {DEFAULT_WINDOW_NAME, patchScheduleWorkflow, resolveScheduleRequest, type ScheduleFlags, type ScheduleOutcome} from '../../../src/lib/patch/schedule.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'
import {scheduleDefaults} from '../../support/patch-schedule.js'

// moto has no UpdateMaintenanceWindow, UpdateMaintenanceWindowTarget or UpdateMaintenanceWindowTask: the updates of an
// existing window are shown against SDK mocks (creation, idempotency, listing and removal run against moto).

const WINDOW_ID = 'mw-0123456789abcdef0'
const defaults: ScheduleFlags = {...scheduleDefaults}

/** One instance of us-east-1, and the window a schedule with `defaults` made there. */
function existingSchedule() {
  const ec2 = mockClient(EC2Client)
  const ssm = mockClient(SSMClient)
  ec2.on(DescribeInstancesCommand).resolves({Reservations: [{Instances: [{InstanceId: 'i-0123456789abcdef0', Tags: [{Key: 'Role', Value: 'postgres'}]}]}]})
  ssm.on(DescribeInstanceInformationCommand).resolves({InstanceInformationList: [{InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online'}]})
  ssm.on(DescribeDocumentCommand).resolves({Document: {Name: PATCH_RUNBOOK}})
  ssm.on(DescribeMaintenanceWindowsCommand).resolves({
    WindowIdentities: [{WindowId: WINDOW_ID, Name: DEFAULT_WINDOW_NAME, Schedule: 'cron(0 3 ? * SUN *)', Duration: 3, Cutoff: 1, Enabled: true}],
  })
  ssm.on(ListTagsForResourceCommand).resolves({TagList: [{Key: 'opsctl:workflow', Value: 'patch-schedule'}]})
  ssm.on(DescribeMaintenanceWindowTargetsCommand).resolves({
    Targets: [{WindowTargetId: 'target-1', Name: 'opsctl-patch-targets', Targets: [{Key: 'tag:Role', Values: ['postgres']}]}],
  })
  ssm.on(DescribeMaintenanceWindowTasksCommand).resolves({
    Tasks: [
      {
        WindowTaskId: 'task-1',
        Name: 'opsctl-patch-postgresql',
        TaskArn: PATCH_RUNBOOK,
        Description: 'Patch PostgreSQL to 15.8 or later with opsctl-PatchPostgreSQL (opsctl patch schedule).',
        MaxConcurrency: '25%',
        MaxErrors: '0',
        Targets: [{Key: 'WindowTargetIds', Values: ['target-1']}],
      },
    ],
  })
  return {ec2, ssm}
}

async function schedule(flags: Partial<ScheduleFlags>) {
  const request = resolveScheduleRequest({...defaults, ...flags})
  const run = await runWorkflow({
    workflow: patchScheduleWorkflow(request),
    context: {session: await AwsSession.open({region: 'us-east-1'}), request},
    parameters: {...request},
    reporter: silentReporter,
  })
  return {...run, outcome: run.record.outcome as ScheduleOutcome | undefined}
}

const writes = [
  CreateMaintenanceWindowCommand,
  UpdateMaintenanceWindowCommand,
  RegisterTargetWithMaintenanceWindowCommand,
  UpdateMaintenanceWindowTargetCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  UpdateMaintenanceWindowTaskCommand,
]

describe('patch schedule of an existing window', () => {
  let mocks: ReturnType<typeof existingSchedule>
  beforeEach(() => {
    mocks = existingSchedule()
  })
  afterEach(() => {
    mocks.ec2.restore()
    mocks.ssm.restore()
  })
  const written = () => writes.flatMap((Command) => mocks.ssm.commandCalls(Command as never).map((call) => [Command.name, call.args[0].input]))

  it('updates only the schedule when the cron changed, keeping the window, its target and its task', async () => {
    const {exitCode, outcome} = await schedule({cron: 'cron(0 4 ? * SAT *)'})
    expect(exitCode).to.equal(ExitCode.Success)
    expect(outcome!.windows).to.deep.equal([
      {region: 'us-east-1', windowId: WINDOW_ID, instances: 1, changes: ['schedule cron(0 3 ? * SUN *) → cron(0 4 ? * SAT *)']},
    ])
    expect(written()).to.deep.equal([['UpdateMaintenanceWindowCommand', {WindowId: WINDOW_ID, Schedule: 'cron(0 4 ? * SAT *)', Duration: 3, Cutoff: 1}]])
  })

  it("updates the task when the version or the rate changed, with the runbook's new TargetVersion", async () => {
    const {outcome} = await schedule({minVersion: '16.4', maxConcurrency: '10'})
    expect(outcome!.windows[0].changes).to.deep.equal([
      'task → Patch PostgreSQL to 16.4 or later with opsctl-PatchPostgreSQL (opsctl patch schedule).',
      'max concurrency 25% → 10',
    ])
    const [[name, input]] = written() as [string, any][]
    expect(name).to.equal('UpdateMaintenanceWindowTaskCommand')
    expect(input).to.deep.include({
      WindowId: WINDOW_ID,
      WindowTaskId: 'task-1',
      MaxConcurrency: '10',
      MaxErrors: '0',
      Targets: [{Key: 'WindowTargetIds', Values: ['target-1']}],
    })
    expect(input.TaskInvocationParameters.Automation.Parameters).to.deep.equal({InstanceId: ['{{RESOURCE_ID}}'], TargetVersion: ['16.4']})
    expect(written()).to.have.length(1)
  })

  it('updates the target when the tags changed', async () => {
    const {outcome} = await schedule({targets: parseTargets({targets: ['tag:Role=postgres', 'tag:Env=prod']})})
    expect(outcome!.windows[0].changes).to.deep.equal(['targets tag:Role=postgres → tag:Role=postgres tag:Env=prod'])
    expect(written()).to.deep.equal([
      [
        'UpdateMaintenanceWindowTargetCommand',
        {
          WindowId: WINDOW_ID,
          WindowTargetId: 'target-1',
          Targets: [
            {Key: 'tag:Role', Values: ['postgres']},
            {Key: 'tag:Env', Values: ['prod']},
          ],
        },
      ],
    ])
  })

  it('changes nothing when the window already is as asked', async () => {
    const {outcome} = await schedule({})
    expect(outcome!.windows[0].changes).to.deep.equal([])
    expect(written()).to.deep.equal([])
  })
})

describe('patch schedule flags', () => {
  const refusal = (flags: Partial<ScheduleFlags>) => {
    try {
      resolveScheduleRequest({...defaults, ...flags})
    } catch (error) {
      expect(error).to.have.property('exitCode', ExitCode.Usage)
      return (error as Error).message
    }
    throw new Error(`accepted ${JSON.stringify(flags)}`)
  }

  it('refuses every bad flag before any call, in one sentence', () => {
    expect(refusal({duration: 0})).to.equal('--duration 0 is outside what SSM allows; give 1 to 24 hours.')
    expect(refusal({duration: 25})).to.equal('--duration 25 is outside what SSM allows; give 1 to 24 hours.')
    expect(refusal({cutoff: 3})).to.equal('--cutoff 3 must be 0 or more hours and less than --duration 3, so tasks can start at all.')
    expect(refusal({cutoff: -1})).to.match(/^--cutoff -1 must be 0 or more hours/)
    expect(refusal({cron: 'cron(0 3 * * SUN *)'})).to.match(/^--cron "cron\(0 3 \* \* SUN \*\)" is not a maintenance window schedule/)
    expect(refusal({minVersion: 'latest'})).to.match(/^--min-version "latest" is not a version/)
    expect(refusal({maxConcurrency: '0'})).to.match(/^--max-concurrency "0" is not a wave size/)
    expect(refusal({maxErrors: '-1'})).to.match(/^--max-errors "-1" is not an error budget/)
    expect(refusal({name: 'a b'})).to.match(/^--name "a b" is not a maintenance window name/)
    expect(refusal({cron: undefined})).to.equal('A schedule needs --cron, --duration, --cutoff and --min-version (or pass --list or --remove).')
    expect(refusal({targets: parseTargets({instances: ['i-0123456789abcdef0']})})).to.equal(
      'A schedule patches instances by tags: pass --targets tag:Key=Value, not --instances.',
    )
  })
})
