import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateAliasCommand, DescribeKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import type {RunRecord} from '../../../../src/lib/engine/types.js'
import {resetMoto} from '../../../../src/lib/sandbox/moto-server.js'
import {killWhen, opsctl, parseJson} from '../../../support/cli.js'
import {createWrappingKey, dataKeyEstate, seedDataKeys} from '../../../support/data-keys.js'
import type {Fault} from '../../../support/fault-proxy.js'
import {faultProxyInFrontOfMoto} from '../../../support/fault-suite.js'
import {testEnv} from '../../../support/hooks.js'
import {createKey, onDemandRotations} from '../../../support/keys.js'
import {createDbInstance} from '../../../support/rds.js'
import {createShard, initTenantStore, provisionTenant, tenantEstate, tenantEventQueue} from '../../../support/tenants.js'

const rds = () => new RDSClient({})

/** What a recovery workflow leaves in the account: instances (with deletion protection) and manual snapshots. */
async function rdsEstate(): Promise<string[]> {
  const instances = (await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? []
  const snapshots = (await rds().send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))).DBSnapshots ?? []
  return [
    ...instances.map((i) => `instance ${i.DBInstanceIdentifier}${i.DeletionProtection ? ' (protected)' : ''}`),
    ...snapshots.map((s) => `snapshot ${s.DBSnapshotIdentifier}`),
  ].sort()
}

function journal(): RunRecord {
  const dir = join(process.env.OPSCTL_HOME!, 'runs')
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'))
  return JSON.parse(readFileSync(join(dir, file), 'utf8'))
}

interface UndoKill {
  /** The step whose undo is killed, and the request of that undo the kill lands on. */
  step: string
  operation: string
  /** hang: killed before the request is applied; hold-after: killed once it was applied, its response lost. */
  fault: Extract<Fault, 'hang' | 'hold-after'>
}

interface Case {
  workflow: string
  arrange(): Promise<void>
  args: string[]
  undoKills: UndoKill[]
  /** What the run leaves, to compare a killed and resumed run with one never killed (default: RDS instances and snapshots). */
  estate?(): Promise<string[]>
}

/** The tenant events a run sends, read back through a rule to an SQS queue made for each trial. */
let tenantEvents: Awaited<ReturnType<typeof tenantEventQueue>> | undefined

/** Every tenant item once, every parameter once, every event delivered exactly once. */
const tenantsAndEvents = async () =>
  [...(await tenantEstate(['eu-central-1'])), ...(await tenantEvents!.drain()).map((e) => `event ${e['detail-type']} v${e.detail.contextVersion}`)].sort()

const shard = () => createDbInstance('tenant-shard-001', {StorageEncrypted: true})

const cases: Case[] = [
  {
    workflow: 'snapshot create',
    arrange: shard,
    args: ['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'before-change', '--poll-interval', '1'],
    undoKills: [
      {step: 'create-snapshot', operation: 'DeleteDBSnapshot', fault: 'hang'},
      {step: 'create-snapshot', operation: 'DeleteDBSnapshot', fault: 'hold-after'},
    ],
  },
  {
    workflow: 'snapshot restore',
    async arrange() {
      await shard()
      // Journalled elsewhere: the trial's journal folder holds the run under test alone.
      await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'baseline'], {
        env: {OPSCTL_HOME: join(process.env.OPSCTL_HOME!, '..', 'arrange')},
      })
    },
    args: ['snapshot', 'restore', 'tenant-shard-001', '--snapshot', 'baseline', '--target', 'restored', '--poll-interval', '1'],
    undoKills: [
      {step: 'restore-instance', operation: 'ModifyDBInstance', fault: 'hold-after'},
      {step: 'restore-instance', operation: 'DeleteDBInstance', fault: 'hang'},
      {step: 'restore-instance', operation: 'DeleteDBInstance', fault: 'hold-after'},
    ],
  },
  {
    workflow: 'backup test',
    arrange: shard,
    args: ['backup', 'test', 'tenant-shard-001', '--poll-interval', '1'],
    undoKills: [
      {step: 'restore-instance', operation: 'DeleteDBInstance', fault: 'hang'},
      {step: 'restore-instance', operation: 'DeleteDBInstance', fault: 'hold-after'},
    ],
  },
  {
    workflow: 'tenant provision',
    async arrange() {
      await opsctl(['tenant', 'init'], {env: {OPSCTL_HOME: join(process.env.OPSCTL_HOME!, '..', 'arrange')}})
      await createShard('jira-eu', 'jira', 'eu-central-1', 5)
      tenantEvents = await tenantEventQueue()
    },
    args: ['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU', '--secret', 'smtp-password=kill-canary-1'],
    undoKills: [{step: 'store-configuration', operation: 'DeleteParameters', fault: 'hold-after'}],
    estate: tenantsAndEvents,
  },
  {
    workflow: 'key rotate',
    async arrange() {
      const key = await createKey()
      await new KMSClient({}).send(new CreateAliasCommand({AliasName: 'alias/tenant-shards', TargetKeyId: key}))
    },
    args: ['key', 'rotate', 'alias/tenant-shards', '--yes', '--poll-interval', '1'],
    undoKills: [],
    // One rotation, never two: a resumed run finds the rotation its killed attempt asked for.
    estate: async () => {
      const {KeyMetadata} = await new KMSClient({}).send(new DescribeKeyCommand({KeyId: 'alias/tenant-shards'}))
      return [`on-demand rotations ${await onDemandRotations(KeyMetadata!.Arn!)}`]
    },
  },
  {
    workflow: 'key datakeys rotate',
    async arrange() {
      const home = process.env.OPSCTL_HOME!
      process.env.OPSCTL_HOME = join(home, '..', 'arrange')
      await initTenantStore()
      await seedDataKeys(60, {keyArn: await createWrappingKey(), createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString()})
      process.env.OPSCTL_HOME = home
    },
    args: ['key', 'datakeys', 'rotate', '--all'],
    undoKills: [],
    // Every key once current (its second version) and once decrypt-only: none rotated twice, none lost.
    estate: dataKeyEstate,
  },
  ...(
    [
      ['tenant destroy', ['tenant', 'destroy', 'acme', '--yes']],
      ['tenant license', ['tenant', 'license', 'acme', '--product', 'jira', '--seats', '80', '--inactive']],
    ] as const
  ).map(
    ([workflow, args]): Case => ({
      workflow,
      async arrange() {
        // Journals of the arrangement elsewhere: the trial's folder holds the run under test only.
        const home = process.env.OPSCTL_HOME!
        process.env.OPSCTL_HOME = join(home, '..', 'arrange')
        await initTenantStore()
        await createShard('jira-eu', 'jira', 'eu-central-1', 5)
        await provisionTenant({tenantId: 'acme', products: ['jira'], residency: 'EU'})
        process.env.OPSCTL_HOME = home
        // Only the events of the run under test: the provision's went out before the queue was there.
        tenantEvents = await tenantEventQueue()
      },
      args: [...args],
      undoKills: [],
      estate: async () =>
        [
          ...(await tenantEstate(['eu-central-1'])),
          ...(await tenantEvents!.drain()).map((e) => `event ${e['detail-type']} v${e.detail.contextVersion}`),
        ].sort(),
    }),
  ),
]

