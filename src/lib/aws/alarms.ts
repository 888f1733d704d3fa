import {type CloudWatchClient, DescribeAlarmsCommand} from '@aws-sdk/client-cloudwatch'

import {NotFoundError} from '../errors/errors.js'

/** Alarm name → state (OK, ALARM or INSUFFICIENT_DATA), metric and composite alarms alike. */
export type AlarmStates = Record<string, string>

/** The current state of each named alarm; a name CloudWatch does not know is a usage error naming it. */
export async function describeAlarmStates(cloudwatch: CloudWatchClient, names: string[], abortSignal?: AbortSignal): Promise<AlarmStates> {
  const states: AlarmStates = {}
  // DescribeAlarms accepts at most 100 names per call.
  for (let start = 0; start < names.length; start += 100) {
    let NextToken: string | undefined
    do {
      const page = await cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(start, start + 100),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken,
        }),
        {abortSignal},
      )
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) states[alarm.AlarmName!] = alarm.StateValue ?? 'INSUFFICIENT_DATA'
      NextToken = page.NextToken
    } while (NextToken)
  }
  const unknown = names.filter((name) => !(name in states))
  if (unknown.length > 0) {
    throw new NotFoundError(
      `No CloudWatch alarm named ${unknown.join(', ')} in ${await cloudwatch.config.region()}; check the name with "aws cloudwatch describe-alarms" or pass --region.`,
    )
  }
  return states
}
