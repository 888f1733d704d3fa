import {DEFAULT_WINDOW_NAME, type ScheduleFlags} from '../../src/lib/patch/schedule.js'
import {parseTargets} from '../../src/lib/patch/targets.js'

/** The flags of `patch schedule` as the schedule tests give them unless a test says otherwise. */
export const scheduleDefaults: ScheduleFlags = {
  name: DEFAULT_WINDOW_NAME,
  targets: parseTargets({targets: ['tag:Role=postgres']}),
  cron: 'cron(0 3 ? * SUN *)',
  duration: 3,
  cutoff: 1,
  minVersion: '15.8',
  maxConcurrency: '25%',
  maxErrors: '0',
}
