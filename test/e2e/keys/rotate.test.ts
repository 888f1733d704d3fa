import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DisableKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {faultProxyInFrontOfMoto} from '../../support/fault-suite.js'
import {createKey, onDemandRotations, putTenantDataKey, writtenForms} from '../../support/keys.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {initTenantStore} from '../../support/tenants.js'

const keyIdOf = (arn: string) => arn.split('/').pop()!

/** An opsctl refusal: exit 2, one line on stderr that is one sentence, and the key not rotated. */
async function expectRefused(result: CliResult, message: string | RegExp, keyArn?: string): Promise<void> {
  expect(result.code, result.stderr).to.equal(2)
  const [line, ...rest] = result.stderr.trim().split('\n')
  expect(rest, result.stderr).to.deep.equal([])
  if (typeof message === 'string') expect(line).to.equal(`Error: ${message}`)
  else expect(line).to.match(message)
  if (keyArn) expect(await onDemandRotations(keyArn)).to.equal(0)
}

describe('opsctl key rotate (e2e)', function () {
  this.timeout(60_000)

  it('rotates the key, verifies the canaries and tenant data keys, and shows no plaintext anywhere, in every output mode', async () => {
    await initTenantStore()
    const key = await createKey()
    const dataKey = new TextEncoder().encode('acme-jira-data-key-plaintext-32b')
    await putTenantDataKey('acme', 'jira', key, dataKey)
    const home = process.env.OPSCTL_HOME!
    const files = {junit: join(home, 'r.xml'), summary: join(home, 's.md'), github: join(home, 'github.md')}
    const env = {GITHUB_STEP_SUMMARY: files.github}

    const json = await opsctl(['key', 'rotate', key, '--yes', '--json', '--enable-automatic', '--period-days', '180'], {env})
    expect(json.code, json.stderr).to.equal(0)
    expectMatchesSchema(parseJson(json), 'key-rotate')
    const {outcome} = parseJson(json).result
    expect(outcome.verified).to.deep.equal({canaries: 3, canariesFailed: 0, tenantDataKeys: 1, tenantDataKeysFailed: 0, newCanaryRoundTrip: true})
    expect(outcome.keyMaterialAfter.onDemandRotations).to.equal(1)
    expect(outcome.automaticRotation).to.include({enabled: true, requestedPeriodDays: 180})

    const plain = await opsctl(['key', 'rotate', key, '--yes', '--junit', files.junit, '--summary', files.summary], {env})
    expect(plain.code, plain.stderr).to.equal(0)
    expect(plain.stdout).to.match(/Decrypted after the rotation: 3 of 3 canaries, 1 of 1 tenant data keys; new canary round trip ok\./)
    expect(await onDemandRotations(key)).to.equal(2)

    const runs = join(home, 'runs')
    const shown = await opsctl(['runs', 'show', parseJson(json).result.runId])
    const written = [
      ...[json, plain, shown].flatMap((r) => [r.stdout, r.stderr]),
      ...readdirSync(runs).map((f) => readFileSync(join(runs, f), 'utf8')),
      ...Object.values(files).map((f) => readFileSync(f, 'utf8')),
    ]
    expect(existsSync(files.github)).to.equal(true)
    for (const text of written) for (const form of writtenForms(dataKey)) expect(text).not.to.contain(form)
  })

  it('refuses without a terminal and without --yes, before anything changes', async () => {
    const key = await createKey()
    await expectRefused(await opsctl(['key', 'rotate', key]), /--yes/, key)
  })

  it('refuses an unknown key, saying how to find it', async () => {
    await expectRefused(
      await opsctl(['key', 'rotate', 'alias/no-such-key', '--yes']),
      'No KMS key alias/no-such-key in us-east-1; check the key id, ARN or alias with "aws kms list-aliases --region us-east-1" or pass --region.',
    )
  })

  it('refuses a disabled key, saying how to enable it', async () => {
    const key = await createKey()
    await new KMSClient({}).send(new DisableKeyCommand({KeyId: keyIdOf(key)}))
    await expectRefused(
      await opsctl(['key', 'rotate', key, '--yes']),
      `KMS key ${key} is Disabled, not Enabled; enable it ("aws kms enable-key --key-id ${keyIdOf(key)}") before rotating it.`,
      key,
    )
  })

  it('refuses an HMAC key', async () => {
    const key = await createKey({KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC'})
    await expectRefused(
      await opsctl(['key', 'rotate', key, '--yes']),
      /^Error: KMS key .* is a HMAC_256 key for GENERATE_VERIFY_MAC, which KMS cannot rotate on demand/,
      key,
    )
  })

  for (const period of ['89', '2561']) {
    it(`refuses --period-days ${period} before any AWS call`, async () => {
      const result = await opsctl(['key', 'rotate', 'alias/tenant-shards', '--yes', '--enable-automatic', '--period-days', period], {
        env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'},
      })
      await expectRefused(result, `--period-days ${period} is outside 90–2560, the rotation periods KMS accepts; choose a period in that range.`)
    })
  }

  it('refuses a key whose on-demand rotations are spent, with --json the refusal only', async () => {
    const key = await createKey()
    const first = await opsctl(['key', 'rotate', key, '--yes', '--on-demand-limit', '1'])
    expect(first.code, first.stderr).to.equal(0)
    const second = await opsctl(['key', 'rotate', key, '--yes', '--on-demand-limit', '1', '--json'])
    expect(second.code).to.equal(2)
    expect(parseJson(second).error?.code).to.equal('OnDemandRotationsSpent')
    expect(await onDemandRotations(key)).to.equal(1)
  })

  describe('through the fault proxy', () => {
    const faults = faultProxyInFrontOfMoto()
    afterEach(() => faults.proxy.clear())

    it('carries on when the response to RotateKeyOnDemand is lost after KMS applied it', async () => {
      const key = await createKey()
      faults.proxy.inject({operation: 'RotateKeyOnDemand'}, 'reset-after')
      const result = await opsctl(['key', 'rotate', key, '--yes', '--poll-interval', '1', '--json'], {env: faults.env})
      expect(result.code, result.stdout.slice(0, 2000) + result.stderr).to.equal(0)
      expect(faults.proxy.stats().faults['reset-after']).to.equal(1)
      expect(parseJson(result).result.outcome.verified.canaries).to.equal(3)
    })

    it('verifies under throttling, 5xx and resets, as on a bad day at AWS', async () => {
      await initTenantStore()
      const key = await createKey()
      await putTenantDataKey('acme', 'jira', key, new TextEncoder().encode('acme-jira-data-key-plaintext-32b'))
      faults.proxy.setRates({throttle: 0.2, serverError: 0.05, resetBefore: 0.03})
      const result = await opsctl(['key', 'rotate', key, '--yes', '--poll-interval', '1', '--json'], {env: faults.env})
      expect(result.code, result.stdout.slice(0, 2000) + result.stderr).to.equal(0)
      expect(parseJson(result).result.outcome.verified).to.include({canaries: 3, tenantDataKeys: 1, canariesFailed: 0, tenantDataKeysFailed: 0})
    })
  })
})
