import {readFileSync} from 'node:fs'

import {EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {
  CreateDocumentCommand,
  CreateMaintenanceWindowCommand,
  DescribeInstanceInformationCommand,
  DescribeMaintenanceWindowsCommand,
  DescribeMaintenanceWindowTargetsCommand,
  DescribeMaintenanceWindowTasksCommand,
  ListTagsForResourceCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {expect} from 'chai'
import sinon from 'sinon'

import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {PATCH_RUNBOOK} from '../../../src/lib/patch/procedure.js'
import {
  DEFAULT_WINDOW_NAME,
  listSchedules,
  patchScheduleWorkflow,
  removeScheduleWorkflow,
  resolveScheduleRequest,
  type ScheduleFlags,
  type ScheduleOutcome,
} from '../../../src/lib/patch/schedule.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'
import {testSession} from '../../support/aws.js'
import {scheduleDefaults} from '../../support/patch-schedule.js'

const EAST = 'us-east-1'
const WEST = 'eu-west-1'
const CENTRAL = 'eu-central-1'

const ssm = (region: string) => new SSMClient({region})

/** Running instances with tags, in a region of moto. */
async function launch(region: string, count: number, tags: Record<string, string>): Promise<string[]> {
  const {Instances} = await new EC2Client({region}).send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [{ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value}))}],
    }),
  )
  return Instances!.map((i) => i.InstanceId!)
}

const publishRunbook = (region: string) =>
  ssm(region).send(
    new CreateDocumentCommand({
      Name: PATCH_RUNBOOK,
      DocumentType: 'Automation',
      DocumentFormat: 'YAML',
      Content: readFileSync(new URL(`../../../runbooks/${PATCH_RUNBOOK}.yaml`, import.meta.url), 'utf8'),
    }),
  )

/**
 * moto has no SSM DescribeInstanceInformation: every instance asked about is answered Online, except those in
 * `offline`. Every SSM command sent is recorded, and passes on to moto.
 */
function stubInstanceInformation(offline: string[] = []) {
  const sandbox = sinon.createSandbox()
  const sent: unknown[] = []
  const original = SSMClient.prototype.send
  sandbox.stub(SSMClient.prototype, 'send').callsFake(async function (this: SSMClient, command: any, ...rest: any[]) {
    sent.push(command)
    if (!(command instanceof DescribeInstanceInformationCommand)) return (original as any).call(this, command, ...rest)
    const ids: string[] = command.input.Filters?.[0]?.Values ?? []
    return {InstanceInformationList: ids.map((InstanceId) => ({InstanceId, PingStatus: offline.includes(InstanceId) ? 'ConnectionLost' : 'Online'}))}
  })
  return {sandbox, sent}
}

const defaults: ScheduleFlags = {...scheduleDefaults, regions: [EAST, WEST, CENTRAL]}

async function schedule(flags: Partial<ScheduleFlags> = {}, dryRun = false) {
  const request = resolveScheduleRequest({...defaults, ...flags})
  const run = await runWorkflow({
    workflow: patchScheduleWorkflow(request),
    context: {session: await testSession(), request},
    parameters: {...request},
    reporter: silentReporter,
    dryRun,
  })
  return {...run, outcome: run.record.outcome as ScheduleOutcome | undefined}
}

async function remove(name: string, regions = [EAST, WEST, CENTRAL]) {
  const request = {name, regions}
  return runWorkflow({
    workflow: removeScheduleWorkflow(request),
    context: {session: await testSession(), request},
    parameters: request,
    reporter: silentReporter,
  })
}

/** A region's windows as SSM has them, with their tags, targets and tasks. */
async function windowsIn(region: string) {
  const client = ssm(region)
  const {WindowIdentities = []} = await client.send(new DescribeMaintenanceWindowsCommand({}))
  return Promise.all(
    WindowIdentities.map(async (w) => ({
      ...w,
      tags: (await client.send(new ListTagsForResourceCommand({ResourceType: 'MaintenanceWindow', ResourceId: w.WindowId!}))).TagList ?? [],
      targets: (await client.send(new DescribeMaintenanceWindowTargetsCommand({WindowId: w.WindowId!}))).Targets ?? [],
      tasks: (await client.send(new DescribeMaintenanceWindowTasksCommand({WindowId: w.WindowId!}))).Tasks ?? [],
    })),
  )
}

