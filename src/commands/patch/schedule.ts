import {Flags} from '@oclif/core'

import {fleetFlags, fleetRequest} from '../../lib/cli/fleet-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {PATCH_RUNBOOK} from '../../lib/patch/procedure.js'
import {
  DEFAULT_WINDOW_NAME,
  type ListedWindow,
  listSchedules,
  parseWindowName,
  patchScheduleWorkflow,
  type RemoveOutcome,
  removeScheduleWorkflow,
  resolveScheduleRequest,
  type ScheduleOutcome,
} from '../../lib/patch/schedule.js'
import {table} from '../../lib/report/format.js'

const scheduleFlags = ['cron', 'duration', 'cutoff', 'min-version', 'max-concurrency', 'max-errors', 'targets', 'instances']

export default class PatchSchedule extends WorkflowCommand<typeof PatchSchedule> {
  static override summary =
    `Schedule the PostgreSQL patch in SSM maintenance windows: one window per region where the targets are, running ${PATCH_RUNBOOK} on them.`
  static override description =
    `The targets (--targets tag:Key=Value, every tag matching) are looked for in --regions (default: the session region); in each region where they have running, SSM-managed instances, the maintenance window --name is created, or brought up to date when it exists: its schedule (--cron, --duration, --cutoff), its target (the tags, so instances added later are patched too) and an Automation task that runs ${PATCH_RUNBOOK} on each target instance ({{RESOURCE_ID}}) with TargetVersion --min-version, at most --max-concurrency at once, stopping after --max-errors failures. Tenants pinned to a location are patched in their own region's window. A task under way at the cutoff finishes (or rolls back): it is never cancelled half-way. Running it again with the same flags changes nothing and says so; a changed flag updates only what differs. The runbook must be published in each region first ("opsctl runbook publish").

The schedule is SSM's maintenance window syntax, checked before any call: cron(minutes hours day-of-month month day-of-week year), six fields, exactly one of the two day fields "?", or rate(n hours|days). Times are UTC.

Windows carry the tag opsctl:workflow=patch-schedule. A window of that name that opsctl did not make is refused and never changed. --list shows the windows opsctl made in --regions (schedule, duration, cutoff, targets, task, next execution when SSM reports it); --remove deletes the windows --name that opsctl made there, with their targets and tasks, after a confirmation (--yes in CI).

--json: the run record (schemas/patch-schedule.json), its outcome the windows and what changed in each; with --list, the windows.

Exit codes: 0 done (or nothing to change); 1 a call failed (windows this run created are deleted again); 2 bad input, nothing created: a bad --cron, --duration outside 1 to 24 hours, --cutoff not below --duration, a --min-version, --max-concurrency or --max-errors that does not parse, targets that match no instance, an instance SSM does not manage, the runbook not published in a region, a window of that name opsctl did not make, --remove of a window opsctl did not make.`
  static override examples = [
    {
      description: 'Every Sunday at 03:00 UTC, for 3 hours, no new instance after the second hour',
      command: "<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --cron 'cron(0 3 ? * SUN *)' --duration 3 --cutoff 1 --min-version 15.8",
    },
    {
      description: 'In two regions, 10% of the servers at once, stopping after 2 failures',
      command:
        "<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --regions us-east-1,eu-west-1 --cron 'cron(0 2 ? * SAT *)' --duration 4 --cutoff 1 --min-version 15.8 --max-concurrency 10% --max-errors 2 --name pg-weekly",
    },
    {
      description: 'See what would change, without changing it',
      command:
        "<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --cron 'cron(0 4 ? * SUN *)' --duration 3 --cutoff 1 --min-version 15.8 --dry-run",
    },
    {description: 'The windows opsctl made, in two regions', command: '<%= config.bin %> <%= command.id %> --list --regions us-east-1,eu-west-1'},
    {description: 'Remove a schedule, in CI', command: '<%= config.bin %> <%= command.id %> --remove --name pg-weekly --regions us-east-1,eu-west-1 --yes'},
  ]
  static override flags = {
    ...fleetFlags,
    cron: Flags.string({description: 'When the window opens (UTC): cron(minutes hours day-of-month month day-of-week year) or rate(n hours|days).'}),
    duration: Flags.integer({description: 'How long the window stays open, 1 to 24 hours.'}),
    cutoff: Flags.integer({description: 'Hours before the window closes when no new instance is started; below --duration.'}),
    'min-version': Flags.string({description: 'The version each server is upgraded to at least, e.g. 15.8 (the runbook verifies it).'}),
    'max-concurrency': Flags.string({description: 'Instances patched at once: a count or a percentage of the targets.', default: '25%'}),
    'max-errors': Flags.string({description: 'Failed instances after which the task starts no more: a count or a percentage.', default: '0'}),
    name: Flags.string({description: `The maintenance window's name (default ${DEFAULT_WINDOW_NAME}).`}),
    list: Flags.boolean({description: 'List the windows opsctl made in --regions, and change nothing.', exclusive: ['remove', ...scheduleFlags]}),
    remove: Flags.boolean({description: 'Delete the windows --name that opsctl made in --regions.', exclusive: ['list', ...scheduleFlags]}),
    yes: Flags.boolean({char: 'y', description: 'With --remove: do not ask for confirmation (for CI).'}),
  }

