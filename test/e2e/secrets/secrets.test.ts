import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CreateKeyCommand, DecryptCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateSecretCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {type CliResult, opsctl} from '../../support/cli.js'

/**
 * Canary secrets from each source — a parameter whose name marks it secret, a SecureString read with
 * decryption, a Secrets Manager secret and KMS plaintext (a data key) — searched for in everything opsctl writes: stdout, stderr, journals, runs show, JUnit, the
 * Markdown summary and the GitHub step summary, in every output mode.
 */
describe('secrets never reach output (e2e)', () => {
  const password = 'hunter2-Correct-Horse-Battery'
  const secureString = 'canary-SecureString-7f3a9d1e'
  const managedSecret = 'canary-SecretsManager-40b2c7'
  /** KMS plaintext is bytes, written out as base64 (and hex): its forms are learnt once the run has read it. */
  const plaintexts: string[] = []
  let home: string
  const outputs: string[] = []
  const collect = (...results: CliResult[]) => outputs.push(...results.flatMap((r) => [r.stdout, r.stderr]))

  beforeEach(() => {
    home = process.env.OPSCTL_HOME!
    outputs.length = 0
  })

  function expectNoCanary(): void {
    const runs = join(home, 'runs')
    const files = [
      ...(existsSync(runs) ? readdirSync(runs).map((name) => join(runs, name)) : []),
      ...['r.xml', 's.md', 'github.md'].map((name) => join(home, name)).filter((file) => existsSync(file)),
    ]
    expect(outputs.length + files.length).to.be.greaterThan(2)
    for (const text of [...outputs, ...files.map((file) => readFileSync(file, 'utf8'))]) {
      for (const canary of [password, secureString, managedSecret, ...plaintexts]) expect(text).not.to.contain(canary)
    }
  }

  const document = (file: string, text: string) => {
    writeFileSync(join(home, file), text)
    return join(home, file)
  }

  it('keeps a password parameter out of runs, plans and validation messages, with and without --json', async () => {
    const file = document(
      'secret.yaml',
      `schemaVersion: '0.3'
description: Takes a password and does nothing with it.
parameters:
  DbPassword:
    type: String
    description: The database password.
    allowedPattern: '^[A-Za-z0-9-]{8,64}$'
  DbPasswordRotationDays:
    type: Integer
    default: 30
mainSteps:
  - name: pause
    action: aws:sleep
    inputs: {Duration: PT0S}
  - name: useIt
    action: aws:executeAwsApi
    inputs: {Service: sts, Api: GetCallerIdentity}
    description: 'Would connect with {{ DbPassword }}'
`,
    )
    const env = {GITHUB_STEP_SUMMARY: join(home, 'github.md')}
    const p = ['-p', `DbPassword=${password}`]
    const plain = await opsctl(['runbook', 'run', file, ...p, '--junit', join(home, 'r.xml'), '--summary', join(home, 's.md')], {env})
    const json = await opsctl(['runbook', 'run', file, ...p, '--json'], {env})
    expect(plain.code, plain.stderr).to.equal(0)
    expect(json.code, json.stderr).to.equal(0)
    collect(
      plain,
      json,
      await opsctl(['runs', 'list']),
      await opsctl(['runs', 'list', '--json']),
      await opsctl(['runbook', 'plan', file, ...p]),
      await opsctl(['runbook', 'plan', file, ...p, '--json']),
    )
    const runId = JSON.parse(json.stdout).result.runId
    collect(await opsctl(['runs', 'show', runId]), await opsctl(['runs', 'show', runId, '--json']))
    // Refusals that used to quote the value.
    const badPattern = await opsctl(['runbook', 'run', file, '-p', `DbPassword=${password}!`])
    const notInteger = await opsctl(['runbook', 'run', file, ...p, '-p', `DbPasswordRotationDays=${password}`])
    const noEquals = await opsctl(['runbook', 'run', file, '-p', `DbPassword:${password}`, '--json'])
    for (const refused of [badPattern, notInteger, noEquals]) expect(refused.code).to.equal(2)
    expect(badPattern.stderr).to.match(/^Error: Parameter DbPassword is "\*\*\*", which does not match/)
    collect(badPattern, notInteger, noEquals)
    expectNoCanary()
    expect(
      readdirSync(join(home, 'runs'))
        .map((f) => readFileSync(join(home, 'runs', f), 'utf8'))
        .join(''),
    ).to.contain('"DbPassword": "***"')
  })

  it("keeps a SecureString read with decryption out of step outputs and of a failed assertion's message", async () => {
    await new SSMClient({}).send(new PutParameterCommand({Name: '/tenants/acme/db-password', Type: 'SecureString', Value: secureString}))
    const read = document(
      'read.yaml',
      `schemaVersion: '0.3'
description: Reads a SecureString and checks it.
mainSteps:
  - name: readIt
    action: aws:executeAwsApi
    inputs: {Service: ssm, Api: GetParameter, Name: /tenants/acme/db-password, WithDecryption: true}
    outputs:
      - {Name: Value, Selector: $.Parameter.Value, Type: String}
  - name: checkIt
    action: aws:assertAwsResourceProperty
    inputs:
      Service: ssm
      Api: GetParameter
      Name: /tenants/acme/db-password
      WithDecryption: true
      PropertySelector: $.Parameter.Value
      DesiredValues: [something-else]
outputs: [readIt.Value]
`,
    )
    const env = {GITHUB_STEP_SUMMARY: join(home, 'github.md')}
    const plain = await opsctl(['runbook', 'run', read, '--junit', join(home, 'r.xml'), '--summary', join(home, 's.md')], {env})
    const json = await opsctl(['runbook', 'run', read, '--json'], {env})
    expect(plain.code, plain.stderr).to.equal(1)
    expect(json.code).to.equal(1)
    const runId = JSON.parse(json.stdout).result.runId
    collect(plain, json, await opsctl(['runs', 'show', runId]), await opsctl(['runs', 'show', runId, '--json']))
    expect(JSON.parse(json.stdout).result.steps[0].outputs).to.deep.include({Value: '***'})
    expectNoCanary()
  })

  it("keeps a Secrets Manager secret and a KMS data key's plaintext out of outputs and of failed assertions", async () => {
    await new SecretsManagerClient({}).send(new CreateSecretCommand({Name: 'tenants/acme/db', SecretString: managedSecret}))
    const {KeyMetadata} = await new KMSClient({}).send(new CreateKeyCommand({Description: 'canary data keys'}))
    const read = document(
      'keys.yaml',
      `schemaVersion: '0.3'
description: Reads a managed secret and makes a data key, then checks both against the wrong values.
mainSteps:
  - name: readSecret
    action: aws:executeAwsApi
    inputs: {Service: secretsmanager, Api: GetSecretValue, SecretId: tenants/acme/db}
    outputs:
      - {Name: Secret, Selector: $.SecretString, Type: String}
  - name: makeDataKey
    action: aws:executeAwsApi
    inputs: {Service: kms, Api: GenerateDataKey, KeyId: ${KeyMetadata!.KeyId}, KeySpec: AES_256}
    outputs:
      - {Name: Plaintext, Selector: $.Plaintext, Type: String}
      - {Name: Wrapped, Selector: $.CiphertextBlob, Type: String}
  - name: checkSecret
    action: aws:assertAwsResourceProperty
    onFailure: Continue
    inputs: {Service: secretsmanager, Api: GetSecretValue, SecretId: tenants/acme/db, PropertySelector: $.SecretString, DesiredValues: [something-else]}
  - name: checkKey
    action: aws:assertAwsResourceProperty
    inputs: {Service: kms, Api: GenerateDataKey, KeyId: ${KeyMetadata!.KeyId}, KeySpec: AES_256, PropertySelector: $.Plaintext, DesiredValues: [something-else]}
outputs: [readSecret.Secret, makeDataKey.Plaintext]
`,
    )
    const env = {GITHUB_STEP_SUMMARY: join(home, 'github.md')}
    const plain = await opsctl(['runbook', 'run', read, '--junit', join(home, 'r.xml'), '--summary', join(home, 's.md')], {env})
    const json = await opsctl(['runbook', 'run', read, '--json'], {env})
    expect(plain.code, plain.stderr).to.equal(1)
    expect(json.code).to.equal(1)
    const record = JSON.parse(json.stdout).result
    collect(plain, json, await opsctl(['runs', 'show', record.runId]), await opsctl(['runs', 'show', record.runId, '--json']))
    expect(record.steps[0].outputs).to.deep.equal({Secret: '***'})
    expect(record.steps[1].outputs.Plaintext).to.equal('***')
    // The wrapped key is no secret: it stays readable evidence, and unwrapping it tells the canary to look for.
    for (const journal of readdirSync(join(home, 'runs'))) {
      const wrapped = JSON.parse(readFileSync(join(home, 'runs', journal), 'utf8')).steps[1].outputs.Wrapped
      expect(wrapped).to.match(/^[A-Za-z0-9+/=]{20,}$/)
      const {Plaintext} = await new KMSClient({}).send(new DecryptCommand({CiphertextBlob: Buffer.from(wrapped, 'base64')}))
      plaintexts.push(Buffer.from(Plaintext!).toString('base64'), Buffer.from(Plaintext!).toString('hex'))
    }
    expect(plaintexts).to.have.length(4)
    expect(record.steps[2].error.message).to.match(/^\$\.SecretString of secretsmanager GetSecretValue is \*\*\*, not something-else/)
    expect(record.steps[3].error.message).to.match(/^\$\.Plaintext of kms GenerateDataKey is \*\*\*, not something-else/)
    expectNoCanary()
  })
})
