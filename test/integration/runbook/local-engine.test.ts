import {fileURLToPath} from 'node:url'

import {DescribeTagsCommand, EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBSnapshotCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'
import type {AwsSession} from '../../../src/lib/aws/session.js'
import {readJournal} from '../../../src/lib/engine/journal.js'
import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {assertRunnableLocally, loadValidRunbook, shippedRunbooksDir} from '../../../src/lib/runbook/load.js'
import {runLocally} from '../../../src/lib/runbook/local-engine.js'
import {resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createDbInstance} from '../../support/rds.js'

const shipped = (name: string) => fileURLToPath(new URL(`../../../runbooks/${name}`, import.meta.url))
const refuse = async (_question: string): Promise<void> => {
  throw new Error('no approval expected')
}

async function run(file: string, given: Record<string, string>, approve = refuse, session?: AwsSession) {
  const runbook = await loadValidRunbook(file)
  await assertRunnableLocally(runbook, [shippedRunbooksDir], {canApprove: true})
  const parameters = resolveParameters(runbook.document!, given)
  return runLocally({runbook, parameters, session: session ?? (await testSession()), approve, clock: new VirtualClock(), documentDirs: [shippedRunbooksDir]})
}

async function runText(text: string, given: Record<string, string> = {}, approve = refuse) {
  const runbook = parseRunbook(text, '/tmp/inline-runbook.yaml')
  const parameters = resolveParameters(runbook.document!, given)
  return runLocally({runbook, parameters, session: await testSession(), approve, clock: new VirtualClock(), documentDirs: [shippedRunbooksDir]})
}

const statuses = (record: {steps: {id: string; status: string}[]}) => Object.fromEntries(record.steps.map((s) => [s.id, s.status]))

describe('runbook local engine (against moto)', () => {
  it('runs the Multi-AZ failover test: asserts, branches on MultiAZ, reboots with failover and records the AZs', async () => {
    await createDbInstance('tenant-shard-001', {MultiAZ: true})
    const {record, exitCode, outputs} = await run(shipped('opsctl-MultiAzFailoverTest.yaml'), {DBInstanceIdentifier: 'tenant-shard-001'})
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(statuses(record)).to.deep.equal({
      'describe-before': 'succeeded',
      'assert-available': 'succeeded',
      'check-multi-az': 'succeeded',
      'not-multi-az': 'skipped',
      'reboot-with-failover': 'succeeded',
      'wait-available': 'succeeded',
      'describe-after': 'succeeded',
    })
    expect(record.steps.find((s) => s.id === 'reboot-with-failover')!.calls.map((c) => c.operation)).to.deep.equal(['RebootDBInstance'])
    expect(outputs['describeBefore.AvailabilityZone']).to.be.a('string').and.not.be.empty
    expect((await readJournal(record.runId)).status).to.equal('succeeded')
  })

  it("takes the Default branch for a single-AZ instance and refuses there (exit 2, as the drill's preflight), without rebooting it", async () => {
    await createDbInstance('single-az-db', {MultiAZ: false})
    const {record, exitCode} = await run(shipped('opsctl-MultiAzFailoverTest.yaml'), {DBInstanceIdentifier: 'single-az-db'})
    // The branch fails the run by looking for an instance that does not exist, before anything was changed.
    expect(exitCode).to.equal(2)
    expect(statuses(record)).to.include({'not-multi-az': 'failed', 'reboot-with-failover': 'skipped'})
  })

  it('runs the restore test beside a protected source and deletes the restored instance', async () => {
    await createDbInstance('tenant-shard-002', {DeletionProtection: true})
    await new RDSClient({}).send(new CreateDBSnapshotCommand({DBInstanceIdentifier: 'tenant-shard-002', DBSnapshotIdentifier: 'nightly-002'}))
    const {record, exitCode, outputs} = await run(shipped('opsctl-RestoreTest.yaml'), {
      DBInstanceIdentifier: 'tenant-shard-002',
      SnapshotIdentifier: 'nightly-002',
      RestoredInstanceIdentifier: 'restore-test-002',
    })
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(outputs['verifyRestored.Engine']).to.equal('postgres')
    expect(outputs['verifyRestored.RestoredAt']).to.match(/^\d{4}-\d\d-\d\dT/)
    const {DBInstances} = await new RDSClient({}).send(new DescribeDBInstancesCommand({}))
    expect(DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['tenant-shard-002'])
  })

  it('jumps to the onFailure step, skips the steps between, and reports the run as failed', async () => {
    const {record, exitCode} = await runText(`
schemaVersion: '0.3'
mainSteps:
  - name: restore
    action: aws:executeAwsApi
    onFailure: step:cleanUp
    inputs: {Service: rds, Api: RestoreDBInstanceFromDBSnapshot, DBInstanceIdentifier: restored, DBSnapshotIdentifier: no-such-snapshot}
  - name: verify
    action: aws:sleep
    inputs: {Duration: PT1S}
  - name: cleanUp
    action: aws:executeAwsApi
    inputs: {Service: sts, Api: GetCallerIdentity}
`)
    expect(exitCode).to.equal(1)
    expect(statuses(record)).to.deep.equal({restore: 'failed', verify: 'skipped', 'clean-up': 'succeeded'})
    expect(record.error!.code).to.equal('DBSnapshotNotFoundFault')
  })

  it('rotates a customer managed KMS key, decrypts the canary made before the rotation after it, and records its rotations', async () => {
    const {KeyMetadata} = await new KMSClient({}).send(new CreateKeyCommand({Description: 'tenant data keys'}))
    const {record, exitCode, outputs} = await run(shipped('opsctl-RotateCustomerKey.yaml'), {KeyId: KeyMetadata!.KeyId!, RotationPeriodInDays: '180'})
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(statuses(record)).to.include({
      'encrypt-canary': 'succeeded',
      'rotate-now': 'succeeded',
      'wait-for-rotation': 'succeeded',
      'decrypt-canary': 'succeeded',
      'enable-rotation': 'succeeded',
      'check-rotation-enabled': 'succeeded',
      'key-not-rotatable': 'skipped',
      'rotation-still-running': 'skipped',
    })
    expect(outputs['describeKey.KeyArn']).to.equal(KeyMetadata!.Arn)
    expect(outputs['decryptCanary.DecryptedUnder']).to.equal(KeyMetadata!.Arn)
    expect(outputs['listRotations.RotationCount']).to.have.length(1)
  })

  it('fails the customer-key rotation, without decrypting, while KMS still reports the rotation under way after ten minutes', async () => {
    const {KeyMetadata} = await new KMSClient({}).send(new CreateKeyCommand({}))
    const session = await testSession()
    // moto finishes a rotation at once; here it never finishes.
    session.client(KMSClient).middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const result: any = await next(args)
        if (context.commandName === 'GetKeyRotationStatusCommand') result.output.OnDemandRotationStartDate = new Date('2026-01-01T00:00:00Z')
        return result
      },
      {step: 'initialize', name: 'rotationNeverEnds'},
    )
    const {record, exitCode} = await run(shipped('opsctl-RotateCustomerKey.yaml'), {KeyId: KeyMetadata!.KeyId!}, refuse, session)
    expect(exitCode).to.equal(1)
    expect(statuses(record)).to.include({'wait-for-rotation': 'succeeded', 'rotation-still-running': 'failed', 'decrypt-canary': 'skipped'})
    expect(record.steps.find((s) => s.id === 'poll-rotation')).to.exist
  })

  it('calls EC2 and SSM through executeAwsApi, loops over instances and tags each, with Type coercion', async () => {
    const ec2 = new EC2Client({})
    const {Instances} = await ec2.send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2}))
    const ids = Instances!.map((i) => i.InstanceId!)
    const {record, exitCode, outputs} = await runText(
      `
schemaVersion: '0.3'
parameters:
  Ids: {type: StringList}
variables:
  Tagged: {type: Integer, default: 0}
mainSteps:
  - name: describe
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: '{{ Ids }}'}
    outputs:
      - {Name: InstanceIds, Selector: '$..InstanceId', Type: StringList}
      - {Name: FirstState, Selector: '$.Reservations[0].Instances[0].State.Name', Type: String}
  - name: putParameter
    action: aws:executeAwsApi
    inputs: {Service: ssm, Api: PutParameter, Name: /opsctl/first, Value: '{{ describe.FirstState }}', Type: String}
    outputs:
      - {Name: Version, Selector: $.Version, Type: Integer}
  - name: tagEach
    action: aws:loop
    inputs:
      Iterators: '{{ describe.InstanceIds }}'
      Steps:
        - name: tagOne
          action: aws:createTags
          inputs:
            ResourceIds: ['{{ tagEach.CurrentIteratorValue }}']
            Tags: [{Key: checked, Value: 'iteration-{{ tagEach.CurrentIteration }}'}]
        - name: count
          action: aws:updateVariable
          inputs: {Name: 'variable:Tagged', Value: '{{ tagEach.CurrentIteration }}'}
  - name: done
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: finish, Variable: '{{ variable:Tagged }}', NumericEquals: 2}
  - name: finish
    action: aws:sleep
    inputs: {Duration: PT1M}
outputs: [describe.InstanceIds, putParameter.Version]
`,
      {Ids: ids.join(',')},
    )
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(outputs['describe.InstanceIds']).to.have.members(ids)
    expect(outputs['putParameter.Version']).to.equal(1)
    const {Tags} = await ec2.send(new DescribeTagsCommand({Filters: [{Name: 'key', Values: ['checked']}]}))
    expect(Tags!.map((t) => `${t.ResourceId}=${t.Value}`)).to.have.members([`${ids[0]}=iteration-1`, `${ids[1]}=iteration-2`])
    expect(record.steps.find((s) => s.id === 'tag-one')!.note).to.equal('ran 2 times')
  })

  it('runs a nested document from runbooks/ with aws:executeAutomation', async () => {
    const {KeyMetadata} = await new KMSClient({}).send(new CreateKeyCommand({}))
    const {record, exitCode} = await runText(
      `
schemaVersion: '0.3'
parameters:
  KeyId: {type: String}
mainSteps:
  - name: rotate
    action: aws:executeAutomation
    inputs:
      DocumentName: opsctl-RotateCustomerKey
      RuntimeParameters: {KeyId: ['{{ KeyId }}']}
`,
      {KeyId: KeyMetadata!.KeyId!},
    )
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(record.steps[0].outputs).to.include({Status: 'Success'})
    expect(JSON.parse(record.steps[0].outputs!.Output as string)['describeKey.KeyArn']).to.equal(KeyMetadata!.Arn)
  })

  it('retries up to maxAttempts, continues past a non-critical failure and succeeds', async () => {
    const {record, exitCode} = await runText(`
schemaVersion: '0.3'
mainSteps:
  - name: missing
    action: aws:executeAwsApi
    maxAttempts: 3
    onFailure: Continue
    inputs: {Service: rds, Api: DescribeDBInstances, DBInstanceIdentifier: nope}
  - name: after
    action: aws:executeAwsApi
    inputs: {Service: sts, Api: GetCallerIdentity}
`)
    expect(exitCode).to.equal(0)
    expect(statuses(record)).to.deep.equal({missing: 'failed', after: 'succeeded'})
    expect(record.steps[0].calls.map((c) => c.error)).to.deep.equal(['DBInstanceNotFoundFault', 'DBInstanceNotFoundFault', 'DBInstanceNotFoundFault'])
  })

  it('asks before aws:approve and stops when approval is refused', async () => {
    const asked: string[] = []
    const {record, exitCode} = await runText(
      `
schemaVersion: '0.3'
mainSteps:
  - name: approve
    action: aws:approve
    inputs: {Approvers: [ops], Message: Fail over prod?}
  - name: after
    action: aws:sleep
    inputs: {Duration: PT1S}
`,
      {},
      async (question) => {
        asked.push(question)
        throw new Error('Cancelled at the confirmation prompt')
      },
    )
    expect(asked).to.deep.equal(['Fail over prod?'])
    expect(exitCode).to.equal(1)
    expect(statuses(record)).to.deep.equal({approve: 'failed', after: 'skipped'})
  })

  it('fails a step at its timeoutSeconds while waiting for a property', async () => {
    await createDbInstance('tenant-shard-004')
    const {record, exitCode} = await runText(`
schemaVersion: '0.3'
mainSteps:
  - name: waitForever
    action: aws:waitForAwsResourceProperty
    timeoutSeconds: 60
    inputs: {Service: rds, Api: DescribeDBInstances, DBInstanceIdentifier: tenant-shard-004, PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: [deleting]}
`)
    expect(exitCode).to.equal(1)
    expect(record.steps[0].error).to.include({code: 'StepTimeout'})
  })

  it('refuses a document with an action only SSM runs before anything runs', async () => {
    const runbook = parseRunbook(
      "schemaVersion: '0.3'\nmainSteps:\n  - name: script\n    action: aws:executeScript\n    inputs: {Runtime: python3.11, Handler: h, Script: x}\n",
      '/tmp/script.yaml',
    )
    const failure = await assertRunnableLocally(runbook, [], {canApprove: true}).catch((e) => e)
    expect(failure).to.include({exitCode: 2, code: 'NotRunnableLocally'})
    expect(failure.message).to.contain('run it with --engine ssm')
  })

  it('refuses, before anything runs, a document that waits for an approval nobody can give', async () => {
    const runbook = parseRunbook(
      "schemaVersion: '0.3'\nmainSteps:\n  - name: gate\n    action: aws:approve\n    inputs: {Approvers: [ops]}\n",
      '/tmp/gate.yaml',
    )
    const failure = await assertRunnableLocally(runbook, [], {canApprove: false}).catch((e) => e)
    expect(failure).to.include({exitCode: 2, code: 'ConfirmationRequired'})
    expect(failure.message).to.equal(
      'Step gate (/tmp/gate.yaml:4) waits for an approval and there is no terminal to ask on; pass --approve to approve it. Nothing was run.',
    )
    expect(await assertRunnableLocally(runbook, [], {canApprove: true})).to.equal(undefined)
  })

  it('refuses a nested document that is not in runbooks/', async () => {
    const runbook = parseRunbook(
      "schemaVersion: '0.3'\nmainSteps:\n  - name: nested\n    action: aws:executeAutomation\n    inputs: {DocumentName: No-Such-Document}\n",
      '/tmp/nested.yaml',
    )
    const failure = await assertRunnableLocally(runbook, [shippedRunbooksDir], {canApprove: true}).catch((e) => e)
    expect(failure).to.include({exitCode: 2, code: 'UnknownDocument'})
  })
})
