import {CreateKeyCommand, DecryptCommand, DisableKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {newRunId} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {Step} from '../../../src/lib/engine/types.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {type ReencryptContext, type ReencryptRequest, reencryptWorkflow} from '../../../src/lib/keys/reencrypt.js'
import {dataKeyKey, type WrappedDataKey} from '../../../src/lib/tenants/store.js'
import {testSession} from '../../support/aws.js'
import {createShard, HOME_REGION, initTenantStore, openTestStore, provisionTenant, tenantEstate} from '../../support/tenants.js'

const kms = () => new KMSClient({region: HOME_REGION})

async function reencrypt(request: ReencryptRequest, workflow = reencryptWorkflow, options: {dryRun?: boolean} = {}) {
  const runId = newRunId()
  return runWorkflow({
    workflow,
    context: {session: await testSession(runId), store: await openTestStore(), request},
    parameters: {...request},
    runId,
    dryRun: options.dryRun,
  })
}

const shardKeyArn = async (shard: string) =>
  (await new RDSClient({region: HOME_REGION}).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: shard}))).DBInstances![0].KmsKeyId!

const newKey = async (spec: {KeySpec?: 'RSA_2048'; KeyUsage?: 'SIGN_VERIFY'} = {}) => (await kms().send(new CreateKeyCommand(spec))).KeyMetadata!.Arn!

const dataKey = async (tenantId: string) => (await (await openTestStore()).getItem<WrappedDataKey>(dataKeyKey(tenantId, 'jira')))!

/** The data key decrypts under the key with its encryption context (moto checks both). */
const decrypts = async (item: WrappedDataKey, keyId: string) =>
  kms()
    .send(new DecryptCommand({CiphertextBlob: Buffer.from(item.wrappedKey, 'base64'), EncryptionContext: item.encryptionContext, KeyId: keyId}))
    .then((r) => r.Plaintext!.length === 32)

describe('key reencrypt (against moto)', () => {
  let from: string

  beforeEach(async function () {
    this.timeout(60_000)
    await initTenantStore()
    await createShard('jira-us-1', 'jira', HOME_REGION, 10)
    from = await shardKeyArn('jira-us-1')
    for (const tenantId of ['acme', 'globex', 'initech']) await provisionTenant({tenantId, products: ['jira'], residency: 'US'})
  })

  it('re-wraps every data key under the destination, each still the same data key, and keeps the former wrapping; the source key is untouched', async () => {
    const to = await newKey()
    const before = await dataKey('acme')
    const {exitCode, record} = await reencrypt({from, to})
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(record.outcome).to.deep.include({fromArn: from, toArn: to, dataKeys: 3, reencrypted: 3, alreadyDone: 0, changedMeanwhile: 0})
    const after = await dataKey('acme')
    expect(after).to.include({keyArn: to, previousKeyArn: from, previousWrappedKey: before.wrappedKey})
    expect(await decrypts(after, to)).to.equal(true)
    // The same data key under both wrappings: what it encrypted still decrypts.
    const plaintexts = await Promise.all(
      [
        [before, from],
        [after, to],
      ].map(([item, key]) =>
        kms().send(
          new DecryptCommand({
            CiphertextBlob: Buffer.from((item as WrappedDataKey).wrappedKey, 'base64'),
            EncryptionContext: (item as WrappedDataKey).encryptionContext,
            KeyId: key as string,
          }),
        ),
      ),
    )
    expect(Buffer.from(plaintexts[0].Plaintext!).equals(Buffer.from(plaintexts[1].Plaintext!))).to.equal(true)
    // Running again finds nothing left under the source.
    expect((await reencrypt({from, to})).record.outcome).to.deep.include({dataKeys: 0, reencrypted: 0})
  })

  it('re-wraps only the named tenant, and a dry run changes nothing', async () => {
    const to = await newKey()
    const estate = await tenantEstate([HOME_REGION])
    const plan = await reencrypt({from, to, tenantId: 'globex'}, reencryptWorkflow, {dryRun: true})
    expect(plan.record.status).to.equal('planned')
    expect(plan.record.steps[0].outputs?.dataKeys).to.have.length(1)
    expect(await tenantEstate([HOME_REGION])).to.deep.equal(estate)
    expect((await reencrypt({from, to, tenantId: 'globex'})).record.outcome).to.deep.include({reencrypted: 1})
    expect((await dataKey('globex')).keyArn).to.equal(to)
    expect((await dataKey('acme')).keyArn).to.equal(from)
  })

  it('continues where a failed run stopped: the keys done are skipped, none is wrapped twice', async () => {
    const to = await newKey()
    let calls = 0
    // The step fails after the first data key: the store then holds one key under the destination.
    const flaky: Step<ReencryptContext, object> = {
      ...reencryptWorkflow.steps[1],
      async run(ctx, io) {
        const store = ctx.store
        const first = store.rewrapDataKey.bind(store)
        ctx.store = Object.assign(Object.create(store), {
          rewrapDataKey: async (...args: Parameters<typeof store.rewrapDataKey>) => {
            if (++calls > 1) throw new Error('connection reset')
            return first(...args)
          },
        })
        return reencryptWorkflow.steps[1].run(ctx, io)
      },
    }
    const failed = await reencrypt({from, to}, {...reencryptWorkflow, steps: [reencryptWorkflow.steps[0], flaky]})
    expect(failed.exitCode).to.equal(ExitCode.WorkflowFailed)
    const {record} = await reencrypt({from, to})
    expect(record.outcome).to.deep.include({dataKeys: 2, reencrypted: 2})
    for (const tenant of ['acme', 'globex', 'initech']) expect((await dataKey(tenant)).keyArn).to.equal(to)
  })

  for (const [what, destination, message] of [
    ['the same key', async () => from, /^--from and --to are the same KMS key/],
    ['an unknown key', async () => 'alias/no-such-key', /^No KMS key alias\/no-such-key in us-east-1/],
    [
      'an asymmetric key',
      () => newKey({KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY'}),
      /is a RSA_2048 key for SIGN_VERIFY, but opsctl encrypts only with symmetric encryption keys/,
    ],
    [
      'a disabled key',
      async () => {
        const arn = await newKey()
        // moto's DisableKey takes the key id, not the ARN.
        await kms().send(new DisableKeyCommand({KeyId: arn.split('/')[1]}))
        return arn
      },
      /is Disabled, not Enabled, in us-east-1; enable it or choose another --to\.$/,
    ],
  ] as const) {
    it(`refuses ${what} as the destination with exit 2 before any change`, async () => {
      const estate = await tenantEstate([HOME_REGION])
      const {exitCode, record} = await reencrypt({from, to: await destination()})
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.match(message)
      expect(await tenantEstate([HOME_REGION])).to.deep.equal(estate)
    })
  }
})
