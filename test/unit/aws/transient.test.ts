import {expect} from 'chai'

import {withinCallScope} from '../../../src/lib/aws/call-log.js'
import {changeOnce, createOnce, deleteOnce} from '../../../src/lib/aws/idempotent.js'
import {isTransientAwsError, retryTransientErrors} from '../../../src/lib/aws/transient.js'

const awsError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), {name, ...extra})

/** The middleware around a handler, as the SDK stacks it. */
const retried = (next: () => Promise<unknown>) => retryTransientErrors(next as never, {})

describe('transient AWS errors', () => {
  it('are throttling, 5xx, timeouts and dropped connections', () => {
    for (const error of [
      awsError('Throttling'),
      awsError('ThrottlingException'),
      awsError('RequestLimitExceeded'),
      awsError('SlowDown'),
      awsError('InternalFailure', {$metadata: {httpStatusCode: 500}}),
      awsError('ServiceUnavailable', {$metadata: {httpStatusCode: 503}}),
      awsError('TimeoutError'),
      awsError('Error', {code: 'ECONNRESET'}),
    ])
      expect(isTransientAwsError(error), error.name).to.equal(true)
  })

  it("are not a refusal, an abort, nothing listening, or an answer that is not AWS's (an emulator's HTML page)", () => {
    for (const error of [
      awsError('DBInstanceNotFoundFault', {$metadata: {httpStatusCode: 404}}),
      awsError('AbortError'),
      awsError('Error', {code: 'ECONNREFUSED'}),
      Object.assign(new SyntaxError("Unexpected token '<' Deserialization error: to see the raw response, inspect the hidden field {error}.$response"), {
        $metadata: {httpStatusCode: 500},
      }),
    ])
      expect(isTransientAwsError(error), error.message).to.equal(false)
  })

  it("are sent again until the call succeeds, within the scope's deadline", async () => {
    let attempts = 0
    const handler = retried(async () => {
      attempts++
      if (attempts < 3) throw awsError('Throttling')
      return {output: 'ok'}
    })
    expect(await withinCallScope({retryUntil: Date.now() + 10_000}, () => handler({input: {}}))).to.deep.equal({output: 'ok'})
    expect(attempts).to.equal(3)
  })

  it('surface once the deadline would pass, and at once when the scope is stopped', async () => {
    const throttled = retried(async () => {
      throw awsError('Throttling')
    })
    const error = await withinCallScope({retryUntil: Date.now() + 100}, () => throttled({input: {}})).catch((e) => e as Error)
    expect((error as Error).name).to.equal('Throttling')
    const stop = new AbortController()
    stop.abort(new Error('interrupted'))
    const stopped = await withinCallScope({signal: stop.signal, retryUntil: Date.now() + 60_000}, () => throttled({input: {}})).catch((e) => e as Error)
    expect((stopped as Error).name).to.equal('Throttling')
  })

  it('never retry an error that is not transient', async () => {
    let attempts = 0
    const handler = retried(async () => {
      attempts++
      throw awsError('DBSnapshotAlreadyExistsFault')
    })
    await withinCallScope({retryUntil: Date.now() + 60_000}, () => handler({input: {}})).catch(() => undefined)
    expect(attempts).to.equal(1)
  })
})

describe('lost responses', () => {
  const fails = (error: Error) => async () => {
    throw error
  }

  it('a create that meets "already exists" on a resource of this run carries on', async () => {
    await createOnce(fails(awsError('DBSnapshotAlreadyExistsFault')), async () => true, 'DB snapshot s1')
  })

  it('a create that meets "already exists" on someone else\'s resource fails with one sentence', async () => {
    const error = await createOnce(fails(awsError('DBInstanceAlreadyExistsFault')), async () => false, 'DB instance restored').catch((e) => e)
    expect(error.message).to.equal(
      'DB instance restored was created by another run or person at the same moment, so this run did not make it and leaves it alone; choose another name and run again.',
    )
    expect(error.code).to.equal('AlreadyExists')
  })

  it('a delete that meets "not found" or a deletion under way is done; other errors are not', async () => {
    await deleteOnce(fails(awsError('DBInstanceNotFoundFault')))
    await deleteOnce(fails(awsError('InvalidDBInstanceStateFault', {message: 'Instance restored is already being deleted.'})))
    const error = await deleteOnce(fails(awsError('InvalidDBInstanceStateFault', {message: 'Instance restored is not available.'}))).catch((e) => e)
    expect(error.name).to.equal('InvalidDBInstanceStateFault')
  })

  it('a failover refused as "invalid state" counts as sent only when the change is under way', async () => {
    await changeOnce(fails(awsError('InvalidDBClusterStateFault')), async () => true)
    const error = await changeOnce(fails(awsError('InvalidDBClusterStateFault')), async () => false).catch((e) => e)
    expect(error.name).to.equal('InvalidDBClusterStateFault')
  })
})
