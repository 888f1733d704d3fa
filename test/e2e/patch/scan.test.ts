import {EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {ListCommandsCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'

/**
 * A refusal as a user sees it: exit 2 and one sentence on stderr; nothing on stdout when the flags are refused, the
 * failed step when the run's first, read-only step refuses the targets.
 */
const expectRefused = (result: CliResult, sentence: string | RegExp, by: 'flags' | 'step' = 'flags') => {
  expect(result.code, result.stderr).to.equal(2)
  if (by === 'flags') expect(result.stdout).to.equal('')
  else expect(result.stdout).to.match(/^✖ resolve-fleet: NoTargets: /m)
  const message = result.stderr.trim().replace(/^Error: /, '')
  if (typeof sentence === 'string') expect(message).to.equal(sentence)
  else expect(message).to.match(sentence)
  expect(message.split(/[.;:] [A-Z]/).length, message).to.equal(1)
  expect(message.split('\n').length, message).to.equal(1)
}

/** Run Commands moto received in the region: none means nothing was sent to any instance. */
async function commandsSent(region = 'us-east-1') {
  return (await new SSMClient({region}).send(new ListCommandsCommand({}))).Commands ?? []
}

const scan = (...args: string[]) => opsctl(['patch', 'scan', ...args])

describe('opsctl patch scan (e2e against moto)', () => {
  it('--help says what it reads, where it writes, its exit codes and examples', async () => {
    const help = await scan('--help')
    expect(help.code).to.equal(0)
    for (const text of [
      'Find the SSM-managed instances whose installed PostgreSQL (or --package) is',
      '--targets=<tag:Key=Value>...',
      '--[no-]compliance',
      'Custom:opsctl-<package>',
      'Exit codes: 0 every instance at or above --min-version; 3 one below',
      '$ opsctl patch scan --targets tag:Role=postgres --min-version 15.8',
    ])
      expect(help.stdout).to.contain(text)
  })

  it('refuses bad input with exit 2 and one sentence, before anything is sent to an instance', async () => {
    // A PostgreSQL server is there: a refusal must not reach it.
    await new EC2Client({}).send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Role', Value: 'postgres'}]}],
      }),
    )
    const cases: [string[], string | RegExp, ('flags' | 'step')?][] = [
      [['--min-version', '15.8'], 'Say which instances: pass --targets tag:Key=Value (repeatable) or --instances i-0123456789abcdef0.'],
      [['--targets', 'tag:Role=postgres', '--instances', 'i-0123456789abcdef0', '--min-version', '15.8'], 'Pass --targets or --instances, not both.'],
      [['--targets', 'Role=postgres', '--min-version', '15.8'], '--targets "Role=postgres" is not a tag target; write it like tag:Role=postgres.'],
      [['--instances', 'i-123', '--min-version', '15.8'], '--instances "i-123" is not an EC2 instance id; write it like i-0123456789abcdef0.'],
      [
        ['--targets', 'tag:Role=postgres', '--min-version', '15.x'],
        '--min-version "15.x" is not a version; write numbers separated by dots, like 15.8 or 9.6.24.',
      ],
      [['--targets', 'tag:Role=postgres'], /^--min-version is required; run "opsctl patch scan --help"/],
      [
        ['--targets', 'tag:Role=postgres', '--min-version', '15.8', '--package', 'pg;reboot'],
        '--package "pg;reboot" is not a package name; write it like postgresql (lower-case letters, digits and dashes).',
      ],
      [
        ['--targets', 'tag:Role=postgres', '--min-version', '15.8', '--regions', 'us-east-1,mars-1'],
        'Unknown AWS region "mars-1"; use a region code such as us-east-1 or eu-central-1.',
      ],
      [
        ['--targets', 'tag:Role=postgres', '--min-version', '15.8', '--severity', 'SEVERE'],
        /^--severity takes one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNSPECIFIED, not "SEVERE"/,
      ],
      [
        ['--targets', 'tag:Role=mysql', '--min-version', '15.8'],
        "--targets tag:Role=mysql matches no running instance in us-east-1 (--regions); check the tags, or pass --regions with the instances' regions.",
        'step',
      ],
      [
        ['--instances', 'i-0123456789abcdef0', '--min-version', '15.8', '--regions', 'eu-west-1'],
        '--instances i-0123456789abcdef0 matches no running instance in eu-west-1 (--regions); check the ids and their state, or pass --regions with their regions.',
        'step',
      ],
    ]
    for (const [args, sentence, by] of cases) expectRefused(await scan(...args), sentence, by)
    expect(await commandsSent()).to.deep.equal([])
  })

  it('says the refusal in the --json envelope too', async () => {
    const result = await scan('--targets', 'tag:Role=postgres', '--min-version', 'latest', '--json')
    expect(result.code).to.equal(2)
    expect(parseJson(result).error).to.deep.equal({
      code: 'InvalidVersion',
      message: '--min-version "latest" is not a version; write numbers separated by dots, like 15.8 or 9.6.24.',
    })
  })
})
