import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI as a user would (a subprocess, not a TTY), with the test environment plus `env` (undefined removes a variable). */
export function opsctl(
  args: string[],
  options: {env?: NodeJS.ProcessEnv; onSpawn?: (pid: number, stdout: NodeJS.ReadableStream) => void; input?: string} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries({...process.env, ...options.env}).filter(([, v]) => v !== undefined))
    const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
    child.stdin.end(options.input ?? '')
    options.onSpawn?.(child.pid!, child.stdout)
  })
}

/** Parses the --json envelope, failing with the CLI's output when stdout is not JSON alone. */
export function parseJson<T = any>(result: CliResult): {status: number; result: T; error?: {code: string; message: string}; warnings: string[]} {
  try {
    return JSON.parse(result.stdout)
  } catch {
    throw new Error(`stdout is not JSON alone:\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** For `onSpawn`: sends the signal once the process's plain output shows `line`. */
export function killWhen(line: string, signal: NodeJS.Signals) {
  return (pid: number, stdout: NodeJS.ReadableStream) => {
    let output = ''
    const watch = (chunk: Buffer) => {
      output += chunk
      if (!output.includes(line)) return
      stdout.off('data', watch)
      process.kill(pid, signal)
    }
    stdout.on('data', watch)
  }
}
