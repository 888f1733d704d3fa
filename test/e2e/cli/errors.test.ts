import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'

import {workflowNames} from '../../../src/lib/engine/workflow-names.js'
import {opsctl, parseJson} from '../../support/cli.js'

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).to.have.length(1)
  return lines[0]
}

/** Errors a person meets first, each one sentence with what to do, exit 2 and nothing changed. */
describe('errors in one sentence (e2e)', () => {
  it('names the endpoint when nothing answers there, says how to start the sandbox, and offers no resume when nothing started', async () => {
    const result = await opsctl(['snapshot', 'create', 'tenant-shard-001'], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(result.code).to.equal(2)
    expect(oneLine(result.stderr)).to.equal(
      'Error: Cannot reach http://127.0.0.1:9: the connection was refused; is the sandbox running? Start it with "opsctl sandbox start" (then eval "$(opsctl sandbox env)"), or unset AWS_ENDPOINT_URL to reach AWS.',
    )
    expect(result.stderr).not.to.contain('--resume')
  })

  it('says an operation the endpoint does not implement is not implemented, instead of a deserialization error', async () => {
    const result = await opsctl(['runbook', 'status', '4f1c2a3b-1234-4d5e-8f90-0123456789ab'])
    expect(result.code).to.equal(1)
    expect(oneLine(result.stderr)).to.match(
      /^Error: http:\/\/127\.0\.0\.1:\d+ does not implement ssm:GetAutomationExecution \(it answered HTTP 500 with something that is not an AWS response\); the emulator does not implement it, so run this against AWS\.$/,
    )
  })

  for (const [what, args, sentence] of [
    [
      'a missing argument',
      ['snapshot', 'create'],
      'Missing the DB instance identifier (dbInstance) argument; run "opsctl snapshot create --help" for its arguments, flags and examples.',
    ],
    [
      'a misspelled flag',
      ['snapshot', 'create', 'db-1', '--dryrun'],
      'Unknown flag --dryrun; did you mean --dry-run? (run "opsctl snapshot create --help" for its arguments, flags and examples)',
    ],
    [
      'flags that exclude each other',
      ['snapshot', 'restore', 'db-1', '--snapshot', 's', '--latest'],
      '--latest cannot also be provided when using --snapshot; run "opsctl snapshot restore --help" for its arguments, flags and examples.',
    ],
    [
      'a missing required flag',
      ['tenant', 'suspend', 'acme'],
      '--product is required; run "opsctl tenant suspend --help" for its arguments, flags and examples.',
    ],
    ['a non-integer', ['backup', 'history', '--limit', 'many'], '--limit takes a whole number, not "many".'],
    [
      'a flag without its value',
      ['snapshot', 'create', 'db-1', '--junit'],
      '--junit needs a value; run "opsctl snapshot create --help" for its arguments, flags and examples.',
    ],
    [
      'an option flag without its value',
      ['runbook', 'run', 'doc.yaml', '--engine'],
      '--engine needs one of local, ssm; run "opsctl runbook run --help" for its arguments, flags and examples.',
    ],
    ['an empty report path', ['snapshot', 'create', 'db-1', '--junit', ''], '--junit needs a file name; give the path of the file to write.'],
    [
      'a profile that does not exist',
      ['snapshot', 'create', 'db-1', '--profile', 'nosuch'],
      'There is no profile "nosuch" in ~/.aws/config or ~/.aws/credentials; check the name with "aws configure list-profiles".',
    ],
    [
      'an unknown workflow',
      ['runs', 'list', '--workflow', 'snapshot-craete'],
      `There is no workflow "snapshot-craete"; did you mean snapshot-create? Workflows are ${workflowNames.join(', ')} and runbook:<document name>.`,
    ],
  ] as const) {
    it(`refuses ${what} with exit 2 and one sentence, also as the --json envelope`, async () => {
      const result = await opsctl([...args], {env: {HOME: process.env.OPSCTL_HOME}})
      expect(result.code).to.equal(2)
      expect(oneLine(result.stderr)).to.equal(`Error: ${sentence}`)
      const json = await opsctl([...args, '--json'], {env: {HOME: process.env.OPSCTL_HOME}})
      expect(json.code).to.equal(2)
      expect(parseJson(json).error!.message).to.equal(sentence)
    })
  }

  it('puts the error envelope on stdout under --json for a command that does not exist', async () => {
    const result = await opsctl(['snapshto', 'create', 'x', '--json'])
    expect(result.code).to.equal(2)
    expect(parseJson(result)).to.deep.equal({
      status: 2,
      error: {
        code: 'UnknownCommand',
        message: '"snapshto create" is not an opsctl command. Did you mean "snapshot create"? Run "opsctl --help" for the list of commands.',
      },
      warnings: [],
    })
  })

  it('exits 2 when a runbook step fails on a resource that does not exist, before anything changed', async () => {
    const file = join(process.env.OPSCTL_HOME!, 'missing.yaml')
    writeFileSync(
      file,
      `schemaVersion: '0.3'
description: Looks at an instance that is not there.
mainSteps:
  - name: describe
    action: aws:executeAwsApi
    inputs: {Service: rds, Api: DescribeDBInstances, DBInstanceIdentifier: no-such-instance}
`,
    )
    const result = await opsctl(['runbook', 'run', file])
    expect(result.code, result.stderr).to.equal(2)
    expect(result.stderr).to.contain('no-such-instance')
  })
})
