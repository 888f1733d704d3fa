import {
  CreateMaintenanceWindowCommand,
  DescribeMaintenanceWindowsCommand,
  RegisterTargetWithMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

// moto has no SSM DescribeInstanceInformation, so a schedule cannot be made end to end here (the integration tests
// make them against moto with that one call answered): these tests show the refusals, --list and --remove.

const ssm = new SSMClient({region: 'us-east-1'})

/** A refusal as a user sees it: exit 2, nothing on stdout, one sentence on stderr. */
const expectRefused = (result: CliResult, sentence: RegExp) => {
  expect(result.code, result.stderr).to.equal(2)
  expect(result.stdout).to.equal('')
  expect(result.stderr.trim().replace(/^Error: /, '')).to.match(sentence)
}

/** A window as `opsctl patch schedule` makes it: tagged as opsctl's, with its target and Automation task. */
async function opsctlWindow(name: string): Promise<string> {
  const {WindowId} = await ssm.send(
    new CreateMaintenanceWindowCommand({
      Name: name,
      Schedule: 'cron(0 3 ? * SUN *)',
      Duration: 3,
      Cutoff: 1,
      AllowUnassociatedTargets: false,
      Tags: [{Key: 'opsctl:workflow', Value: 'patch-schedule'}],
    }),
  )
  const {WindowTargetId} = await ssm.send(
    new RegisterTargetWithMaintenanceWindowCommand({
      WindowId,
      ResourceType: 'INSTANCE',
      Name: 'opsctl-patch-targets',
      Targets: [{Key: 'tag:Role', Values: ['postgres']}],
    }),
  )
  await ssm.send(
    new RegisterTaskWithMaintenanceWindowCommand({
      WindowId,
      Name: 'opsctl-patch-postgresql',
      TaskType: 'AUTOMATION',
      TaskArn: 'opsctl-PatchPostgreSQL',
      Targets: [{Key: 'WindowTargetIds', Values: [WindowTargetId!]}],
      MaxConcurrency: '25%',
      MaxErrors: '0',
      Description: 'Patch PostgreSQL to 15.8 or later with opsctl-PatchPostgreSQL (opsctl patch schedule).',
    }),
  )
  return WindowId!
}

const windowNames = async () => ((await ssm.send(new DescribeMaintenanceWindowsCommand({}))).WindowIdentities ?? []).map((w) => w.Name)

describe('opsctl patch schedule (e2e against moto)', () => {
  const schedule = ['patch', 'schedule', '--targets', 'tag:Role=postgres', '--min-version', '15.8']

  it('refuses bad input with one sentence, exit 2, before any call and with nothing created', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--cron', 'cron(0 3 * * SUN *)', '--duration', '3', '--cutoff', '1'],
        /^--cron "cron\(0 3 \* \* SUN \*\)" is not a maintenance window schedule: exactly one of/,
      ],
      [['--cron', 'cron(0 3 ? * SUN)', '--duration', '3', '--cutoff', '1'], /it has 5 fields, not 6/],
      [['--cron', 'cron(0 3 ? * SUN *)', '--duration', '0', '--cutoff', '0'], /^--duration 0 is outside what SSM allows; give 1 to 24 hours\.$/],
      [['--cron', 'cron(0 3 ? * SUN *)', '--duration', '2', '--cutoff', '2'], /^--cutoff 2 must be 0 or more hours and less than --duration 2/],
      [['--cron', 'cron(0 3 ? * SUN *)', '--duration', '3', '--cutoff', '1', '--max-concurrency', '0%'], /^--max-concurrency "0%" is not a wave size/],
      [['--cron', 'cron(0 3 ? * SUN *)', '--duration', '3'], /^A schedule needs --cron, --duration, --cutoff and --min-version/],
    ]
    for (const [flags, sentence] of cases) expectRefused(await opsctl([...schedule, ...flags]), sentence)
    expectRefused(
      await opsctl([
        'patch',
        'schedule',
        '--instances',
        'i-0123456789abcdef0',
        '--cron',
        'cron(0 3 ? * SUN *)',
        '--duration',
        '3',
        '--cutoff',
        '1',
        '--min-version',
        '15.8',
      ]),
      /^A schedule patches instances by tags/,
    )
    expectRefused(
      await opsctl(['patch', 'schedule', '--list', '--cron', 'cron(0 3 ? * SUN *)']),
      /--cron=cron\(0 3 \? \* SUN \*\) cannot also be provided when using --list/,
    )
    expectRefused(await opsctl(['patch', 'schedule', '--remove']), /^Say which schedule to remove: pass --remove --name <window name> \(see --list\)\.$/)
    expect(await windowNames()).to.deep.equal([])
  })

  it('refuses targets that match no instance, with nothing created', async () => {
    const result = await opsctl([...schedule, '--cron', 'cron(0 3 ? * SUN *)', '--duration', '3', '--cutoff', '1', '--json'])
    expect(result.code, result.stderr).to.equal(2)
    expect(parseJson(result).error?.message).to.match(/^--targets tag:Role=postgres matches no running instance in us-east-1/)
    expect(await windowNames()).to.deep.equal([])
  })

  it('lists the windows opsctl made, as a table and as JSON matching its schema, not the others', async () => {
    const windowId = await opsctlWindow('pg-weekly')
    await ssm.send(new CreateMaintenanceWindowCommand({Name: 'someone-elses', Schedule: 'rate(1 day)', Duration: 2, Cutoff: 0, AllowUnassociatedTargets: true}))
    const json = await opsctl(['patch', 'schedule', '--list', '--json'])
    expect(json.code, json.stderr).to.equal(0)
    const envelope = parseJson(json)
    expectMatchesSchema(envelope, 'patch-schedule')
    expect(envelope.result.windows).to.deep.equal([
      {
        region: 'us-east-1',
        name: 'pg-weekly',
        windowId,
        enabled: true,
        schedule: 'cron(0 3 ? * SUN *)',
        durationHours: 3,
        cutoffHours: 1,
        targets: 'tag:Role=postgres',
        task: {
          runbook: 'opsctl-PatchPostgreSQL',
          description: 'Patch PostgreSQL to 15.8 or later with opsctl-PatchPostgreSQL (opsctl patch schedule).',
          maxConcurrency: '25%',
          maxErrors: '0',
        },
      },
    ])
    const table = await opsctl(['patch', 'schedule', '--list'])
    expect(table.stdout).to.include('pg-weekly').and.include('tag:Role=postgres').and.not.include('someone-elses')
  })

  it('removes a window it made only when confirmed, and refuses to remove one it did not make', async () => {
    await opsctlWindow('pg-weekly')
    await ssm.send(new CreateMaintenanceWindowCommand({Name: 'someone-elses', Schedule: 'rate(1 day)', Duration: 2, Cutoff: 0, AllowUnassociatedTargets: true}))
    expectRefused(
      await opsctl(['patch', 'schedule', '--remove', '--name', 'pg-weekly']),
      /needs confirmation and there is no terminal to ask on; pass --yes to proceed\.$/,
    )
    const foreign = await opsctl(['patch', 'schedule', '--remove', '--name', 'someone-elses', '--yes'])
    expect(foreign.code, foreign.stderr).to.equal(2)
    expect(foreign.stderr).to.match(/^Error: No maintenance window named someone-elses that opsctl made in us-east-1; see "opsctl patch schedule --list"/)
    expect((await windowNames()).sort()).to.deep.equal(['pg-weekly', 'someone-elses'])
    const removed = await opsctl(['patch', 'schedule', '--remove', '--name', 'pg-weekly', '--yes', '--json'])
    expect(removed.code, removed.stderr).to.equal(0)
    const envelope = parseJson(removed)
    expectMatchesSchema(envelope, 'patch-schedule')
    expect(envelope.result.outcome.removed.map((w: {region: string}) => w.region)).to.deep.equal(['us-east-1'])
    expect(await windowNames()).to.deep.equal(['someone-elses'])
  })
})
