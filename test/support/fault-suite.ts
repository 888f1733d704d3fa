import {type FaultProxy, startFaultProxy} from './fault-proxy.js'
import {testEnv} from './hooks.js'

export interface ProxiedMoto {
  /** The proxy, once the block's tests run. */
  readonly proxy: FaultProxy
  /** The environment that points opsctl (a subprocess) at the proxy. */
  readonly env: NodeJS.ProcessEnv
}

/** Called inside a describe block: a fault proxy in front of the suite's moto, started before its tests and closed after them. */
export function faultProxyInFrontOfMoto(options: {seed?: number} = {}): ProxiedMoto {
  let proxy: FaultProxy | undefined
  const env: NodeJS.ProcessEnv = {}
  before(async () => {
    proxy = await startFaultProxy({target: testEnv.endpoint, seed: options.seed})
    env.AWS_ENDPOINT_URL = proxy.endpoint
  })
  after(() => proxy?.close())
  return {
    get proxy() {
      return proxy!
    },
    env,
  }
}
