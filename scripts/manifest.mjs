// Writes oclif.manifest.json with oclif's own CLI. OCLIF_SKIP_NEW_VERSION_CHECK (read by its
// @oclif/plugin-warn-if-update-available) stops it asking the registry for a newer oclif and printing
// "oclif update available" in every build: the oclif version is the one package-lock.json pins.
// Set here, not as `VAR=1 oclif …` in package.json, because npm runs scripts with cmd.exe on Windows.
import {execFileSync} from 'node:child_process'
import {createRequire} from 'node:module'

const oclif = createRequire(import.meta.url).resolve('oclif/bin/run.js')
try {
  execFileSync(process.execPath, [oclif, 'manifest'], {stdio: 'inherit', env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}})
} catch (error) {
  // oclif has already printed why; its exit code is enough.
  process.exit(error.status ?? 1)
}
