import type {SandboxState} from './sandbox.js'

export const SANDBOX_REGION = 'us-east-1'

/** What points an AWS SDK or CLI at the sandbox: its endpoint, a region and moto's dummy credentials. */
export function sandboxEnvironment(state: SandboxState): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: state.endpoint,
    AWS_REGION: SANDBOX_REGION,
    AWS_DEFAULT_REGION: SANDBOX_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

/**
 * Variables that would override the sandbox's settings: a profile makes the SDK skip the dummy
 * credentials in the environment, a session token would be sent with them, and a service-specific
 * endpoint (AWS_ENDPOINT_URL_RDS…) or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS would send calls elsewhere.
 */
export function variablesOverridingSandbox(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
    ...Object.keys(env)
      .filter((name) => name.startsWith('AWS_ENDPOINT_URL_'))
      .sort(),
  ]
}

/**
 * Points this process's AWS session at the sandbox. AwsSession never sets an endpoint (the SDK reads
 * AWS_ENDPOINT_URL), so the environment is the one way in; clearing what would override it makes sure
 * `sandbox seed` reaches the sandbox and never a real account, whatever the user's shell has set.
 */
export function useSandboxEnvironment(state: SandboxState): void {
  for (const name of variablesOverridingSandbox()) delete process.env[name]
  Object.assign(process.env, sandboxEnvironment(state))
}
