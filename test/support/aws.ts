import {AwsSession} from '../../src/lib/aws/session.js'

/** A session against the test's moto_server (region us-east-1). */
export const testSession = (runId?: string) => AwsSession.open({runId})
