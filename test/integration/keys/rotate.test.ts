import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  ConflictException,
  DisabledException,
  DisableKeyCommand,
  InvalidCiphertextException,
  KMSClient,
  LimitExceededException,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms'
import {expect} from 'chai'

import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {type KeyRotateOutcome, keyRotateWorkflow} from '../../../src/lib/keys/rotate.js'
import {type KeyRotateOptions, keyRotateContext, resolveRotateOptions} from '../../../src/lib/keys/rotate-context.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createKey, onDemandRotations, putTenantDataKey, writtenForms} from '../../support/keys.js'
import {initTenantStore, openTestStore} from '../../support/tenants.js'

/** Answers a KMS call instead of moto, or changes moto's answer: `answer()` sends the call on. */
type Script = (command: string, input: any, answer: () => Promise<any>) => Promise<any>

const defaults = {enableAutomatic: false, onDemandLimit: 25, timeoutSeconds: 600, pollIntervalSeconds: 10}

/** A rotation of `key` through the library workflow, on a virtual clock, with KMS calls passing through `script`. */
async function rotate(key: string, options: Partial<KeyRotateOptions> & {script?: Script; clock?: VirtualClock} = {}) {
  const {script, clock = new VirtualClock(), ...flags} = options
  const rotateOptions = resolveRotateOptions({...defaults, key, ...flags})
  const context = await keyRotateContext(await testSession(), rotateOptions, await openTestStore())
  if (script) {
    context.kms.middlewareStack.add((next: any, ctx: any) => (args: any) => script(ctx.commandName.replace(/Command$/, ''), args.input, () => next(args)), {
      step: 'initialize',
      name: 'kmsScript',
    })
  }
  const run = await runWorkflow({workflow: keyRotateWorkflow(rotateOptions), context, parameters: {...rotateOptions}, clock, reporter: silentReporter})
  const status = (id: string) => run.record.steps.find((s) => s.id === id)?.status
  return {...run, outcome: run.record.outcome as KeyRotateOutcome | undefined, status}
}

/** moto's DisableKey, ScheduleKeyDeletion and ReplicateKey take a key id, not an ARN. */
const keyIdOf = (arn: string) => arn.split('/').pop()!

/** A KMS error as the SDK raises it. */
const kmsError = (Type: new (o: any) => Error, message: string) => new Type({message, $metadata: {}})

