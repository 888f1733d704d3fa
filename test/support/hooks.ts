import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {findMotoServer, type MotoServer, resetMoto, startMotoServer} from '../../src/lib/sandbox/moto-server.js'

/**
 * Root hooks: one moto_server for the whole suite on a free port, reset before every test, and a
 * fresh $OPSCTL_HOME per test so journals never leak between tests. Every AWS client reaches moto
 * through AWS_ENDPOINT_URL, exactly as a user's sandbox does.
 */
let moto: MotoServer | undefined
const scratch = mkdtempSync(join(tmpdir(), 'opsctl-test-'))

export const testEnv = {
  get endpoint(): string {
    return moto!.endpoint
  },
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000)
    moto = await startMotoServer({moto: await findMotoServer(scratch, false), logFile: join(scratch, 'moto.log')})
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
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
    await resetMoto(moto!.endpoint)
    process.env.OPSCTL_HOME = mkdtempSync(join(scratch, 'home-'))
  },
  async afterAll() {
    moto?.process.kill()
    rmSync(scratch, {recursive: true, force: true})
  },
}
