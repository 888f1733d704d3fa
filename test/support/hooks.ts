import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative, sep} from 'node:path'

import {findMotoServer, type MotoServer, resetMoto, startMotoServer} from '../../src/lib/sandbox/moto-server.js'

/**
 * Root hooks: a fresh $OPSCTL_HOME per test so journals never leak between tests, and, when the run holds
 * integration or e2e tests, one moto_server for the whole suite on a free port, reset before every test.
 * Every AWS client reaches moto through AWS_ENDPOINT_URL, exactly as a user's sandbox does. Unit tests
 * need no AWS at all: a run of only unit tests starts no moto, and any AWS call it made would be refused.
 */
let moto: MotoServer | undefined
const scratch = mkdtempSync(join(tmpdir(), 'opsctl-test-'))
const unitTests = join('test', 'unit') + sep

export const testEnv = {
  get endpoint(): string {
    if (!moto) throw new Error('moto_server runs for integration and e2e tests only; a unit test must not call AWS')
    return moto.endpoint
  },
}

/** Whether the suite holds a test outside test/unit (which talks to moto). */
function needsMoto(root: Mocha.Suite): boolean {
  const files = (suite: Mocha.Suite): string[] => [suite.file ?? '', ...suite.suites.flatMap(files)]
  return files(root).some((file) => file !== '' && !relative(process.cwd(), file).startsWith(unitTests))
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000)
    if (needsMoto(this.test!.parent!)) moto = await startMotoServer({moto: await findMotoServer(scratch, false), logFile: join(scratch, 'moto.log')})
    Object.assign(process.env, {
      // Nothing listens on port 9: without moto, an AWS call is refused at once instead of reaching AWS.
      AWS_ENDPOINT_URL: moto?.endpoint ?? 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NO_COLOR: '1',
    })
    delete process.env.AWS_PROFILE
    delete process.env.AWS_DEFAULT_REGION
    delete process.env.GITHUB_STEP_SUMMARY
  },
  async beforeEach() {
    if (moto) await resetMoto(moto.endpoint)
    process.env.OPSCTL_HOME = mkdtempSync(join(scratch, 'home-'))
  },
  async afterAll() {
    moto?.process.kill()
    rmSync(scratch, {recursive: true, force: true})
  },
}
