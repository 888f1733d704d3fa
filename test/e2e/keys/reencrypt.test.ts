import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateAliasCommand, CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {createShard, HOME_REGION, initTenantStore, openTestStore, provisionTenant} from '../../support/tenants.js'

/** The shard's KMS key gets the alias alias/shard-old, a new key alias/shard-new. */
async function keysToMoveBetween(): Promise<void> {
  const kms = new KMSClient({region: HOME_REGION})
  const {DBInstances} = await new RDSClient({region: HOME_REGION}).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'jira-us-1'}))
  await kms.send(new CreateAliasCommand({AliasName: 'alias/shard-old', TargetKeyId: DBInstances![0].KmsKeyId!.split('/')[1]}))
  const {KeyMetadata} = await kms.send(new CreateKeyCommand({}))
  await kms.send(new CreateAliasCommand({AliasName: 'alias/shard-new', TargetKeyId: KeyMetadata!.KeyId!}))
}

describe('key reencrypt (e2e)', function () {
  this.timeout(120_000)

  beforeEach(async () => {
    await initTenantStore()
    await createShard('jira-us-1', 'jira', HOME_REGION, 10)
    await provisionTenant({tenantId: 'acme', products: ['jira'], residency: 'US'})
    await keysToMoveBetween()
  })

  it('counts in a dry run, then re-wraps with --json matching the schema; no wrapped or plain key in any output', async () => {
    const home = process.env.OPSCTL_HOME!
    const plan = await opsctl(['key', 'reencrypt', '--from', 'alias/shard-old', '--to', 'alias/shard-new', '--dry-run'])
    expect(plan.code, plan.stderr).to.equal(0)
    expect(plan.stdout).to.contain('1 data key(s) wrapped under')
    const run = await opsctl([
      'key',
      'reencrypt',
      '--from',
      'alias/shard-old',
      '--to',
      'alias/shard-new',
      '--json',
      '--junit',
      join(home, 'r.xml'),
      '--summary',
      join(home, 's.md'),
    ])
    const envelope = parseJson(run)
    expectMatchesSchema(envelope, 'key-reencrypt')
    expect(envelope.result.outcome).to.include({dataKeys: 1, reencrypted: 1})
    const plain = await opsctl(['key', 'reencrypt', '--from', 'alias/shard-old', '--to', 'alias/shard-new'])
    expect(plain.stdout).to.match(
      /0 data key\(s\) re-wrapped from arn:aws:kms:us-east-1:\d+:key\/\S+ to arn:aws:kms:us-east-1:\d+:key\/\S+ \(run \S+\); \S+ is unchanged\./,
    )
    const item = (await (await openTestStore()).getItem<{wrappedKey: string; previousWrappedKey: string}>({pk: 'TENANT#acme', sk: 'DATAKEY#jira'}))!
    const files = [...readdirSync(join(home, 'runs')).map((f) => join(home, 'runs', f)), join(home, 'r.xml'), join(home, 's.md')].filter((f) => existsSync(f))
    for (const text of [plan.stdout, plan.stderr, run.stdout, run.stderr, plain.stdout, ...files.map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.to.contain(item.wrappedKey)
      expect(text).not.to.contain(item.previousWrappedKey)
    }
  })

  const moving = ['--from', 'alias/shard-old', '--to', 'alias/shard-new']
  for (const [what, args, message] of [
    ['a tenant id that is not one', [...moving, '--tenant', 'ACME'], /^Error: "ACME" is not a tenant id/],
    ['a tenant that does not exist', [...moving, '--tenant', 'globex'], /^Error: There is no tenant globex in opsctl-tenants/],
    ['an empty --from', ['--from', ' ', '--to', 'alias/shard-new'], /^Error: --from is empty; name a KMS key by its id, ARN, alias name or alias ARN\.$/],
    ['a missing --to', ['--from', 'alias/shard-old'], /^Error: --to is required; run "opsctl key reencrypt --help"/],
  ] as const) {
    it(`refuses ${what} with exit 2 and one sentence`, async () => {
      const result = await opsctl(['key', 'reencrypt', ...args])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr.trim()).to.match(message)
      expect(result.stderr.trim().split('\n')).to.have.length(1)
    })
  }
})
