import {EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {
  type CommandInvocation,
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  type ListCommandsCommandOutput,
  PutComplianceItemsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  type SendCommandCommandOutput,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import type {OpsctlError} from '../../../src/lib/errors/errors.js'
import {assertScanVerdict, type PatchScanOptions, patchScanOutcomeOf, patchScanWorkflow} from '../../../src/lib/patch/scan.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'
import {parseVersion} from '../../../src/lib/patch/version.js'
import {TenantStore} from '../../../src/lib/tenants/store.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {createShard, HOME_REGION, initTenantStore, openTestStore, provisionTenant} from '../../support/tenants.js'

/** moto's own SendCommand, kept before the mock replaces it: the commands really reach moto, which lists them. */
const motoSend = SSMClient.prototype.send as (this: SSMClient, command: unknown) => Promise<unknown>

/** Running instances in moto with these tags; their ids. */
async function launch(region: string, tags: Record<string, string>, count = 1): Promise<string[]> {
  const {Instances = []} = await new EC2Client({region}).send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [{ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value}))}],
    }),
  )
  return Instances.map((i) => i.InstanceId!)
}

/** Command invocations a page: AWS pages them too. */
const PAGE = 1

/** What an instance answers the read-only command with. */
type Answer = {status: 'Success' | 'Failed' | 'TimedOut'; output: string}

interface SsmScript {
  /** Instances whose SSM Agent is not Online (absent: not registered at all). */
  pingStatus?: Record<string, string | undefined>
  /** The AWS:Application entries SSM Inventory holds, by instance (any region). */
  inventory?: Record<string, {Name: string; Version: string}[]>
  answers?: Record<string, Answer>
}

/**
 * SSM as AWS would answer what moto lacks — instance information, inventory, command invocations (InProgress first,
 * then each instance's answer, PAGE a page) and compliance writes — while SendCommand goes to moto.
 */
function scriptSsm(script: SsmScript) {
  const ssm = mockClient(SSMClient)
  const sent = new Map<string, string[]>()
  const polled = new Map<string, number>()
  ssm.on(DescribeInstanceInformationCommand).callsFake((input) => ({
    InstanceInformationList: input.Filters[0].Values.filter((id: string) => !script.pingStatus || !(id in script.pingStatus) || script.pingStatus[id]).map(
      (id: string) => ({InstanceId: id, PingStatus: script.pingStatus?.[id] ?? 'Online', ResourceType: 'EC2Instance'}),
    ),
  }))
  ssm.on(GetInventoryCommand).callsFake(async (_input, getClient) => {
    const region = await getClient().config.region()
    const entities = Object.entries(script.inventory ?? {}).filter(([id]) => regionOf.get(id) === region)
    return {Entities: entities.map(([Id, Content]) => ({Id, Data: {'AWS:Application': {TypeName: 'AWS:Application', SchemaVersion: '1.1', Content}}}))}
  })
  ssm.on(SendCommandCommand).callsFake(async (input: SendCommandCommandInput, getClient) => {
    const answer = (await motoSend.call(getClient(), new SendCommandCommand(input))) as SendCommandCommandOutput
    sent.set(answer.Command!.CommandId!, input.InstanceIds!)
    return answer
  })
  ssm.on(ListCommandInvocationsCommand).callsFake((input) => {
    const ids = sent.get(input.CommandId)!
    const poll = (polled.get(input.CommandId) ?? 0) + (input.NextToken ? 0 : 1)
    polled.set(input.CommandId, poll)
    const invocations: CommandInvocation[] = ids.map((InstanceId) => {
      const answer = script.answers?.[InstanceId]
      return poll === 1 || !answer
        ? {CommandId: input.CommandId, InstanceId, Status: 'InProgress'}
        : {CommandId: input.CommandId, InstanceId, Status: answer.status, CommandPlugins: [{Name: 'aws:runShellScript', Output: answer.output}]}
    })
    const start = Number(input.NextToken ?? 0)
    return {CommandInvocations: invocations.slice(start, start + PAGE), NextToken: start + PAGE < invocations.length ? String(start + PAGE) : undefined}
  })
  ssm.on(PutComplianceItemsCommand).resolves({})
  return ssm
}

/** The region each launched instance is in, for the inventory of a region. */
const regionOf = new Map<string, string>()

