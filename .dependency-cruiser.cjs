/**
 * The layering of DESIGN.md, checked in the test command (npm run lint:architecture):
 *   errors (ground) < secrets, time < aws < engine < report < domain rooms < cli < commands
 * Nothing imports a floor above its own; the domain rooms never import each other, except tenants
 * (the tenant context is the shared data) and runbook for patch (a fleet patch runs the shipped runbook's procedure,
 * or publishes it to SSM); no import circles anywhere.
 */
const rooms = ['errors', 'secrets', 'time', 'aws', 'engine', 'report', 'runbook', 'recovery', 'compliance', 'sandbox', 'tenants', 'keys', 'patch', 'cli']
const domain = ['runbook', 'recovery', 'compliance', 'sandbox', 'tenants', 'keys', 'patch']
const room = (name) => `^src/lib/${name}/`
const anyOf = (names) => `^src/lib/(${names.join('|')})/`

/** What each floor may import from lib (beside itself and lib/version.ts). */
const allowed = {
  errors: [],
  secrets: ['errors'],
  time: ['errors'],
  aws: ['errors', 'secrets', 'time'],
  engine: ['errors', 'secrets', 'time', 'aws'],
  report: ['errors', 'secrets', 'time', 'engine'],
  ...Object.fromEntries(domain.map((name) => [name, ['errors', 'secrets', 'time', 'aws', 'engine', 'report', ...(name === 'tenants' ? [] : ['tenants'])]])),
  patch: ['errors', 'secrets', 'time', 'aws', 'engine', 'report', 'tenants', 'runbook'],
  cli: rooms.filter((name) => name !== 'cli'),
}

module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', comment: 'No two modules import each other, directly or through others.', from: {}, to: {circular: true}},
    {name: 'lib-never-imports-commands', severity: 'error', comment: 'Commands are the top floor: nothing in lib imports them.', from: {path: '^src/lib/'}, to: {path: '^src/commands/'}},
    {name: 'commands-never-import-commands', severity: 'error', comment: 'A command is thin and stands alone; what two commands share lives in lib.', from: {path: '^src/commands/'}, to: {path: '^src/commands/'}},
    ...Object.entries(allowed).map(([name, below]) => ({
      name: `${name}-imports-only-below`,
      severity: 'error',
      comment: `lib/${name} may import only ${below.length > 0 ? below.join(', ') : 'nothing of lib'} (and lib/version.ts): the layering of DESIGN.md.`,
      from: {path: room(name)},
      to: {path: '^src/lib/', pathNot: [room(name), '^src/lib/version\\.ts$', ...(below.length > 0 ? [anyOf(below)] : [])]},
    })),
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    exclude: {path: '\\.d\\.ts$'},
  },
}