describe('key rotate (against moto)', () => {
  describe('a rotation with its verification', () => {
    it('decrypts after the rotation the canaries and the tenant data keys encrypted before it, and reports the counts', async () => {
      await initTenantStore()
      const key = await createKey()
      const other = await createKey()
      await putTenantDataKey('acme', 'jira', key, new TextEncoder().encode('acme jira data key, 32 bytes!!!'))
      await putTenantDataKey('globex', 'confluence', key, new TextEncoder().encode('globex confluence data key 32b!!'))
      await putTenantDataKey('initech', 'jira', other, new TextEncoder().encode('initech jira data key under other'))

      const {exitCode, record, outcome} = await rotate(key)

      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect(record.objective).to.deep.equal({met: true, missed: []})
      expect(outcome!.keyArn).to.equal(key)
      expect(outcome!.verified).to.deep.equal({canaries: 3, canariesFailed: 0, tenantDataKeys: 2, tenantDataKeysFailed: 0, newCanaryRoundTrip: true})
      expect(outcome!.keyMaterialBefore.onDemandRotations).to.equal(0)
      expect(outcome!.keyMaterialAfter.onDemandRotations).to.equal(1)
      expect(outcome!.rotationDate).to.equal(outcome!.keyMaterialAfter.latestRotation!.rotationDate)
      expect(outcome!.failures).to.deep.equal([])
      expect(await onDemandRotations(key)).to.equal(1)
    })

    it('names the key by its alias, and counts no tenant data key when there is no tenant table', async () => {
      const key = await createKey()
      const {CreateAliasCommand} = await import('@aws-sdk/client-kms')
      await new KMSClient({}).send(new CreateAliasCommand({AliasName: 'alias/tenant-shards', TargetKeyId: key}))
      const {exitCode, outcome} = await rotate('alias/tenant-shards')
      expect(exitCode).to.equal(ExitCode.Success)
      expect(outcome!.keyArn).to.equal(key)
      expect(outcome!.verified.tenantDataKeys).to.equal(0)
      expect(outcome!.verified.canaries).to.equal(3)
    })

    it('waits on the injected clock while KMS reports the rotation under way, then verifies', async () => {
      const key = await createKey()
      let pollsLeft = 3
      const script: Script = async (command, _input, answer) => {
        const result = await answer()
        const rotating = command === 'GetKeyRotationStatus' && pollsLeft > 0 && (await onDemandRotations(key)) > 0
        if (rotating) {
          pollsLeft--
          result.output.OnDemandRotationStartDate = new Date('2026-01-01T00:00:00Z')
        }
        return result
      }
      const clock = new VirtualClock()
      const start = clock.now()
      const {exitCode, record} = await rotate(key, {script, clock, pollIntervalSeconds: 20})
      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect(clock.now() - start).to.equal(3 * 20_000)
      expect(record.metrics.rotationSeconds).to.equal(60)
    })

    it('carries on when RotateKeyOnDemand, sent again after its response was lost, meets its own rotation (ConflictException)', async () => {
      const key = await createKey()
      const script: Script = async (command, _input, answer) => {
        if (command !== 'RotateKeyOnDemand') return answer()
        await answer()
        throw kmsError(ConflictException, 'An on-demand rotation is already in progress.')
      }
      const {exitCode, record} = await rotate(key, {script})
      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect(record.steps.find((s) => s.id === 'rotate-on-demand')?.outputs).to.include({alreadyRequested: true})
      expect(await onDemandRotations(key)).to.equal(1)
    })

    it('fails with exit 1 at --timeout while the rotation is still under way, saying it may still finish', async () => {
      const key = await createKey()
      const script: Script = async (command, _input, answer) => {
        const result = await answer()
        if (command === 'GetKeyRotationStatus' && (await onDemandRotations(key)) > 0) result.output.OnDemandRotationStartDate = new Date()
        return result
      }
      const {exitCode, record, status} = await rotate(key, {script, timeoutSeconds: 120, pollIntervalSeconds: 30})
      expect(exitCode).to.equal(ExitCode.WorkflowFailed)
      expect(record.error).to.deep.equal({
        code: 'RotationTimeout',
        message: `KMS key ${key} had not finished rotating after 120 s (--timeout); the rotation may still finish on its own: see "aws kms get-key-rotation-status --key-id ${key}".`,
      })
      expect(status('rotate-on-demand')).to.equal('succeeded')
      expect(status('verify-old-ciphertexts')).to.equal('pending')
    })

    it('misses its objective (exit 4) when a ciphertext made before the rotation no longer decrypts, listing it', async () => {
      await initTenantStore()
      const key = await createKey()
      const wrapped = await putTenantDataKey('acme', 'jira', key, new TextEncoder().encode('acme jira data key, 32 bytes!!!'))
      const script: Script = async (command, input, answer) => {
        if (command === 'Decrypt' && Buffer.from(input.CiphertextBlob).toString('base64') === wrapped)
          throw kmsError(InvalidCiphertextException, 'The ciphertext is invalid.')
        return answer()
      }
      const {exitCode, record, outcome} = await rotate(key, {script})
      expect(exitCode).to.equal(ExitCode.ObjectiveMissed)
      const failure = 'data key of tenant acme (jira): InvalidCiphertextException: The ciphertext is invalid.'
      expect(outcome!.failures).to.deep.equal([failure])
      expect(outcome!.verified).to.include({canaries: 3, tenantDataKeys: 0, tenantDataKeysFailed: 1})
      expect(record.objective).to.deep.equal({met: false, missed: [`1 ciphertext(s) did not decrypt after the rotation: ${failure}`]})
    })

    it('turns automatic rotation on with the period asked for, and reports the period and next date KMS gives', async () => {
      const key = await createKey()
      const sent: any[] = []
      const script: Script = async (command, input, answer) => {
        if (command === 'EnableKeyRotation') sent.push(input)
        const result = await answer()
        if (command === 'GetKeyRotationStatus' && sent.length > 0)
          Object.assign(result.output, {RotationPeriodInDays: 180, NextRotationDate: new Date('2027-06-01T00:00:00Z')})
        return result
      }
      const {exitCode, outcome} = await rotate(key, {script, enableAutomatic: true, periodDays: 180})
      expect(exitCode).to.equal(ExitCode.Success)
      expect(sent).to.deep.equal([{KeyId: key, RotationPeriodInDays: 180}])
      expect(outcome!.automaticRotation).to.deep.equal({enabled: true, requestedPeriodDays: 180, periodDays: 180, nextRotationDate: '2027-06-01T00:00:00.000Z'})
    })

    it('keeps no canary plaintext nor tenant data key plaintext in the run record or the journal', async () => {
      await initTenantStore()
      const key = await createKey()
      const dataKey = new TextEncoder().encode('a tenant data key nobody may see')
      await putTenantDataKey('acme', 'jira', key, dataKey)
      const plaintexts: Uint8Array[] = [dataKey]
      const script: Script = async (command, input, answer) => {
        if (command === 'Encrypt') plaintexts.push(input.Plaintext)
        return answer()
      }
      const {exitCode, record} = await rotate(key, {script})
      expect(exitCode).to.equal(ExitCode.Success)
      expect(plaintexts).to.have.length(5) // three canaries before, one after, and the data key
      const runs = join(process.env.OPSCTL_HOME!, 'runs')
      const written = [JSON.stringify(record), ...readdirSync(runs).map((f) => readFileSync(join(runs, f), 'utf8'))].join('\n')
      for (const form of plaintexts.flatMap(writtenForms)) expect(written).not.to.contain(form)
    })
  })

  describe('refusals: exit 2, one sentence, nothing rotated', () => {
    async function expectRefused(key: string, code: string, message: RegExp | string, options: Parameters<typeof rotate>[1] = {}) {
      const {exitCode, record, status} = await rotate(key, options)
      expect(exitCode, record.error?.message).to.equal(ExitCode.Usage)
      expect(record.error?.code).to.equal(code)
      if (typeof message === 'string') expect(record.error?.message).to.equal(message)
      else expect(record.error?.message).to.match(message)
      expect(record.error?.message.split(/\.\s/)).to.have.length(1)
      expect(status('encrypt-canaries')).to.be.oneOf(['pending', undefined])
      expect(status('rotate-on-demand')).to.equal('pending')
      return record
    }

    it('refuses a key that does not exist', async () => {
      await expectRefused(
        'alias/no-such-key',
        'NotFound',
        'No KMS key alias/no-such-key in us-east-1; check the key id, ARN or alias with "aws kms list-aliases --region us-east-1" or pass --region.',
      )
    })

    it('refuses an AWS managed key', async () => {
      const key = await createKey()
      const script: Script = async (command, _input, answer) => {
        const result = await answer()
        if (command === 'DescribeKey') result.output.KeyMetadata.KeyManager = 'AWS'
        return result
      }
      await expectRefused(
        key,
        'KmsKeyNotCustomerManaged',
        `KMS key ${key} is an AWS managed key, which AWS rotates itself; opsctl rotates only customer managed keys.`,
        {script},
      )
    })

    for (const [kind, input] of [
      ['an asymmetric key', {KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT'}],
      ['an HMAC key', {KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC'}],
    ] as const) {
      it(`refuses ${kind}`, async () => {
        const key = await createKey(input)
        await expectRefused(
          key,
          'KmsKeyNotSymmetric',
          new RegExp(`^KMS key ${key} is a ${input.KeySpec} key for ${input.KeyUsage}, which KMS cannot rotate on demand`),
        )
      })
    }

    it('refuses a key pending deletion, saying how to cancel it', async () => {
      const key = await createKey()
      await new KMSClient({}).send(new ScheduleKeyDeletionCommand({KeyId: keyIdOf(key), PendingWindowInDays: 7}))
      await expectRefused(
        key,
        'KmsKeyPendingDeletion',
        /is pending deletion on .*; cancel the deletion \("aws kms cancel-key-deletion --key-id [-0-9a-f]+"\) before rotating it\.$/,
      )
    })

    it('refuses a disabled key, saying how to enable it', async () => {
      const key = await createKey()
      await new KMSClient({}).send(new DisableKeyCommand({KeyId: keyIdOf(key)}))
      await expectRefused(
        key,
        'KmsKeyNotEnabled',
        /^KMS key .* is Disabled, not Enabled; enable it \("aws kms enable-key --key-id [-0-9a-f]+"\) before rotating it\.$/,
      )
    })

    it('refuses a key in a custom key store', async () => {
      const key = await createKey()
      const script: Script = async (command, _input, answer) => {
        const result = await answer()
        if (command === 'DescribeKey') Object.assign(result.output.KeyMetadata, {Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1234567890abcdef0'})
        return result
      }
      await expectRefused(key, 'KmsKeyInCustomKeyStore', /is in custom key store cks-1234567890abcdef0, whose key material KMS cannot rotate/, {script})
    })

    it('refuses the replica of a multi-Region key, naming its primary', async () => {
      const primary = await createKey({MultiRegion: true})
      const {ReplicaKeyMetadata} = await new KMSClient({}).send(new ReplicateKeyCommand({KeyId: keyIdOf(primary), ReplicaRegion: 'eu-west-1'}))
      const replica = ReplicaKeyMetadata!.Arn!
      const options = resolveRotateOptions({...defaults, key: replica})
      const session = (await testSession()).inRegion('eu-west-1')
      const context = await keyRotateContext(session, options, await openTestStore())
      const {exitCode, record} = await runWorkflow({workflow: keyRotateWorkflow(options), context, parameters: {...options}, reporter: silentReporter})
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error).to.deep.equal({
        code: 'KmsKeyIsReplica',
        message: `KMS key ${replica} is a replica of multi-Region key ${primary}; rotate the primary key, which rotates every replica.`,
      })
    })

    it('refuses a key whose on-demand rotations are spent (--on-demand-limit)', async () => {
      const key = await createKey()
      for (let n = 0; n < 2; n++) await new KMSClient({}).send(new RotateKeyOnDemandCommand({KeyId: key}))
      await expectRefused(
        key,
        'OnDemandRotationsSpent',
        `KMS key ${key} has been rotated on demand 2 times, its limit of 2 (--on-demand-limit); rely on automatic rotation ("aws kms enable-key-rotation --key-id ${key}") instead.`,
        {onDemandLimit: 2},
      )
      expect(await onDemandRotations(key)).to.equal(2)
    })

    it('refuses a key already rotating', async () => {
      const key = await createKey()
      const script: Script = async (command, _input, answer) => {
        const result = await answer()
        if (command === 'GetKeyRotationStatus') result.output.OnDemandRotationStartDate = new Date('2026-01-01T00:00:00Z')
        return result
      }
      await expectRefused(key, 'KeyRotationInProgress', /is already rotating on demand \(since 2026-01-01T00:00:00.000Z\)/, {script})
    })

    for (const [kms, Type, code, message] of [
      ['LimitExceededException', LimitExceededException, 'LimitExceeded', 'has no on-demand rotation left'],
      ['DisabledException', DisabledException, 'Disabled', 'is disabled; enable it'],
    ] as const) {
      it(`turns KMS's ${kms} on RotateKeyOnDemand into a refusal: exit 2, nothing rotated`, async () => {
        const key = await createKey()
        const script: Script = async (command, _input, answer) => {
          if (command === 'RotateKeyOnDemand') throw kmsError(Type, 'refused by the test')
          return answer()
        }
        const {exitCode, record, status} = await rotate(key, {script})
        expect(exitCode).to.equal(ExitCode.Usage)
        expect(record.error?.code).to.equal(code)
        expect(record.error?.message).to.contain(`KMS key ${key} ${message}`)
        expect(status('rotate-on-demand')).to.equal('failed')
        expect(await onDemandRotations(key)).to.equal(0)
      })
    }

    it('refuses a --period-days outside 90–2560, and one without --enable-automatic, before any call', () => {
      for (const periodDays of [89, 2561]) {
        expect(() => resolveRotateOptions({...defaults, key: 'k', enableAutomatic: true, periodDays})).to.throw(
          `--period-days ${periodDays} is outside 90–2560, the rotation periods KMS accepts; choose a period in that range.`,
        )
      }
      expect(() => resolveRotateOptions({...defaults, key: 'k', periodDays: 180})).to.throw('pass it with --enable-automatic')
    })
  })
})