async function scan(options: Partial<PatchScanOptions> & {dryRun?: boolean} = {}): Promise<{record: RunRecord; exitCode: number}> {
  const scanOptions: PatchScanOptions = {
    spec: parseTargets({targets: ['tag:Role=postgres']}),
    regions: ['us-east-1', 'eu-west-1'],
    package: 'postgresql',
    minVersion: parseVersion('15.8'),
    compliance: true,
    severity: 'HIGH',
    ...options,
  }
  const session = await testSession()
  return runWorkflow({
    workflow: patchScanWorkflow(scanOptions),
    context: {...scanOptions, session, store: await openTestStore()},
    parameters: {package: scanOptions.package, minVersion: '15.8', compliance: scanOptions.compliance, severity: scanOptions.severity},
    reporter: silentReporter,
    clock: new VirtualClock(),
    dryRun: options.dryRun,
  })
}

const outcomeOf = (record: RunRecord) => patchScanOutcomeOf({package: 'postgresql', minVersion: parseVersion('15.8')} as PatchScanOptions, record)

async function motoCommands(region: string) {
  const {Commands = []} = (await motoSend.call(new SSMClient({region}), new ListCommandsCommand({}))) as ListCommandsCommandOutput
  return Commands
}

describe('patch scan (EC2 and SendCommand in moto; SDK mocks for what moto lacks)', () => {
  let ssm: ReturnType<typeof scriptSsm> | undefined
  afterEach(() => {
    ssm?.restore()
    ssm = undefined
  })

  /** A fleet of four PostgreSQL servers in two regions, a web server beside them, and two tenants on their shards. */
  async function fleet() {
    await createShard('jira-us-1', 'jira', HOME_REGION)
    await createShard('confluence-us-1', 'confluence', HOME_REGION)
    await initTenantStore()
    await provisionTenant({tenantId: 'acme', products: ['jira']})
    await provisionTenant({tenantId: 'globex', products: ['confluence']})
    const [pg1] = await launch('us-east-1', {Name: 'pg-1', Role: 'postgres', 'opsctl:cluster': 'ledger', 'opsctl:shards': 'jira-us-1'})
    const [pg2] = await launch('us-east-1', {Name: 'pg-2', Role: 'postgres', 'opsctl:cluster': 'ledger', 'opsctl:shards': 'jira-us-1, confluence-us-1'})
    const [pg3] = await launch('us-east-1', {Name: 'pg-3', Role: 'postgres'})
    const [web] = await launch('us-east-1', {Name: 'web-1', Role: 'web'})
    const [pgEu] = await launch('eu-west-1', {Name: 'pg-eu', Role: 'postgres'})
    for (const id of [pg1, pg2, pg3, web]) regionOf.set(id, 'us-east-1')
    regionOf.set(pgEu, 'eu-west-1')
    return {pg1, pg2, pg3, web, pgEu}
  }

  it('reads versions from inventory, else one Run Command per region, judges them by number and writes SSM Compliance', async () => {
    const {pg1, pg2, pg3, pgEu} = await fleet()
    ssm = scriptSsm({
      inventory: {
        [pg1]: [
          {Name: 'postgresql15-private-libs', Version: '14.1'},
          {Name: 'postgresql15', Version: '15.10'},
          {Name: 'postgresql15-server', Version: '15.10'},
        ],
      },
      answers: {
        [pg2]: {status: 'Success', output: 'postgresql15-15.4-1.amzn2023.x86_64\n'},
        [pg3]: {status: 'Failed', output: 'postgresql is not installed (rpm, dpkg-query and psql know none)\n'},
        [pgEu]: {status: 'Success', output: 'psql (PostgreSQL) 16.2\n'},
      },
    })
    const {record, exitCode} = await scan()
    expect(exitCode, record.error?.message).to.equal(0)
    const outcome = outcomeOf(record)
    // In the order of the regions asked, then of the instance ids.
    expect(outcome.instances.map((i) => i.region)).to.deep.equal(['us-east-1', 'us-east-1', 'us-east-1', 'eu-west-1'])
    const byName = outcome.instances.slice().sort((a, b) => a.name.localeCompare(b.name))
    expect(byName.map((i) => [i.name, i.region, i.cluster, i.shards, i.tenants, i.version, i.source, i.verdict])).to.deep.equal([
      ['pg-1', 'us-east-1', 'ledger', ['jira-us-1'], ['acme'], '15.10', 'inventory', 'compliant'],
      ['pg-2', 'us-east-1', 'ledger', ['jira-us-1', 'confluence-us-1'], ['acme', 'globex'], '15.4', 'run-command', 'non-compliant'],
      ['pg-3', 'us-east-1', undefined, [], [], undefined, undefined, 'unknown'],
      ['pg-eu', 'eu-west-1', undefined, [], [], '16.2', 'run-command', 'compliant'],
    ])
    expect(outcome.instances.find((i) => i.instanceId === pg3)!.reason).to.equal(
      'Run Command Failed: postgresql is not installed (rpm, dpkg-query and psql know none)',
    )
    expect(outcome.counts).to.deep.equal({compliant: 2, 'non-compliant': 1, unknown: 1})

    // One SendCommand per region, to the instances the inventory had no version for, and moto has them.
    const sends = ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)
    expect(sends.map((s) => s.InstanceIds!.slice().sort())).to.have.deep.members([[pg2, pg3].sort(), [pgEu]])
    expect(sends.every((s) => s.DocumentName === 'AWS-RunShellScript' && s.MaxErrors === '100%')).to.equal(true)
    for (const region of ['us-east-1', 'eu-west-1']) {
      const ours = outcome.commands.filter((c) => c.region === region).map((c) => c.commandId)
      expect((await motoCommands(region)).map((c) => c.CommandId))
        .to.deep.equal(ours)
        .and.have.length(1)
    }
    // Invocations read with their output, page by page, until every one had finished.
    const lists = ssm.commandCalls(ListCommandInvocationsCommand).map((c) => c.args[0].input)
    expect(lists.every((l) => l.Details === true)).to.equal(true)
    expect(lists.some((l) => l.NextToken !== undefined)).to.equal(true)

    // SSM Compliance: one item a known instance, none for the unknown one.
    const items = ssm.commandCalls(PutComplianceItemsCommand).map((c) => c.args[0].input)
    expect(items.map((i) => [i.ResourceId, i.Items![0].Status]).sort()).to.deep.equal(
      [
        [pg1, 'COMPLIANT'],
        [pg2, 'NON_COMPLIANT'],
        [pgEu, 'COMPLIANT'],
      ].sort(),
    )
    expect(items.find((i) => i.ResourceId === pg2)).to.deep.include({
      ResourceType: 'ManagedInstance',
      ComplianceType: 'Custom:opsctl-postgresql',
      UploadType: 'COMPLETE',
      Items: [
        {
          Id: 'postgresql',
          Title: 'postgresql 15.4 (minimum 15.8)',
          Status: 'NON_COMPLIANT',
          Severity: 'HIGH',
          Details: {InstalledVersion: '15.4', MinimumVersion: '15.8', Source: 'run-command'},
        },
      ],
    })
    expect(items[0].ExecutionSummary?.ExecutionId).to.equal(record.runId)

    expectMatchesSchema({status: 1, result: record, warnings: []}, 'patch-scan')
    // A version that could not be read makes the scan incomplete (exit 1), even with an instance below the minimum.
    const incomplete = (() => {
      try {
        assertScanVerdict(outcome, record)
      } catch (error) {
        return error as OpsctlError
      }
    })()
    expect(incomplete?.exitCode).to.equal(1)
    expect(incomplete?.message).to.equal(
      `Could not read the postgresql version of 1 of 4 instance(s): ${pg3} (Run Command Failed: postgresql is not installed (rpm, dpkg-query and psql know none)); see "opsctl runs show ${record.runId}".`,
    )
  })

  it('sends one Run Command per 50 instances, whatever their number, and finds those below the minimum (exit 3)', async function () {
    this.timeout(60_000)
    const ids = await launch('us-east-1', {Role: 'postgres'}, 120)
    for (const id of ids) regionOf.set(id, 'us-east-1')
    ssm = scriptSsm({
      answers: Object.fromEntries(ids.map((id, i) => [id, {status: 'Success', output: i === 7 ? 'psql (PostgreSQL) 15.7' : '15.9-1.pgdg22.04+1'}])),
    })
    const {record, exitCode} = await scan({regions: ['us-east-1']})
    expect(exitCode, record.error?.message).to.equal(0)
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.InstanceIds!.length)).to.have.members([50, 50, 20])
    expect(ssm.commandCalls(GetInventoryCommand)).to.have.length(1)
    const outcome = outcomeOf(record)
    expect(outcome.counts).to.deep.equal({compliant: 119, 'non-compliant': 1, unknown: 0})
    expect(() => assertScanVerdict(outcome, record))
      .to.throw(`1 of 120 instance(s) run postgresql below 15.8: ${ids[7]} (15.7); patch them with "opsctl patch run".`)
      .with.property('exitCode', 3)
  })

  it('writes nothing to SSM Compliance with --no-compliance or in a dry run, and still shows every verdict', async () => {
    const {pg1, pg2, pg3, pgEu} = await fleet()
    const answers = Object.fromEntries([pg1, pg2, pg3, pgEu].map((id) => [id, {status: 'Success', output: '15.8'} as Answer]))
    ssm = scriptSsm({answers})
    const dryRun = await scan({dryRun: true})
    expect(dryRun.record.steps.map((s) => [s.id, s.status])).to.deep.equal([
      ['resolve-fleet', 'succeeded'],
      ['read-inventory', 'succeeded'],
      ['read-versions-by-command', 'succeeded'],
      ['record-compliance', 'planned'],
    ])
    expect(outcomeOf(dryRun.record)).to.deep.include({complianceWritten: false, counts: {compliant: 4, 'non-compliant': 0, unknown: 0}})
    const quiet = await scan({compliance: false})
    expect(quiet.record.steps.map((s) => s.id)).to.not.include('record-compliance')
    expect(outcomeOf(quiet.record)).to.deep.include({complianceWritten: false, counts: {compliant: 4, 'non-compliant': 0, unknown: 0}})
    expect(ssm.commandCalls(PutComplianceItemsCommand)).to.have.length(0)
  })

  it('finds an instance by id in any region asked, and reads no tenants when there is no tenant table', async () => {
    const [pgEu] = await launch('eu-west-1', {Name: 'pg-eu', Role: 'postgres', 'opsctl:shards': 'jira-eu-1'})
    regionOf.set(pgEu, 'eu-west-1')
    ssm = scriptSsm({inventory: {[pgEu]: [{Name: 'postgresql-15', Version: '15.8-1.pgdg22.04+1'}]}})
    const {record, exitCode} = await scan({spec: parseTargets({instances: [pgEu]})})
    expect(exitCode, record.error?.message).to.equal(0)
    const outcome = outcomeOf(record)
    expect(outcome.instances.map((i) => [i.instanceId, i.region, i.shards, i.tenants, i.version])).to.deep.equal([
      [pgEu, 'eu-west-1', ['jira-eu-1'], [], '15.8'],
    ])
    expect(outcome.tenantStore).to.deep.equal({table: 'opsctl-tenants', region: HOME_REGION, found: false})
    expect(ssm.commandCalls(SendCommandCommand)).to.have.length(0)
  })

  describe('refuses before anything is sent to an instance (exit 2)', () => {
    const refused = async (options: Partial<PatchScanOptions>) => {
      const {record, exitCode} = await scan(options)
      expect(exitCode).to.equal(2)
      expect(ssm!.commandCalls(SendCommandCommand)).to.have.length(0)
      expect(ssm!.commandCalls(PutComplianceItemsCommand)).to.have.length(0)
      expect(await motoCommands('us-east-1')).to.deep.equal([])
      return record.error!.message
    }

    it('targets that match no running instance', async () => {
      await launch('us-east-1', {Role: 'web'})
      ssm = scriptSsm({})
      expect(await refused({})).to.equal(
        "--targets tag:Role=postgres matches no running instance in us-east-1, eu-west-1 (--regions); check the tags, or pass --regions with the instances' regions.",
      )
      const missing = 'i-0123456789abcdef0'
      expect(await refused({spec: parseTargets({instances: [missing]})})).to.equal(
        `--instances ${missing} matches no running instance in us-east-1, eu-west-1 (--regions); check the ids and their state, or pass --regions with their regions.`,
      )
    })

    it('an instance SSM does not manage, named with why', async () => {
      const [online, lost, unregistered] = await launch('us-east-1', {Role: 'postgres'}, 3)
      ssm = scriptSsm({pingStatus: {[lost]: 'ConnectionLost', [unregistered]: undefined}, answers: {[online]: {status: 'Success', output: '15.9'}}})
      const [first, second] = [lost, unregistered].sort()
      const why = (id: string) => (id === lost ? 'SSM Agent ConnectionLost' : 'no SSM Agent registered')
      expect(await refused({regions: ['us-east-1']})).to.equal(
        `Not managed by SSM: ${first} in us-east-1 (${why(first)}), ${second} in us-east-1 (${why(second)}); start the SSM Agent with an instance profile that allows SSM, or leave the instance out of the targets.`,
      )
    })
  })
})

describe('the tenant store is optional', () => {
  it('is read only when its table exists', async () => {
    const store = await TenantStore.open(await testSession(), {table: 'nowhere', region: HOME_REGION})
    expect(await store.ifReady()).to.equal(undefined)
    const ready = await initTenantStore()
    expect(await ready.ifReady()).to.equal(ready)
  })
})
