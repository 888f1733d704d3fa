import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateEventBusCommand, DeleteEventBusCommand, EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../support/fault-suite.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {createShard, tenantEstate, tenantEventQueue} from '../../support/tenants.js'
import {onTerminal} from '../../support/terminal.js'

/** The tenant store made and provisioned through the real CLI: --json against the committed schemas, and a --secret kept out of every output. */
describe('tenant init and tenant provision (e2e)', () => {
  const secret = 'canary-tenant-smtp-9c41e2'

  it('creates the tenant store once, and running init again only makes sure of it', async function () {
    this.timeout(60_000)
    const first = parseJson(await opsctl(['tenant', 'init', '--poll-interval', '1', '--json']))
    expectMatchesSchema(first, 'tenant-init')
    expect(first.status).to.equal(0)
    expect(first.result.outcome).to.deep.equal({table: 'opsctl-tenants', region: 'us-east-1', created: true, encryptedWith: 'an AWS owned key'})
    const again = await opsctl(['tenant', 'init'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout).to.contain('The tenant store opsctl-tenants is there and active')
  })

  it('provisions a pinned tenant, its --json matching the schema, with the secret stored as a SecureString and shown nowhere', async function () {
    this.timeout(120_000)
    const home = process.env.OPSCTL_HOME!
    expect((await opsctl(['tenant', 'init', '--poll-interval', '1'])).code).to.equal(0)
    await createShard('jira-eu-1', 'jira', 'eu-central-1', 10)
    await createShard('confluence-eu-1', 'confluence', 'eu-west-1', 10)
    const request = ['--site', 'acme', '--products', 'jira,confluence', '--residency', 'EU', '--seats', 'jira=50', '--config', 'smtp-host=mail.acme.example']
    const outputs: CliResult[] = []

    const plan = await opsctl(['tenant', 'provision', 'acme', ...request, '--secret', `smtp-password=${secret}`, '--dry-run', '--json'])
    expectMatchesSchema(parseJson(plan), 'tenant-provision')
    expect(parseJson(plan).result.status).to.equal('planned')
    const reports = ['--junit', join(home, 'r.xml'), '--summary', join(home, 's.md')]
    const run = await opsctl(['tenant', 'provision', 'acme', ...request, '--secret', `smtp-password=${secret}`, ...reports, '--json'], {
      env: {GITHUB_STEP_SUMMARY: join(home, 'github.md')},
    })
    const envelope = parseJson(run)
    expectMatchesSchema(envelope, 'tenant-provision')
    expect(envelope.status, run.stderr).to.equal(0)
    const {outcome, parameters, runId} = envelope.result
    expect(outcome.regions).to.deep.equal({jira: 'eu-central-1', confluence: 'eu-west-1'})
    expect(outcome.placements.map((p: {shardId: string}) => p.shardId)).to.deep.equal(['jira-eu-1', 'confluence-eu-1'])
    expect(parameters.secretNames).to.deep.equal(['smtp-password'])
    const stored = await new SSMClient({region: 'eu-central-1'}).send(
      new GetParameterCommand({Name: '/opsctl/tenants/acme/smtp-password', WithDecryption: true}),
    )
    expect(stored.Parameter).to.include({Type: 'SecureString', Value: secret})

    // A second tenant in plain output, and the refusals that name a --secret flag.
    const plain = await opsctl([
      'tenant',
      'provision',
      'globex',
      '--site',
      'globex',
      '--products',
      'jira',
      '--residency',
      'EU',
      '--secret',
      `api-token=${secret}`,
    ])
    expect(plain.code, plain.stderr).to.equal(0)
    expect(plain.stdout).to.match(/Tenant globex \(site globex\) is active: jira on jira-eu-1 in eu-central-1; 2 event\(s\) delivered to default/)
    const taken = await opsctl(['tenant', 'provision', 'acme', ...request, '--secret', `smtp-password=${secret}`])
    const malformed = await opsctl(['tenant', 'provision', 'initech', '--site', 'initech', '--products', 'jira', '--secret', `=${secret}`])
    expect([taken.code, malformed.code]).to.deep.equal([2, 2])
    expect(taken.stderr).to.match(/^Error: Tenant acme already exists/)
    outputs.push(plan, run, plain, taken, malformed, await opsctl(['runs', 'show', runId]), await opsctl(['runs', 'show', runId, '--json']))

    const files = [...readdirSync(join(home, 'runs')).map((f) => join(home, 'runs', f)), ...['r.xml', 's.md', 'github.md'].map((f) => join(home, f))]
    expect(files.filter((file) => existsSync(file))).to.have.length.greaterThan(4)
    for (const text of [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.to.contain(secret)
    }
  })

  describe('through the fault proxy', () => {
    const faults = faultProxyInFrontOfMoto()
    afterEach(() => {
      faults.proxy.release()
      faults.proxy.clear()
    })

    it('stops at Ctrl-C on a terminal while a step waits on AWS: exit 130, everything the run made undone, the journal interrupted', async function () {
      this.timeout(60_000)
      expect((await opsctl(['tenant', 'init', '--poll-interval', '1'])).code).to.equal(0)
      await createShard('jira-eu-1', 'jira', 'eu-central-1', 10)
      // The tenant, its site and its first parameters are made; the next parameter hangs at the proxy.
      faults.proxy.inject({operation: 'PutParameter'}, 'hang')
      const terminal = onTerminal(
        ['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU', '--secret', 'smtp-password=ctrl-c-canary-7'],
        {
          env: faults.env,
        },
      )
      await faults.proxy.nextRequest({operation: 'PutParameter'})
      terminal.pressCtrlC()
      expect(await terminal.exited, terminal.screen).to.equal(130)
      expect(terminal.screen).to.contain('Interrupted by SIGINT').and.not.to.contain('ctrl-c-canary-7')
      const runs = join(process.env.OPSCTL_HOME!, 'runs')
      const record = readdirSync(runs)
        .map((f) => JSON.parse(readFileSync(join(runs, f), 'utf8')))
        .find((r) => r.workflow === 'tenant-provision')
      expect(record.status).to.equal('interrupted')
      expect(record.steps.filter((s: {undo?: {status: string}}) => s.undo).map((s: {undo: {status: string}}) => s.undo.status))
        .to.include('succeeded')
        .and.not.to.include('failed')
      expect((await tenantEstate(['eu-central-1'])).filter((i) => !i.startsWith('SHARD#'))).to.deep.equal([])
    })

    it('keeps the provisioned tenant, its events in the outbox, and --resume delivers each of them once', async function () {
      this.timeout(60_000)
      expect((await opsctl(['tenant', 'init', '--poll-interval', '1'])).code).to.equal(0)
      await createShard('jira-eu-1', 'jira', 'eu-central-1', 10)
      const eventbridge = new EventBridgeClient({})
      await eventbridge.send(new CreateEventBusCommand({Name: 'tenants'}))
      const args = ['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU', '--event-bus', 'tenants']
      // The bus is there for the checks, and gone by the time the events are sent.
      faults.proxy.inject({operation: 'PutEvents'}, 'hang')
      const gone = faults.proxy.nextRequest({operation: 'PutEvents'}).then(async () => {
        await eventbridge.send(new DeleteEventBusCommand({Name: 'tenants'}))
        faults.proxy.release()
      })
      const failed = await opsctl(args, {env: faults.env})
      await gone
      expect(failed.code, failed.stderr).to.equal(1)
      expect(failed.stderr).to.match(
        /^Error: The events of tenant acme could not be delivered to bus tenants \(Event bus tenants does not exist\); they wait in the outbox for --resume or "opsctl tenant events acme --deliver"\. See "opsctl runs show (\S+)"; resume with --resume \1\.$/m,
      )
      const estate = await tenantEstate(['eu-central-1'])
      expect(estate).to.include('TENANT#acme CONTEXT v7 active')

      await eventbridge.send(new CreateEventBusCommand({Name: 'tenants'}))
      const queue = await tenantEventQueue('tenants')
      const runId = /--resume (\S+)\./.exec(failed.stderr)![1]
      const resumed = await opsctl([...args, '--resume', runId], {env: faults.env})
      expect(resumed.code, resumed.stderr).to.equal(0)
      expect((await queue.drain()).map((e) => e['detail-type']).sort()).to.deep.equal(['Product Activated', 'Tenant Created'])
      expect(await tenantEstate(['eu-central-1'])).to.deep.equal(estate)
    })
  })
})
