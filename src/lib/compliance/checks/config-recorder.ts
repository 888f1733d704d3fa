import type {Check} from '../types.js'

export const configRecorder: Check = {
  id: 'config-recorder',
  title: 'AWS Config records all supported resource types, and its last recording did not fail',
  service: 'config',
  inventories: ['config'],
  severity: 'medium',
  risk: 'Without a working recorder there is no configuration history and no Config rule can evaluate anything in the region.',
  remediation: {
    text: 'Record all supported resource types and start the recorder.',
    cli: 'aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=<role-arn> --recording-group allSupported=true && aws configservice start-configuration-recorder --configuration-recorder-name default',
  },
  prowlerId: 'config_recorder_all_regions_enabled',
  evaluate({config}, {region}) {
    if (config.recorders.length === 0) {
      return [{resource: {type: 'AWS::Region', id: region}, pass: false, reason: `Region ${region} has no AWS Config recorder.`}]
    }
    return config.recorders.map((r) => {
      const status = config.recorderStatuses.find((s) => s.name === r.name)
      const allSupported = r.recordingGroup?.allSupported === true || r.recordingGroup?.recordingStrategy?.useOnly === 'ALL_SUPPORTED_RESOURCE_TYPES'
      const problem = !status?.recording
        ? 'is not recording'
        : !allSupported
          ? 'does not record all supported resource types'
          : status.lastStatus === 'Failure'
            ? `last failed: ${status.lastErrorCode ?? 'unknown error'} ${status.lastErrorMessage ?? ''}`.trim()
            : undefined
      return {
        resource: {type: 'AWS::Config::ConfigurationRecorder', id: r.name!},
        pass: problem === undefined,
        reason: problem ? `Config recorder ${r.name} in ${region} ${problem}.` : `Config recorder ${r.name} in ${region} records all supported resource types.`,
      }
    })
  },
}