  async run(): Promise<RunRecord | {windows: ListedWindow[]}> {
    const {flags} = this
    if (flags.list) {
      const listing = await listSchedules(await this.openAwsSession(), flags.regions)
      this.say(renderWindows(listing.windows))
      return listing
    }
    if (flags.remove) return this.remove()
    const request = resolveScheduleRequest({
      name: flags.name ?? DEFAULT_WINDOW_NAME,
      targets: fleetRequest(flags).spec,
      cron: flags.cron,
      duration: flags.duration,
      cutoff: flags.cutoff,
      minVersion: flags['min-version'],
      maxConcurrency: flags['max-concurrency'],
      maxErrors: flags['max-errors'],
      regions: flags.regions,
    })
    return this.runWorkflow({
      workflow: patchScheduleWorkflow(request),
      parameters: {...request, targets: flags.targets},
      context: (session) => ({session, request}),
      describe: describeSchedule,
    })
  }

  private remove(): Promise<RunRecord> {
    const {flags} = this
    if (flags.name === undefined) throw new UsageError('Say which schedule to remove: pass --remove --name <window name> (see --list).', 'MissingName')
    const request = {name: parseWindowName(flags.name), ...(flags.regions ? {regions: flags.regions} : {})}
    return this.runWorkflow({
      workflow: removeScheduleWorkflow(request),
      parameters: {...request, remove: true},
      context: (session) => ({session, request}),
      confirm: {question: `Delete the maintenance windows ${request.name} that opsctl made, with their targets and tasks?`, yes: flags.yes},
      describe: (outcome: RemoveOutcome) => outcome.removed.map((w) => `${w.region}: maintenance window ${outcome.name} (${w.windowId}) deleted.`),
    })
  }
}

function describeSchedule(outcome: ScheduleOutcome): string[] {
  return outcome.windows.map(
    (w) =>
      `${w.region}: maintenance window ${outcome.name} (${w.windowId}), ${w.instances} instance(s) now: ${w.changes.length === 0 ? 'unchanged, already as asked' : w.changes.join('; ')}.`,
  )
}

function renderWindows(windows: ListedWindow[]): string {
  if (windows.length === 0) return 'No maintenance windows made by opsctl in these regions.'
  return table(
    ['REGION', 'NAME', 'WINDOW', 'SCHEDULE', 'HOURS', 'CUTOFF', 'TARGETS', 'TASK', 'NEXT'],
    windows.map((w) => [
      w.region,
      w.name,
      w.windowId,
      w.schedule,
      String(w.durationHours),
      String(w.cutoffHours),
      w.targets || '(none)',
      w.task ? `${w.task.runbook} ${w.task.maxConcurrency} at once, max errors ${w.task.maxErrors}` : '(none)',
      w.nextExecutionTime ?? '',
    ]),
  )
}
