import {Flags} from '@oclif/core'

import {assertKnownRegion} from '../aws/regions.js'
import {UsageError} from '../errors/errors.js'
import {parseTargets, type TargetSpec} from '../patch/targets.js'

/** The instances a patch command works on, and the regions they are looked for in: every patch command takes them. */
export const fleetFlags = {
  targets: Flags.string({
    description: 'Instances whose tag has this value, tag:Key=Value (repeatable: every tag must match; at most 5).',
    helpValue: '<tag:Key=Value>',
    multiple: true,
    helpGroup: 'TARGETS',
  }),
  instances: Flags.string({
    description: 'Instances by id (repeatable or comma-separated), instead of --targets.',
    helpValue: '<instance-id>',
    multiple: true,
    helpGroup: 'TARGETS',
  }),
  regions: Flags.custom<string[]>({
    description: 'Comma-separated regions to look for the instances in (default: the session region).',
    helpValue: '<region,…>',
    helpGroup: 'TARGETS',
    async parse(input) {
      // Not compliance's commaList: that module loads every compliance check, which a patch command has no use for.
      const regions = input
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
      if (regions.length === 0) throw new UsageError('--regions needs at least one region, like us-east-1,eu-west-1.', 'UnknownRegion')
      return [...new Set(regions.map(assertKnownRegion))]
    },
  })(),
}

/** The targets and regions as given, checked before any call. */
export const fleetRequest = (flags: {targets?: string[]; instances?: string[]; regions?: string[]}): {spec: TargetSpec; regions?: string[]} => ({
  spec: parseTargets({targets: flags.targets, instances: flags.instances}),
  regions: flags.regions,
})
