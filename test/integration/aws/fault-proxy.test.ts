import {request as httpRequest} from 'node:http'

import {CloudTrailClient, DescribeTrailsCommand} from '@aws-sdk/client-cloudtrail'
import {CloudWatchClient, ListMetricsCommand} from '@aws-sdk/client-cloudwatch'
import {ConfigServiceClient, DescribeConfigRulesCommand} from '@aws-sdk/client-config-service'
import {DescribeVpcsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CreateKeyCommand, DescribeKeyCommand, KMSClient, ListKeysCommand} from '@aws-sdk/client-kms'
import {CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {DescribeParametersCommand, SSMClient, ThrottlingException as SsmThrottlingException} from '@aws-sdk/client-ssm'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {cbor} from '@smithy/core/cbor'
import {isThrottlingError, isTransientError} from '@smithy/core/retry'
import type {MetadataBearer} from '@smithy/types'
import {expect} from 'chai'

import {defaultFaultRates, type FaultProxy, startFaultProxy} from '../../support/fault-proxy.js'
import {testEnv} from '../../support/hooks.js'
import {createDbInstance} from '../../support/rds.js'

/** What an SDK client needs to go through the proxy; the tests' own clients only — production code never sets endpoints. */
interface ClientOptions {
  endpoint: string
  maxAttempts?: number
  retryMode?: string
}

/** One call of one SDK client, made and cleaned up: the client is destroyed so no keep-alive socket outlives the test. */
async function call(
  client: {send(command: never, options?: {abortSignal?: AbortSignal}): Promise<unknown>; destroy(): void},
  command: unknown,
  abortSignal?: AbortSignal,
): Promise<MetadataBearer> {
  try {
    return (await client.send(command as never, abortSignal ? {abortSignal} : undefined)) as MetadataBearer
  } finally {
    client.destroy()
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => expect.fail(`expected a failure, got ${JSON.stringify(value)?.slice(0, 200)}`),
    (error: unknown) => error,
  )
}

/** A request that never reached an answer: the connection was reset or closed under it, as the SDK reports it. */
function expectNetworkError(error: any): void {
  expect(error.$metadata?.httpStatusCode, 'no HTTP response').to.equal(undefined)
  expect(error.code, `${error.name}: ${error.message}`).to.be.oneOf(['ECONNRESET', 'EPIPE'])
  expect(isTransientError(error), 'the SDK counts it as transient (retryable)').to.equal(true)
}

interface ProtocolCase {
  protocol: string
  service: string
  operation: string
  send(options: ClientOptions): Promise<unknown>
  throttle: {name: string; status: number}
  /** Error names for HTTP 500 and 503. */
  serverError: {500: string; 503: string}
}

const QUERY_5XX = {500: 'InternalFailure', 503: 'ServiceUnavailable'}
const JSON_THROTTLE = {name: 'ThrottlingException', status: 400}

const cases: ProtocolCase[] = [
  {
    protocol: 'awsQuery',
    service: 'rds',
    operation: 'DescribeDBInstances',
    send: (o) => call(new RDSClient(o), new DescribeDBInstancesCommand({})),
    throttle: {name: 'Throttling', status: 400},
    serverError: QUERY_5XX,
  },
  {
    protocol: 'awsQuery',
    service: 'sts',
    operation: 'GetCallerIdentity',
    send: (o) => call(new STSClient(o), new GetCallerIdentityCommand({})),
    throttle: {name: 'Throttling', status: 400},
    serverError: QUERY_5XX,
  },
  {
    protocol: 'ec2Query',
    service: 'ec2',
    operation: 'DescribeVpcs',
    send: (o) => call(new EC2Client(o), new DescribeVpcsCommand({})),
    throttle: {name: 'RequestLimitExceeded', status: 503},
    serverError: {500: 'InternalError', 503: 'ServiceUnavailable'},
  },
  {
    protocol: 'awsJson1_1',
    service: 'kms',
    operation: 'ListKeys',
    send: (o) => call(new KMSClient(o), new ListKeysCommand({})),
    throttle: JSON_THROTTLE,
    serverError: QUERY_5XX,
  },
  {
    protocol: 'awsJson1_1',
    service: 'ssm',
    operation: 'DescribeParameters',
    send: (o) => call(new SSMClient(o), new DescribeParametersCommand({})),
    throttle: JSON_THROTTLE,
    serverError: QUERY_5XX,
  },
  {
    protocol: 'awsJson1_1',
    service: 'cloudtrail',
    operation: 'DescribeTrails',
    send: (o) => call(new CloudTrailClient(o), new DescribeTrailsCommand({})),
    throttle: JSON_THROTTLE,
    serverError: QUERY_5XX,
  },
  {
    protocol: 'awsJson1_1',
    service: 'config',
    operation: 'DescribeConfigRules',
    send: (o) => call(new ConfigServiceClient(o), new DescribeConfigRulesCommand({})),
    throttle: JSON_THROTTLE,
    serverError: QUERY_5XX,
  },
  // JSON 1.0 with awsQueryCompatible: the x-amzn-query-error header's code wins, so the names are the awsQuery ones.
  {
    protocol: 'awsJson1_0 (query-compatible)',
    service: 'monitoring',
    operation: 'ListMetrics',
    send: (o) => call(new CloudWatchClient(o), new ListMetricsCommand({})),
    throttle: {name: 'Throttling', status: 400},
    serverError: QUERY_5XX,
  },
  {
    protocol: 'restXml',
    service: 's3',
    operation: 'ListBuckets',
    send: (o) => call(new S3Client({...o, forcePathStyle: true}), new ListBucketsCommand({})),
    throttle: {name: 'SlowDown', status: 503},
    serverError: {500: 'InternalError', 503: 'ServiceUnavailable'},
  },
]

describe('fault proxy in front of moto', () => {
  let proxy: FaultProxy

  beforeEach(async () => {
    proxy = await startFaultProxy({target: testEnv.endpoint, seed: 7})
  })

  afterEach(async () => {
    await proxy.close()
  })

  const once = (maxAttempts = 1): ClientOptions => ({endpoint: proxy.endpoint, maxAttempts})
  const withRetries = (): ClientOptions => ({endpoint: proxy.endpoint})

  describe('tells service and operation apart for every protocol', () => {
    it('counts each SDK call as signing-name:Operation, and forwards it untouched', async () => {
      for (const c of cases) await c.send(withRetries())
      const {requests, operations, faults} = proxy.stats()
      expect(operations).to.deep.equal(Object.fromEntries(cases.map((c) => [`${c.service}:${c.operation}`, 1])))
      expect(requests).to.equal(cases.length)
      expect(Object.values(faults).every((n) => n === 0)).to.equal(true)
    })

    it('reaches clients configured only by AWS_ENDPOINT_URL, as opsctl subprocesses are', async () => {
      const saved = process.env.AWS_ENDPOINT_URL
      process.env.AWS_ENDPOINT_URL = proxy.endpoint
      try {
        proxy.inject({service: 'sts', operation: 'GetCallerIdentity'}, 'throttle')
        expect((await rejection(call(new STSClient({maxAttempts: 1}), new GetCallerIdentityCommand({})))).name).to.equal('Throttling')
      } finally {
        process.env.AWS_ENDPOINT_URL = saved
      }
    })

    it('names REST operations by ?x-id= when the S3 client sets it, else by method and path', async () => {
      await call(new S3Client({...withRetries(), forcePathStyle: true}), new CreateBucketCommand({Bucket: 'bucket-one'}))
      await call(new S3Client({...withRetries(), forcePathStyle: true}), new PutObjectCommand({Bucket: 'bucket-one', Key: 'k', Body: 'x'}))
      expect(proxy.stats().operations).to.deep.equal({'s3:PUT /bucket-one': 1, 's3:PutObject': 1})
    })
  })

  describe('with maxAttempts 1, each fault reaches the caller as AWS would send it', () => {
    for (const c of cases) {
      it(`throttle on ${c.protocol} (${c.service}): ${c.throttle.name}, HTTP ${c.throttle.status}, classified as throttling`, async () => {
        proxy.inject({service: c.service, operation: c.operation}, 'throttle')
        const error = await rejection(c.send(once()))
        expect(error.name).to.equal(c.throttle.name)
        expect(error.$metadata.httpStatusCode).to.equal(c.throttle.status)
        expect(error.$metadata.attempts).to.equal(1)
        expect(error.$metadata.requestId, 'the request id header or element').to.match(/^[0-9a-f-]{36}$/)
        expect(isThrottlingError(error), 'isThrottlingError').to.equal(true)
        expect(proxy.stats().faults.throttle).to.equal(1)
      })
    }

    for (const c of cases) {
      it(`server error on ${c.protocol} (${c.service}): $fault server, HTTP 500 or 503, transient`, async () => {
        proxy.inject({service: c.service, operation: c.operation}, 'server-error')
        const error = await rejection(c.send(once()))
        const status = error.$metadata.httpStatusCode as 500 | 503
        expect(status).to.be.oneOf([500, 503])
        expect(error.name).to.equal(c.serverError[status])
        expect(error.$fault).to.equal('server')
        expect(isThrottlingError(error)).to.equal(false)
        expect(isTransientError(error), 'isTransientError').to.equal(true)
      })
    }

    it("a modeled throttling error is thrown as the client's own exception class (SSM ThrottlingException)", async () => {
      proxy.inject({service: 'ssm', operation: 'DescribeParameters'}, 'throttle')
      const error = await rejection(call(new SSMClient(once()), new DescribeParametersCommand({})))
      expect(error).to.be.instanceOf(SsmThrottlingException)
      expect(error.$fault).to.equal('client')
    })

    it('the query-compatible JSON error keeps the awsQuery code and type (CloudWatch)', async () => {
      proxy.inject({service: 'monitoring', operation: 'ListMetrics'}, 'throttle')
      const error = await rejection(call(new CloudWatchClient(once()), new ListMetricsCommand({})))
      expect(error.Error).to.include({Code: 'Throttling', Type: 'Sender'})
    })

    it('S3 HEAD requests carry no error body, so the SDK only sees the status: 503 is transient, not throttling', async () => {
      await call(new S3Client({...once(), forcePathStyle: true}), new CreateBucketCommand({Bucket: 'head-bucket'}))
      proxy.inject({service: 's3', operation: 'HEAD /head-bucket'}, 'throttle')
      const error = await rejection(call(new S3Client({...once(), forcePathStyle: true}), new HeadBucketCommand({Bucket: 'head-bucket'})))
      expect(error.$metadata.httpStatusCode).to.equal(503)
      expect(error.name, 'no body, no code').to.equal('Unknown')
      expect(isThrottlingError(error)).to.equal(false)
      expect(isTransientError(error)).to.equal(true)
    })

    it('server errors are 500 or 503 at random', async () => {
      proxy.inject({service: 'kms', operation: 'ListKeys'}, 'server-error', {times: 16})
      const statuses = new Set<number>()
      for (let i = 0; i < 16; i++) statuses.add((await rejection(call(new KMSClient(once()), new ListKeysCommand({})))).$metadata.httpStatusCode)
      expect([...statuses].sort()).to.deep.equal([500, 503])
    })

    it('reset-before is a network error and moto never sees the request', async () => {
      await createDbInstance('db1')
      proxy.inject({service: 'rds', operation: 'CreateDBSnapshot'}, 'reset-before')
      expectNetworkError(
        await rejection(call(new RDSClient(once()), new CreateDBSnapshotCommand({DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap1'}))),
      )
      const error = await rejection(new RDSClient({}).send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: 'snap1'})))
      expect(error.name).to.equal('DBSnapshotNotFoundFault')
    })

    it('reset-after is a network error, yet moto applied the request: the snapshot exists', async () => {
      await createDbInstance('db1')
      proxy.inject({service: 'rds', operation: 'CreateDBSnapshot'}, 'reset-after')
      expectNetworkError(
        await rejection(call(new RDSClient(once()), new CreateDBSnapshotCommand({DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap1'}))),
      )
      const {DBSnapshots} = await new RDSClient({}).send(new DescribeDBSnapshotsCommand({DBSnapshotIdentifier: 'snap1'}))
      expect(DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).to.deep.equal(['snap1'])
    })
  })

  describe("with the SDK's default retries", () => {
    for (const fault of ['throttle', 'server-error', 'reset-before'] as const) {
      for (const c of cases.filter((x) => ['rds', 'kms', 's3', 'monitoring'].includes(x.service))) {
        it(`one ${fault} on ${c.service} is retried and the call succeeds on attempt 2`, async () => {
          proxy.inject({service: c.service, operation: c.operation}, fault)
          const output = (await c.send(withRetries())) as MetadataBearer
          expect(output.$metadata.attempts).to.equal(2)
          expect(proxy.stats().operations[`${c.service}:${c.operation}`]).to.equal(2)
          expect(proxy.stats().faults[fault]).to.equal(1)
        })
      }
    }

    it('a reset-after of a create is retried into "already exists": the retry meets the first attempt\'s work', async () => {
      await createDbInstance('db1')
      proxy.inject({service: 'rds', operation: 'CreateDBSnapshot'}, 'reset-after')
      const error = await rejection(
        call(new RDSClient(withRetries()), new CreateDBSnapshotCommand({DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap1'})),
      )
      expect(error.name).to.equal('DBSnapshotAlreadyExistsFault')
      expect(error.$metadata.attempts).to.equal(2)
    })

    it('streams large request bodies to moto, and retries them after a throttle (8 MiB S3 PutObject)', async () => {
      const s3 = () => new S3Client({...withRetries(), forcePathStyle: true})
      await call(s3(), new CreateBucketCommand({Bucket: 'big'}))
      const body = Buffer.alloc(8 * 1024 * 1024, 'abcdefgh')
      proxy.inject({service: 's3', operation: 'PutObject'}, 'throttle')
      const put = await call(s3(), new PutObjectCommand({Bucket: 'big', Key: 'blob', Body: body}))
      expect(put.$metadata.attempts).to.equal(2)
      const client = s3()
      try {
        const got = await client.send(new GetObjectCommand({Bucket: 'big', Key: 'blob'}))
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).to.equal(true)
      } finally {
        client.destroy()
      }
    })
  })

  describe('hang, hold-after, nextRequest and release', () => {
    it("a hung request is ended by the caller's AbortController", async () => {
      proxy.inject({service: 'kms', operation: 'ListKeys'}, 'hang')
      const controller = new AbortController()
      const pending = rejection(call(new KMSClient(withRetries()), new ListKeysCommand({}), controller.signal))
      expect(await proxy.nextRequest({service: 'kms', operation: 'ListKeys'})).to.deep.equal({service: 'kms', operation: 'ListKeys', fault: 'hang'})
      controller.abort()
      const error = await pending
      expect(error.name).to.equal('AbortError')
      expect(proxy.stats().faults.hang).to.equal(1)
      expect(proxy.stats().operations['kms:ListKeys'], 'no retry after an abort').to.equal(1)
    })

    it('nextRequest resolves with the operation and no fault for a plain request, and matches any service when none is given', async () => {
      const next = proxy.nextRequest({operation: 'GetCallerIdentity'})
      await call(new STSClient(withRetries()), new GetCallerIdentityCommand({}))
      expect(await next).to.deep.equal({service: 'sts', operation: 'GetCallerIdentity'})
    })

    it('release() ends a hung request: the caller sees a network error', async () => {
      proxy.inject({service: 'kms', operation: 'ListKeys'}, 'hang')
      const pending = rejection(call(new KMSClient(once()), new ListKeysCommand({})))
      await proxy.nextRequest({service: 'kms', operation: 'ListKeys'})
      proxy.release()
      expectNetworkError(await pending)
    })

    it('hold-after applies the request, keeps the answer until release(), then drops it', async () => {
      proxy.inject({service: 'kms', operation: 'CreateKey'}, 'hold-after')
      let settled = false
      const pending = rejection(call(new KMSClient(once()), new CreateKeyCommand({Description: 'held'}))).finally(() => (settled = true))
      expect(await proxy.nextRequest({service: 'kms', operation: 'CreateKey'})).to.deep.equal({service: 'kms', operation: 'CreateKey', fault: 'hold-after'})
      // nextRequest resolved once moto answered: the key exists while the caller is still waiting.
      const {Keys} = await new KMSClient({}).send(new ListKeysCommand({}))
      expect(Keys).to.have.length(1)
      expect((await new KMSClient({}).send(new DescribeKeyCommand({KeyId: Keys![0].KeyId}))).KeyMetadata?.Description).to.equal('held')
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(settled, 'the caller is still waiting').to.equal(false)
      proxy.release()
      expectNetworkError(await pending)
    })

    it('stats count requests, faults by kind and operations; clear() zeroes them and drops rates and injections', async () => {
      proxy.inject({operation: 'ListKeys'}, 'throttle', {times: 2})
      proxy.inject({operation: 'ListKeys'}, 'reset-before')
      await call(new KMSClient({endpoint: proxy.endpoint, maxAttempts: 5}), new ListKeysCommand({}))
      await call(new STSClient(withRetries()), new GetCallerIdentityCommand({}))
      expect(proxy.stats()).to.deep.equal({
        requests: 5,
        faults: {throttle: 2, 'server-error': 0, 'reset-before': 1, 'reset-after': 0, hang: 0, 'hold-after': 0},
        operations: {'kms:ListKeys': 4, 'sts:GetCallerIdentity': 1},
      })
      proxy.inject({operation: 'ListKeys'}, 'throttle', {times: Infinity})
      proxy.setRates({resetBefore: 1})
      proxy.clear()
      expect(proxy.stats()).to.deep.include({requests: 0, operations: {}})
      await call(new KMSClient(once()), new ListKeysCommand({}))
      expect(proxy.stats().requests).to.equal(1)
      expect(Object.values(proxy.stats().faults).every((n) => n === 0)).to.equal(true)
    })

    it('times: Infinity faults every matching request until clear()', async () => {
      proxy.inject({service: 'sts', operation: 'GetCallerIdentity'}, 'server-error', {times: Infinity})
      const error = await rejection(call(new STSClient(once(3)), new GetCallerIdentityCommand({})))
      expect(error.$metadata.attempts).to.equal(3)
      expect(proxy.stats().faults['server-error']).to.equal(3)
    })

    it('moto-api requests are forwarded untouched, never counted or faulted', async () => {
      proxy.setRates({resetBefore: 1})
      proxy.inject({operation: 'POST /moto-api/reset'}, 'reset-before', {times: Infinity})
      const response = await fetch(`${proxy.endpoint}/moto-api/reset`, {method: 'POST'})
      expect(response.ok, `HTTP ${response.status}`).to.equal(true)
      await response.body?.cancel()
      const [viaProxy, direct] = await Promise.all([fetch(`${proxy.endpoint}/moto-api/config`), fetch(`${testEnv.endpoint}/moto-api/config`)])
      expect(viaProxy.status).to.equal(direct.status)
      expect(await viaProxy.json()).to.deep.equal(await direct.json())
      expect(proxy.stats().requests).to.equal(0)
    })

    it('close() ends hung and held requests at once', async () => {
      proxy.inject({operation: 'ListKeys'}, 'hang')
      proxy.inject({operation: 'CreateKey'}, 'hold-after')
      const hung = rejection(call(new KMSClient(once()), new ListKeysCommand({})))
      const heldCall = rejection(call(new KMSClient(once()), new CreateKeyCommand({})))
      await Promise.all([proxy.nextRequest({operation: 'ListKeys'}), proxy.nextRequest({operation: 'CreateKey'})])
      const waiting = proxy.nextRequest({operation: 'Never'})
      const started = Date.now()
      await proxy.close()
      expect(Date.now() - started).to.be.below(500)
      expectNetworkError(await hung)
      expectNetworkError(await heldCall)
      expect((await rejection(waiting)).message).to.match(/closed/)
    })
  })

  describe('robustness', () => {
    it('survives clients that leave mid-request and keeps serving', async () => {
      const {port} = new URL(proxy.endpoint)
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: {'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', 'content-length': '1000'},
        })
        req.on('error', () => resolve())
        req.write('{"partial":')
        setTimeout(() => {
          req.destroy()
          resolve()
        }, 20)
      })
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: {'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000'},
        })
        req.on('error', () => resolve())
        req.write('Action=Describe')
        setTimeout(() => {
          req.destroy()
          resolve()
        }, 20)
      })
      const output = await call(new KMSClient(once()), new ListKeysCommand({}))
      expect(output.$metadata.httpStatusCode).to.equal(200)
    })

    it('keeps keep-alive sockets working across faults: 30 calls on one client', async () => {
      // 5xx and resets, not throttling: their retries wait tens of milliseconds, a throttle's up to seconds.
      proxy.setRates({serverError: 0.3, resetBefore: 0.1})
      const kms = new KMSClient({endpoint: proxy.endpoint, maxAttempts: 10})
      try {
        for (let i = 0; i < 30; i++) await kms.send(new ListKeysCommand({}))
      } finally {
        kms.destroy()
      }
      const {requests, faults} = proxy.stats()
      expect(requests).to.equal(30 + faults['server-error'] + faults['reset-before'])
      expect(faults['server-error'] + faults['reset-before']).to.be.above(0)
    })
  })

  describe('wire formats without an installed SDK client', () => {
    const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`

    it("DynamoDB (JSON 1.0): the error type carries DynamoDB's namespace", async () => {
      proxy.inject({service: 'dynamodb', operation: 'PutItem'}, 'throttle')
      const response = await fetch(proxy.endpoint, {
        method: 'POST',
        body: '{}',
        headers: {authorization: signed('dynamodb'), 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem'},
      })
      expect(response.status).to.equal(400)
      expect(response.headers.get('content-type')).to.equal('application/x-amz-json-1.0')
      expect(response.headers.get('x-amzn-requestid')).to.match(/^[0-9a-f-]{36}$/)
      expect(await response.json()).to.deep.equal({__type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded'})
    })

    it('smithy-rpcv2-cbor: the operation comes from the path and the error is CBOR', async () => {
      proxy.inject({service: 'monitoring', operation: 'GetMetricData'}, 'throttle')
      const response = await fetch(`${proxy.endpoint}/service/GraniteServiceVersion20100801/operation/GetMetricData`, {
        method: 'POST',
        body: new Uint8Array([0xa0]),
        headers: {authorization: signed('monitoring'), 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', 'x-amzn-query-mode': 'true'},
      })
      expect(response.status).to.equal(400)
      expect(response.headers.get('smithy-protocol')).to.equal('rpc-v2-cbor')
      expect(response.headers.get('x-amzn-query-error')).to.equal('Throttling;Sender')
      expect(cbor.deserialize(new Uint8Array(await response.arrayBuffer()))).to.deep.equal({__type: 'ThrottlingException', message: 'Rate exceeded'})
    })
  })

  describe('random faults', () => {
    /** The outcome of `n` sequential single-attempt KMS calls through a proxy with these rates and seed. */
    async function outcomes(seed: number, n: number): Promise<string[]> {
      const p = await startFaultProxy({target: testEnv.endpoint, seed, rates: defaultFaultRates})
      const kms = new KMSClient({endpoint: p.endpoint, maxAttempts: 1})
      const seen: string[] = []
      try {
        for (let i = 0; i < n; i++) {
          const next = p.nextRequest({service: 'kms', operation: 'ListKeys'})
          await kms.send(new ListKeysCommand({})).catch(() => undefined)
          seen.push((await next).fault ?? 'none')
        }
        const {faults} = p.stats()
        expect(Object.values(faults).reduce((a, b) => a + b, 0)).to.equal(seen.filter((f) => f !== 'none').length)
      } finally {
        kms.destroy()
        await p.close()
      }
      return seen
    }

    it('the same seed gives the same fault sequence, another seed another one', async () => {
      const first = await outcomes(42, 60)
      expect(await outcomes(42, 60)).to.deep.equal(first)
      expect(await outcomes(43, 60)).to.not.deep.equal(first)
      const kinds = new Set(first)
      expect(kinds.has('throttle') && kinds.has('none'), `both faults and clean calls in ${first.join(',')}`).to.equal(true)
    })

    it('rejects rates outside 0..1 or adding up to more than 1', () => {
      expect(() => proxy.setRates({throttle: 1.5})).to.throw(RangeError)
      expect(() => proxy.setRates({throttle: 0.6, serverError: 0.6})).to.throw(RangeError)
      expect(() => proxy.inject({operation: 'X'}, 'throttle', {times: 0})).to.throw(RangeError)
    })

    it('defaultFaultRates: 25 % throttling, 5 % 5xx, 3 % reset before, 2 % after', () => {
      expect(defaultFaultRates).to.deep.equal({throttle: 0.25, serverError: 0.05, resetBefore: 0.03, resetAfter: 0.02})
    })
  })

  /**
   * Not a check but a measurement, run on demand (FAULT_PROXY_MEASURE=1): how the SDK's retries fare at
   * defaultFaultRates — how many of 200 sequential calls still fail with maxAttempts 3, and how long the
   * throttling back-off and the adaptive rate limiter make them take.
   */
  describe('SDK retries under defaultFaultRates (FAULT_PROXY_MEASURE=1)', function () {
    this.timeout(900_000)
    before(function () {
      if (!process.env.FAULT_PROXY_MEASURE) this.skip()
    })

    const calls = Number(process.env.FAULT_PROXY_CALLS ?? 200)
    const subjects = {
      'kms:ListKeys': (o: ClientOptions) => new KMSClient(o),
      'rds:DescribeDBInstances': (o: ClientOptions) => new RDSClient(o),
    } as const
    for (const retryMode of ['adaptive', 'standard'] as const) {
      for (const [key, makeClient] of Object.entries(subjects)) {
        it(`${calls} sequential ${key} calls, maxAttempts 3, retryMode ${retryMode}`, async () => {
          proxy.setRates(defaultFaultRates)
          const client: {send(command: never): Promise<unknown>; destroy(): void; config: {retryStrategy(): Promise<unknown>}} = makeClient({
            endpoint: proxy.endpoint,
            maxAttempts: 3,
            retryMode,
          }) as never
          const command = key.startsWith('kms') ? new ListKeysCommand({}) : new DescribeDBInstancesCommand({})
          const failed: Record<string, number> = {}
          const attempts: Record<number, number> = {}
          let retryDelay = 0
          const started = Date.now()
          try {
            for (let i = 0; i < calls; i++) {
              const outcome: any = await client.send(command as never).catch((error: unknown) => error)
              if (outcome instanceof Error) {
                const name: string = outcome.name === 'Error' ? ((outcome as {code?: string}).code ?? 'Error') : outcome.name
                failed[name] = (failed[name] ?? 0) + 1
              }
              attempts[outcome.$metadata.attempts] = (attempts[outcome.$metadata.attempts] ?? 0) + 1
              retryDelay += outcome.$metadata.totalRetryDelay ?? 0
            }
          } finally {
            client.destroy()
          }
          const elapsed = Date.now() - started
          const strategy: any = await client.config.retryStrategy()
          const limiter = strategy.rateLimiter
          const {requests, faults} = proxy.stats()
          console.log(
            JSON.stringify({
              key,
              retryMode,
              calls,
              failedCalls: Object.values(failed).reduce((a, b) => a + b, 0),
              failed,
              attempts,
              requests,
              faults,
              elapsedMs: elapsed,
              sdkRetryDelayMs: retryDelay,
              quotaLeft: strategy.standardRetryStrategy?.getCapacity() ?? strategy.getCapacity?.(),
              ...(limiter ? {rateLimiter: {enabled: limiter.enabled, fillRate: limiter.fillRate, measuredTxRate: limiter.measuredTxRate}} : {}),
            }),
          )
          // Every attempt the SDK made reached the proxy, and every call made at most 3.
          expect(Object.entries(attempts).reduce((sum, [n, count]) => sum + Number(n) * count, 0)).to.equal(requests)
          expect(Object.keys(attempts).every((n) => Number(n) <= 3)).to.equal(true)
        })
      }
    }
  })
})
