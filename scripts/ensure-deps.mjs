// Lets `npm test` and `npm run demo` work on a fresh clone: installs the locked dependencies when they are missing or stale.
import {execSync} from 'node:child_process'
import {existsSync, statSync} from 'node:fs'

const installed = 'node_modules/.package-lock.json'
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.error('Installing dependencies (npm ci)…')
  execSync('npm ci --no-audit --no-fund', {stdio: 'inherit'})
}
