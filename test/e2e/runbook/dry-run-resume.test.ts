import {mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DescribeTagsCommand, EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {GetDocumentCommand, GetParameterCommand, PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {killWhen, opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

/** Reads the instance's state with a filter, tags it, waits for a go-ahead in Parameter Store, then records the state it read. */
const document = `schemaVersion: '0.3'
parameters:
  InstanceId: {type: String}
mainSteps:
  - name: describe
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: ['{{ InstanceId }}']}
    outputs:
      - {Name: State, Selector: "$.Reservations[*].Instances[?(@.State.Code == 16)].State.Name", Type: String}
  - name: mark
    action: aws:createTags
    inputs: {ResourceIds: ['{{ InstanceId }}'], Tags: [{Key: seen, Value: '{{ describe.State }}'}]}
  - name: waitForGo
    action: aws:waitForAwsResourceProperty
    inputs: {Service: ssm, Api: GetParameter, Name: /e2e/go, PropertySelector: $.Parameter.Value, DesiredValues: [go]}
  - name: finish
    action: aws:executeAwsApi
    inputs: {Service: ssm, Api: PutParameter, Name: /e2e/result, Value: 'state {{ describe.State }}', Type: String, Overwrite: true}
`

async function setUp(): Promise<{file: string; instanceId: string}> {
  const file = join(mkdtempSync(join(tmpdir(), 'opsctl-runbook-')), 'opsctl-E2eGoAhead.yaml')
  writeFileSync(file, document)
  const {Instances} = await new EC2Client({}).send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1}))
  await new SSMClient({}).send(new PutParameterCommand({Name: '/e2e/go', Value: 'wait', Type: 'String'}))
  return {file, instanceId: Instances![0].InstanceId!}
}

const tagsOf = async (instanceId: string) =>
  (await new EC2Client({}).send(new DescribeTagsCommand({Filters: [{Name: 'resource-id', Values: [instanceId]}]}))).Tags!.map((t) => `${t.Key}=${t.Value}`)
const result = () =>
  new SSMClient({}).send(new GetParameterCommand({Name: '/e2e/result'})).then(
    (r) => r.Parameter!.Value,
    (e: Error) => e.name,
  )
const statuses = (record: {steps: {id: string; status: string}[]}) => Object.fromEntries(record.steps.map((s) => [s.id, s.status]))

describe('opsctl runbook run --dry-run and --resume (e2e)', () => {
  it('--dry-run runs the read-only step, plans the tag and every step after it, and changes nothing', async () => {
    const {file, instanceId} = await setUp()
    const run = await opsctl(['runbook', 'run', file, '-p', `InstanceId=${instanceId}`, '--dry-run', '--json'])
    expect(run.code, run.stderr + run.stdout).to.equal(0)
    const envelope = parseJson(run)
    expectMatchesSchema(envelope, 'runbook-run')
    expect(envelope.result).to.include({status: 'planned', dryRun: true})
    expect(statuses(envelope.result)).to.deep.equal({describe: 'succeeded', mark: 'planned', 'wait-for-go': 'planned', finish: 'planned'})
    expect(envelope.result.steps[0].outputs).to.deep.equal({State: 'running'})
    expect(envelope.result.steps[1].actions).to.deep.equal(['ec2:CreateTags'])
    expect(await tagsOf(instanceId)).to.deep.equal([])
    expect(await result()).to.equal('ParameterNotFound')
  })

  it('--resume after a kill -9 carries on after the last finished step, with that step outputs, running nothing twice', async () => {
    const {file, instanceId} = await setUp()
    const args = ['runbook', 'run', file, '-p', `InstanceId=${instanceId}`]
    // The wait has begun, so the steps before it are journalled as finished.
    const killed = await opsctl(args, {onSpawn: killWhen('▶ wait-for-go', 'SIGKILL')})
    expect(killed.code).to.equal(null)
    const [journal] = readdirSync(join(process.env.OPSCTL_HOME!, 'runs'))
    const runId = journal.replace(/\.json$/, '')
    await new SSMClient({}).send(new PutParameterCommand({Name: '/e2e/go', Value: 'go', Type: 'String', Overwrite: true}))

    const resumed = await opsctl([...args, '--resume', runId, '--json'])
    expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0)
    const record = parseJson(resumed).result
    expect(record).to.include({runId, status: 'succeeded'})
    expect(statuses(record)).to.deep.equal({describe: 'skipped', mark: 'skipped', 'wait-for-go': 'succeeded', finish: 'succeeded'})
    expect(record.steps.slice(0, 2).flatMap((s: {calls: unknown[]}) => s.calls)).to.deep.equal([])
    expect(await result()).to.equal('state running')
    expect(await tagsOf(instanceId)).to.deep.equal(['seen=running'])
  })

  it('refuses --dry-run and --resume with --engine ssm (exit 2, one sentence), publishing nothing', async () => {
    const {file, instanceId} = await setUp()
    const dry = await opsctl(['runbook', 'run', file, '-p', `InstanceId=${instanceId}`, '--engine', 'ssm', '--dry-run'])
    expect(dry.code).to.equal(2)
    expect(dry.stderr).to.contain('--dry-run only applies with --engine local: SSM can neither dry-run nor resume an execution.')
    const both = await opsctl(['runbook', 'run', file, '-p', `InstanceId=${instanceId}`, '--engine', 'ssm', '--dry-run', '--resume', '20261123T192515Z-4f9a1c'])
    expect(both.code).to.equal(2)
    expect(both.stderr).to.contain('--dry-run and --resume only apply with --engine local')
    const published = await new SSMClient({}).send(new GetDocumentCommand({Name: 'opsctl-E2eGoAhead'})).catch((e: Error) => e.name)
    expect(published).to.equal('InvalidDocument')
  })

  it('--help explains both flags with examples', async () => {
    const help = await opsctl(['runbook', 'run', '--help'])
    expect(help.code).to.equal(0)
    // Help wraps its lines to the terminal, examples with a trailing backslash.
    const text = help.stdout.replace(/ \\\n/g, ' ').replace(/\s+/g, ' ')
    for (const said of [
      '--dry-run',
      '--resume=<value>',
      'that step and every step the run may go on to from it are listed as planned',
      'it carries on after the last step that finished, with the variables and step outputs it had',
      'DBInstanceIdentifier=tenant-shard-001 --dry-run',
      '--resume 20261123T192515Z-4f9a1c',
    ])
      expect(text).to.contain(said)
  })
})