/**
 * kill -9 after every step and during every undo, then one --resume: the run finishes, and the account holds
 * exactly what a run that was never killed leaves — nothing made twice, nothing left behind.
 */
describe('kill -9 at every step boundary and during undo, then --resume (e2e)', function () {
  this.timeout(0)
  const faults = faultProxyInFrontOfMoto()
  afterEach(() => {
    faults.proxy.release()
    faults.proxy.clear()
  })

  /** A fresh estate and journal folder for one trial. */
  async function fresh(c: Case): Promise<void> {
    await resetMoto(testEnv.endpoint)
    process.env.OPSCTL_HOME = join(process.env.OPSCTL_HOME!, '..', `home-${Math.random().toString(16).slice(2)}`)
    await c.arrange()
  }

  async function resumeOnce(c: Case): Promise<RunRecord> {
    faults.proxy.release()
    faults.proxy.clear()
    const result = await opsctl([...c.args, '--resume', journal().runId, '--json'], {env: faults.env})
    expect(result.code, `${result.stdout.slice(0, 3000)}\n${result.stderr}`).to.equal(0)
    return parseJson(result).result
  }

  for (const c of cases) {
    it(`${c.workflow}: killed after each step, one resume finishes it with nothing duplicated or left`, async () => {
      await fresh(c)
      const clean = await opsctl([...c.args, '--json'], {env: faults.env})
      expect(clean.code, clean.stderr).to.equal(0)
      const expected = await (c.estate ?? rdsEstate)()
      const steps = parseJson(clean).result.steps.map((s: {id: string}) => s.id) as string[]
      for (const step of steps.slice(0, -1)) {
        await fresh(c)
        // Held a moment at the proxy, the next request is still unapplied when the kill lands.
        faults.proxy.setLatency(150)
        const killed = await opsctl(c.args, {env: faults.env, onSpawn: killWhen(`✔ ${step}:`, 'SIGKILL')})
        expect(killed.code, `killed after ${step}`).to.equal(null)
        const record = await resumeOnce(c)
        expect(record.status, `resumed after a kill after ${step}`).to.equal('succeeded')
        expect(await (c.estate ?? rdsEstate)(), `after a kill after ${step}`).to.deep.equal(expected)
      }
    })

    for (const kill of c.undoKills) {
      it(`${c.workflow}: killed during the undo of ${kill.step} (${kill.operation} ${kill.fault === 'hang' ? 'not yet applied' : 'applied, its response lost'}), one resume finishes it`, async () => {
        await fresh(c)
        await opsctl([...c.args, '--json'], {env: faults.env})
        const expected = await (c.estate ?? rdsEstate)()
        await fresh(c)
        faults.proxy.setLatency(150)
        faults.proxy.inject({operation: kill.operation}, kill.fault, {times: Infinity})
        let pid = 0
        const applied = faults.proxy.nextRequest({operation: kill.operation}).then(() => process.kill(pid, 'SIGKILL'))
        // Ctrl-C right after the step: the run is undone, and the undo is killed at the request.
        const killed = await opsctl(c.args, {
          env: faults.env,
          onSpawn: (p, stdout) => {
            pid = p
            killWhen(`✔ ${kill.step}:`, 'SIGINT')(p, stdout)
          },
        })
        await applied
        expect(killed.code).to.equal(null)
        expect(journal().steps.find((s) => s.id === kill.step)?.undo, 'journalled before it was sent').to.deep.equal({status: 'running'})
        const record = await resumeOnce(c)
        expect(record.status).to.equal('succeeded')
        expect(await (c.estate ?? rdsEstate)()).to.deep.equal(expected)
      })
    }
  }
})
