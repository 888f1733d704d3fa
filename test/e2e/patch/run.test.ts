import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {DeleteTagsCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {ListCommandsCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {tagMap} from '../../../src/lib/aws/tags.js'
import {sandboxStateFile} from '../../../src/lib/sandbox/sandbox.js'
import {ec2Seeder} from '../../../src/lib/sandbox/seed/ec2.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {STAND_IN_TAGS} from '../../../src/lib/sandbox/ssm-agent-tags.js'
import {testSession} from '../../support/aws.js'
import {opsctl, parseJson} from '../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../support/fault-suite.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {onTerminal} from '../../support/terminal.js'

/*
 * `opsctl patch run` as people run it: the built CLI against the sandbox's PostgreSQL fleet, the SSM agent's side
 * answered by the sandbox's stand-in (moto has no command invocations), through a fault proxy so that a call can be
 * held while Ctrl-C is pressed on a real terminal.
 */

const TARGETS = ['--targets', 'tag:Role=postgres', '--min-version', '15.8']
const ec2 = new EC2Client({})

async function servers(): Promise<Map<string, {id: string; version: string; dataVolume?: string}>> {
  const {Reservations = []} = await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag:Role', Values: ['postgres']}]}))
  const found = new Map<string, {id: string; version: string; dataVolume?: string}>()
  for (const instance of Reservations.flatMap((r) => r.Instances ?? [])) {
    const tags = tagMap(instance.Tags)
    const {Volumes = []} = await ec2.send(
      new DescribeVolumesCommand({
        Filters: [
          {Name: 'attachment.instance-id', Values: [instance.InstanceId!]},
          {Name: 'attachment.device', Values: ['/dev/sdf']},
        ],
      }),
    )
    found.set(tags.Name, {id: instance.InstanceId!, version: tags[STAND_IN_TAGS.version], dataVolume: Volumes[0]?.VolumeId})
  }
  return found
}

describe('opsctl patch run on the sandbox fleet (e2e)', function () {
  this.timeout(120_000)
  const faults = faultProxyInFrontOfMoto()

  beforeEach(async () => {
    await seedDemoEstate(await testSession(), [ec2Seeder])
    // The sandbox opsctl would have started: its stand-in answers for the SSM agent at this endpoint.
    mkdirSync(dirname(sandboxStateFile()), {recursive: true})
    writeFileSync(sandboxStateFile(), JSON.stringify({endpoint: faults.env.AWS_ENDPOINT_URL, pid: process.pid, port: 0, startedAt: new Date().toISOString()}))
  })
  afterEach(() => {
    faults.proxy.release()
    faults.proxy.clear()
  })

  it('shows the waves of a dry run and sends nothing but the read-only version query', async () => {
    const result = await opsctl(['patch', 'run', ...TARGETS, '--dry-run'], {env: faults.env})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/canary\s+i-/)
    expect(result.stdout).to.contain('2 instance(s) below 15.8 in 2 wave(s); up to 0 may fail before the remaining waves are called off.')
    expect(result.stdout).to.contain('1 already at or above 15.8: left alone.')
    const versions = [...(await servers()).values()].map((s) => s.version).sort()
    expect(versions).to.deep.equal(['14.11', '15.6', '15.8'])
  })

  it('rolls back the server whose upgrade fails, keeps the others patched, and patch status tells both', async () => {
    const before = await servers()
    // No canary, one server a wave, one failure tolerated: both servers below 15.8 are tried, whichever comes first.
    const result = await opsctl(['patch', 'run', ...TARGETS, '--canary', '0', '--wave', '1', '--max-errors', '1', '--yes', '--poll-interval', '1', '--json'], {
      env: faults.env,
    })
    const json = parseJson(result)
    expect(result.code, result.stderr).to.equal(0)
    expectMatchesSchema(json, 'patch-run')
    const byId = new Map(json.result.outcome.instances.map((i: {instanceId: string; result: string}) => [i.instanceId, i.result]))
    const after = await servers()
    expect(byId.get(after.get('opsctl-demo-postgres-1')!.id)).to.equal('patched')
    expect(byId.get(after.get('opsctl-demo-postgres-3')!.id)).to.equal('rolled-back')
    expect(after.get('opsctl-demo-postgres-1')!.version).to.equal('15.10')
    expect(after.get('opsctl-demo-postgres-3')!.dataVolume).to.not.equal(before.get('opsctl-demo-postgres-3')!.dataVolume)
    const status = parseJson(await opsctl(['patch', 'status', '--targets', 'tag:Role=postgres', '--json'], {env: faults.env}))
    const last = new Map(status.result.instances.map((i: {instanceId: string; lastRun?: {result: string}}) => [i.instanceId, i.lastRun?.result]))
    expect(last.get(after.get('opsctl-demo-postgres-3')!.id)).to.equal('rolled-back')
    expect(last.get(after.get('opsctl-demo-postgres-1')!.id)).to.equal('patched')
  })

  it('Ctrl-C on a terminal while a snapshot is awaited rolls that server back (exit 130); --resume patches it and the rest', async () => {
    const fleet = await servers()
    await ec2.send(new DeleteTagsCommand({Resources: [fleet.get('opsctl-demo-postgres-3')!.id], Tags: [{Key: STAND_IN_TAGS.fail}]}))
    faults.proxy.inject({operation: 'DescribeSnapshots'}, 'hold-after', {times: 1})
    const held = faults.proxy.nextRequest({operation: 'DescribeSnapshots'})
    const terminal = onTerminal(['patch', 'run', ...TARGETS, '--yes', '--poll-interval', '1'], {env: faults.env})
    await held
    terminal.pressCtrlC()
    expect(await terminal.exited, terminal.screen).to.equal(130)
    const runId = /--resume (\d{8}T\d{6}Z-[0-9a-f]+)/.exec(terminal.screen)?.[1]
    expect(runId, terminal.screen).to.match(/^\d{8}T\d{6}Z-/)
    // The canary was stopped and snapshotted when Ctrl-C came: its data volume is now the one restored from the snapshot.
    const interrupted = await servers()
    const swapped = [...interrupted].filter(([name, s]) => s.dataVolume !== fleet.get(name)!.dataVolume)
    expect(swapped, terminal.screen).to.have.length(1)
    faults.proxy.release()
    const resumed = await opsctl(['patch', 'run', ...TARGETS, '--yes', '--poll-interval', '1', '--resume', runId!], {env: faults.env})
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0)
    expect([...(await servers()).values()].map((s) => s.version).sort()).to.deep.equal(['15.10', '15.10', '15.8'])
  })

  for (const [args, said] of [
    [['--wave', '0'], /^Error: --wave "0" is not a wave size/],
    [['--wave', '101%'], /^Error: --wave "101%" is not a wave size/],
    [['--max-errors', 'some'], /^Error: --max-errors "some" is not an error budget/],
    [['--min-version', '15.x'], /^Error: --min-version "15.x" is not a version/],
    [['--notify-topic', 'dba'], /^Error: --notify-topic "dba" is not an SNS topic ARN/],
    [['--device', 'sdf'], /^Error: --device "sdf" is not an EBS device name/],
    [['--targets', 'tag:Role=oracle'], /^Error: --targets tag:Role=oracle match(es)? no /],
    [['--health-alarm', 'no-such-alarm'], /^Error: No CloudWatch alarm named no-such-alarm/],
    [['--target-locations', '[{"Accounts":["111111111111"],"Regions":["eu-west-1"]}]'], /^Error: --target-locations needs --engine ssm and --targets/],
    [['--target-locations', 'eu-west-1', '--engine', 'ssm'], /^Error: --target-locations is not a JSON list of locations/],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit 2 in one sentence, sending nothing to any instance`, async () => {
      const given =
        args[0] === '--targets' || args[0] === '--min-version'
          ? [...TARGETS.filter((_, i, all) => all[i - 1] !== args[0] && _ !== args[0]), ...args]
          : [...TARGETS, ...args]
      const result = await opsctl(['patch', 'run', ...given, '--yes'], {env: faults.env})
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr.trim()).to.match(said)
      const commands = await new SSMClient({}).send(new ListCommandsCommand({}))
      expect((commands.Commands ?? []).filter((c) => c.Comment?.startsWith('opsctl patch ') && !c.Comment.startsWith('opsctl patch scan'))).to.deep.equal([])
      expect([...(await servers()).values()].map((s) => s.version).sort()).to.deep.equal(['14.11', '15.6', '15.8'])
    })
  }
})