describe('patch schedule (against moto)', () => {
  let stub: ReturnType<typeof stubInstanceInformation>
  beforeEach(async () => {
    stub = stubInstanceInformation()
    await launch(EAST, 2, {Role: 'postgres'})
    await launch(WEST, 1, {Role: 'postgres'})
    await launch(CENTRAL, 1, {Role: 'web'})
    for (const region of [EAST, WEST, CENTRAL]) await publishRunbook(region)
  })
  afterEach(() => stub.sandbox.restore())

  it('creates one window per region where the targets are, with the tag target and an Automation task of the runbook', async () => {
    const {exitCode, outcome} = await schedule()
    expect(exitCode).to.equal(ExitCode.Success)
    expect(outcome!.windows.map((w) => [w.region, w.instances, w.changes.length > 0])).to.deep.equal([
      [WEST, 1, true],
      [EAST, 2, true],
    ])
    expect(await windowsIn(CENTRAL), 'no target instance there').to.deep.equal([])
    for (const region of [EAST, WEST]) {
      const [window, ...others] = await windowsIn(region)
      expect(others).to.deep.equal([])
      expect(window).to.include({Name: DEFAULT_WINDOW_NAME, Schedule: 'cron(0 3 ? * SUN *)', Duration: 3, Cutoff: 1})
      expect(window.tags).to.deep.include({Key: 'opsctl:workflow', Value: 'patch-schedule'})
      expect(window.targets.map((t) => [t.ResourceType, t.Targets])).to.deep.equal([['INSTANCE', [{Key: 'tag:Role', Values: ['postgres']}]]])
      expect(window.tasks).to.have.length(1)
      expect(window.tasks[0]).to.include({TaskArn: PATCH_RUNBOOK, MaxConcurrency: '25%', MaxErrors: '0'})
      expect(window.tasks[0].Targets).to.deep.equal([{Key: 'WindowTargetIds', Values: [window.targets[0].WindowTargetId]}])
    }
    const registered = stub.sent.filter((c) => c instanceof RegisterTaskWithMaintenanceWindowCommand) as RegisterTaskWithMaintenanceWindowCommand[]
    // moto lists neither a task's type nor its runbook parameters: they are read from what was sent.
    expect(registered.map((c) => [c.input.TaskType, c.input.TaskInvocationParameters?.Automation?.Parameters])).to.deep.equal([
      ['AUTOMATION', {InstanceId: ['{{RESOURCE_ID}}'], TargetVersion: ['15.8']}],
      ['AUTOMATION', {InstanceId: ['{{RESOURCE_ID}}'], TargetVersion: ['15.8']}],
    ])
  })

  it('changes nothing when run again with the same schedule, and says so', async () => {
    await schedule()
    const before = await windowsIn(EAST)
    const again = await schedule()
    expect(again.exitCode).to.equal(ExitCode.Success)
    expect(again.outcome!.windows.map((w) => w.changes)).to.deep.equal([[], []])
    expect(await windowsIn(EAST)).to.deep.equal(before)
  })

  it('shows in a dry run what it would create, and creates nothing', async () => {
    const {record} = await schedule({}, true)
    expect(record.steps.map((s) => [s.id, s.status])).to.deep.equal([
      ['find-targets', 'succeeded'],
      ['check-runbook', 'succeeded'],
      ['compare-windows', 'succeeded'],
      ['put-windows', 'planned'],
    ])
    expect(record.steps[2].outputs).to.deep.equal({
      regions: [WEST, EAST].map((region) => ({region, changes: ['create the window', 'register the target', 'register the Automation task']})),
    })
    expect([...(await windowsIn(EAST)), ...(await windowsIn(WEST))]).to.deep.equal([])
  })

  it('lists the windows opsctl made in each region, not the others', async () => {
    await schedule()
    await ssm(EAST).send(
      new CreateMaintenanceWindowCommand({Name: 'someone-elses', Schedule: 'rate(1 day)', Duration: 2, Cutoff: 0, AllowUnassociatedTargets: true}),
    )
    const {windows} = await listSchedules(await testSession(), [EAST, WEST, CENTRAL])
    expect(
      windows.map((w) => [w.region, w.name, w.schedule, w.durationHours, w.cutoffHours, w.targets, w.task?.runbook, w.task?.maxConcurrency]),
    ).to.deep.equal([
      [WEST, DEFAULT_WINDOW_NAME, 'cron(0 3 ? * SUN *)', 3, 1, 'tag:Role=postgres', PATCH_RUNBOOK, '25%'],
      [EAST, DEFAULT_WINDOW_NAME, 'cron(0 3 ? * SUN *)', 3, 1, 'tag:Role=postgres', PATCH_RUNBOOK, '25%'],
    ])
    expect(windows[0].task!.description).to.equal('Patch PostgreSQL to 15.8 or later with opsctl-PatchPostgreSQL (opsctl patch schedule).')
  })

  it('removes the windows of that name it made, in every region, and leaves a window of the same name it did not make', async () => {
    await schedule({regions: [EAST]})
    await ssm(WEST).send(
      new CreateMaintenanceWindowCommand({Name: DEFAULT_WINDOW_NAME, Schedule: 'rate(1 day)', Duration: 2, Cutoff: 0, AllowUnassociatedTargets: true}),
    )
    const {exitCode, record} = await remove(DEFAULT_WINDOW_NAME)
    expect(exitCode).to.equal(ExitCode.Success)
    expect((record.outcome as {removed: {region: string}[]}).removed.map((w) => w.region)).to.deep.equal([EAST])
    expect(await windowsIn(EAST)).to.deep.equal([])
    expect((await windowsIn(WEST)).map((w) => w.Name)).to.deep.equal([DEFAULT_WINDOW_NAME])
    const again = await remove(DEFAULT_WINDOW_NAME)
    expect(again.exitCode).to.equal(ExitCode.Usage)
    expect(again.record.error?.message).to.equal(
      `No maintenance window named ${DEFAULT_WINDOW_NAME} that opsctl made in ${EAST}, ${WEST}, ${CENTRAL}; see "opsctl patch schedule --list" for the ones there are.`,
    )
  })

  describe('refuses, with nothing created in any region', () => {
    const expectNothingCreated = async () => {
      for (const region of [EAST, WEST, CENTRAL]) expect(await windowsIn(region), region).to.deep.equal([])
    }

    it('a window of that name opsctl did not make', async () => {
      const {WindowId} = await ssm(WEST).send(
        new CreateMaintenanceWindowCommand({Name: DEFAULT_WINDOW_NAME, Schedule: 'rate(1 day)', Duration: 2, Cutoff: 0, AllowUnassociatedTargets: true}),
      )
      const {exitCode, record} = await schedule()
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.equal(
        `Maintenance window ${DEFAULT_WINDOW_NAME} (${WindowId}) in ${WEST} was not made by opsctl, which leaves it alone; choose another --name.`,
      )
      expect(await windowsIn(EAST)).to.deep.equal([])
    })

    it('a region where the runbook is not published', async () => {
      await launch('ap-southeast-2', 1, {Role: 'postgres'})
      const {exitCode, record} = await schedule({regions: [EAST, 'ap-southeast-2']})
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.equal(
        `The runbook ${PATCH_RUNBOOK} is not published in ap-southeast-2; publish it there first with "opsctl runbook publish runbooks/${PATCH_RUNBOOK}.yaml --region ap-southeast-2".`,
      )
      await expectNothingCreated()
    })

    it('targets that match no instance', async () => {
      const {exitCode, record} = await schedule({targets: parseTargets({targets: ['tag:Role=mysql']})})
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.match(/^--targets tag:Role=mysql matches no running instance in us-east-1, eu-west-1, eu-central-1/)
      await expectNothingCreated()
    })

    it('a target instance SSM does not manage', async () => {
      stub.sandbox.restore()
      const [offline] = await launch(EAST, 1, {Role: 'postgres'})
      stub = stubInstanceInformation([offline])
      const {exitCode, record} = await schedule()
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.include(`Not managed by SSM: ${offline} in ${EAST} (SSM Agent ConnectionLost)`)
      await expectNothingCreated()
    })
  })
})
