// A benchmark's own moto_server: on a free port, its scratch folder and log in a temporary folder, and the
// environment that points the AWS SDK and opsctl (its journals too) at it.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {findMotoServer, startMotoServer} from '../dist/lib/sandbox/moto-server.js'

/** Starts it for the benchmark `name`; `stop()` ends it and removes its folder. */
export async function benchMoto(name) {
  const scratch = mkdtempSync(join(tmpdir(), `opsctl-bench-${name}-`))
  const moto = await startMotoServer({moto: await findMotoServer(scratch, false), logFile: join(scratch, 'moto.log')})
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    OPSCTL_HOME: scratch,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  })
  return {
    endpoint: moto.endpoint,
    stop() {
      moto.process.kill()
      rmSync(scratch, {recursive: true, force: true})
    },
  }
}
