import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import {AwsSession} from '../../../src/lib/aws/session.js'
import {UsageError} from '../../../src/lib/errors/errors.js'
import {opsctlVersion} from '../../../src/lib/version.js'

/** Runs `fn` with environment variables changed, restoring them afterwards. */
async function withEnv<T>(changes: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(changes))
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
}

function awsConfigFiles(config: string, credentials = ''): {AWS_CONFIG_FILE: string; AWS_SHARED_CREDENTIALS_FILE: string} {
  const dir = mkdtempSync(join(tmpdir(), 'opsctl-aws-'))
  writeFileSync(join(dir, 'config'), config)
  writeFileSync(join(dir, 'credentials'), credentials)
  return {AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials')}
}

async function expectUsageError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  )
  expect(error, 'expected a UsageError').to.be.instanceOf(UsageError)
  expect(error.message).to.match(pattern)
}

describe('AWS session (client factory)', () => {
  describe('region', () => {
    it('takes --region first, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
      const files = awsConfigFiles('[default]\nregion = ap-southeast-2\n')
      await withEnv({...files, AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2'}, async () => {
        expect((await AwsSession.open({region: 'us-west-2'})).region).to.equal('us-west-2')
        expect((await AwsSession.open()).region).to.equal('eu-west-1')
      })
      await withEnv({...files, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-2'}, async () => {
        expect((await AwsSession.open()).region).to.equal('eu-west-2')
      })
      await withEnv({...files, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined}, async () => {
        expect((await AwsSession.open()).region).to.equal('ap-southeast-2')
      })
    })

    it('says how to set a region when none is set', async () => {
      await withEnv({...awsConfigFiles(''), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined}, async () => {
        await expectUsageError(AwsSession.open(), /No AWS region set: pass --region, export AWS_REGION/)
      })
    })

    it('rejects an unknown region before any call', async () => {
      await expectUsageError(AwsSession.open({region: 'us-east-7'}), /Unknown AWS region "us-east-7"/)
    })
  })

  describe('credentials', () => {
    it('resolves a profile with credential_process, and its region', async () => {
      const process = `node -e "console.log(JSON.stringify({Version:1,AccessKeyId:'AKIDFROMPROCESS',SecretAccessKey:'process-secret'}))"`
      const files = awsConfigFiles(`[profile ops]\nregion = eu-central-1\ncredential_process = ${process}\n`)
      await withEnv({...files, AWS_REGION: undefined}, async () => {
        const session = await AwsSession.open({profile: 'ops'})
        expect(session.region).to.equal('eu-central-1')
        const credentials = await session.client(RDSClient).config.credentials()
        expect(credentials.accessKeyId).to.equal('AKIDFROMPROCESS')
      })
    })

    it('resolves an assume-role profile through STS', async () => {
      const files = awsConfigFiles(
        '[profile base]\nregion = us-east-1\n[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/OpsAdmin\nsource_profile = base\n',
        '[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n',
      )
      await withEnv(files, async () => {
        const session = await AwsSession.open({profile: 'admin'})
        const credentials = await session.client(RDSClient).config.credentials()
        expect(credentials.accessKeyId).not.to.equal('AKIDBASE')
        expect(credentials.sessionToken).to.be.a('string')
      })
    })

    it('says how to provide credentials when there are none, before any step runs', async () => {
      await withEnv({...awsConfigFiles(''), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_EC2_METADATA_DISABLED: 'true'}, async () => {
        await expectUsageError(AwsSession.open(), /No AWS credentials found .*aws sso login.*--profile.*AWS_ACCESS_KEY_ID/)
      })
    })

    it('names the profile when a profile does not exist', async () => {
      await withEnv(awsConfigFiles(''), async () => {
        await expectUsageError(
          AwsSession.open({profile: 'nope'}),
          /^There is no profile "nope" in ~\/\.aws\/config or ~\/\.aws\/credentials; check the name with "aws configure list-profiles"\.$/,
        )
      })
    })
  })

  describe('clients', () => {
    it('builds each client once, with adaptive retries and the run id in the user agent', async () => {
      const session = await AwsSession.open({runId: '20261123T192515Z-4f9a1c', maxAttempts: 7})
      const rds = session.client(RDSClient)
      expect(session.client(RDSClient)).to.equal(rds)
      const strategy = (await rds.config.retryStrategy()) as {mode?: string}
      expect(strategy.mode).to.equal('adaptive')
      expect(await rds.config.maxAttempts()).to.equal(7)
      let userAgent = ''
      rds.middlewareStack.add(
        (next) => async (args: any) => {
          userAgent = `${args.request.headers['user-agent'] ?? ''} ${args.request.headers['x-amz-user-agent'] ?? ''}`
          return next(args)
        },
        {step: 'finalizeRequest', name: 'captureUserAgent'},
      )
      await rds.send(new DescribeDBInstancesCommand({}))
      expect(userAgent).to.contain(`opsctl/${opsctlVersion}`).and.to.contain('run/20261123T192515Z-4f9a1c')
    })

    it('records every call with its service, operation and request id, failed calls too', async () => {
      const rds = (await AwsSession.open()).client(RDSClient)
      const calls: AwsCall[] = []
      await withinCallScope({calls}, async () => {
        await rds.send(new DescribeDBInstancesCommand({}))
        await rds.send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: 'missing'})).catch(() => undefined)
      })
      expect(calls).to.have.length(2)
      expect(calls[0]).to.include({service: 'RDS', operation: 'DescribeDBInstances'})
      expect(calls[0].requestId).to.be.a('string').and.not.be.empty
      expect(calls[1]).to.include({service: 'RDS', operation: 'DescribeDBSnapshots', error: 'DBSnapshotNotFoundFault'})
    })

    it('reaches the endpoint in AWS_ENDPOINT_URL without setting one in code', async () => {
      const rds = (await AwsSession.open()).client(RDSClient)
      const endpoint = await rds.config.endpoint?.()
      expect(endpoint).to.equal(undefined)
      await withEnv({AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}, async () => {
        const unreachable = (await AwsSession.open({maxAttempts: 1})).client(RDSClient)
        const error = await unreachable.send(new DescribeDBInstancesCommand({})).then(
          () => undefined,
          (e) => e,
        )
        expect(String(error?.message ?? error)).to.match(/ECONNREFUSED|connect/)
      })
    })
  })
})
