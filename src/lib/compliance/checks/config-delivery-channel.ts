import type {Check} from '../types.js'

export const configDeliveryChannel: Check = {
  id: 'config-delivery-channel',
  title: 'AWS Config has a delivery channel whose last deliveries did not fail',
  service: 'config',
  inventories: ['config', 'configDelivery'],
  severity: 'medium',
  risk: 'Without a delivery channel, configuration history and snapshots never reach S3 and the recorder cannot run.',
  remediation: {
    text: 'Create a delivery channel to an S3 bucket that AWS Config may write to.',
    cli: 'aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=<bucket>',
  },
  evaluate({config, configDelivery}, {region}) {
    if (config.channels.length === 0) {
      return [{resource: {type: 'AWS::Region', id: region}, pass: false, reason: `Region ${region} has no AWS Config delivery channel.`}]
    }
    return config.channels.map((c) => {
      const status = configDelivery.channelStatuses.find((s) => s.name === c.name)
      const failed = [
        ['history', status?.configHistoryDeliveryInfo],
        ['snapshot', status?.configSnapshotDeliveryInfo],
      ] as const
      const failure = failed.find(([, info]) => info?.lastStatus === 'Failure')
      const problem = !c.s3BucketName
        ? 'has no S3 bucket'
        : failure
          ? `failed its last ${failure[0]} delivery: ${failure[1]?.lastErrorCode ?? 'unknown error'}`
          : undefined
      return {
        resource: {type: 'AWS::Config::DeliveryChannel', id: c.name!},
        pass: problem === undefined,
        reason: problem
          ? `Config delivery channel ${c.name} in ${region} ${problem}.`
          : `Config delivery channel ${c.name} in ${region} delivers to bucket ${c.s3BucketName}.`,
      }
    })
  },
}
