import {DAY_MS} from '../../time/clock.js'
import {type RootUser, rootResource, rootUserName} from '../inventory/iam.js'
import type {Check} from '../types.js'

/** How far back a sign-in or key use of the root user counts as recent (CIS: avoid the use of the root user). */
export const ROOT_UNUSED_DAYS = 90

/** The root user's uses (password sign-in, access-key calls) within the window, most recent first. */
function recentUses(root: RootUser, now: Date): {what: string; at: Date}[] {
  const since = now.getTime() - ROOT_UNUSED_DAYS * DAY_MS
  const uses = [
    {what: 'signed in with its password', at: root.passwordLastUsed},
    ...root.accessKeys.map((k) => ({what: `used access key ${k.slot}`, at: k.lastUsed})),
  ]
  return uses.filter((u): u is {what: string; at: Date} => u.at !== undefined && u.at.getTime() >= since).sort((a, b) => b.at.getTime() - a.at.getTime())
}

function daysAgo(at: Date, now: Date): string {
  const days = Math.floor((now.getTime() - at.getTime()) / DAY_MS)
  return days === 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`
}

export const iamRootUnused: Check = {
  id: 'iam-root-unused',
  title: `The root user was not used in the last ${ROOT_UNUSED_DAYS} days`,
  service: 'iam',
  inventories: ['iam'],
  severity: 'high',
  risk: 'Everyday work as the root user exposes the one identity no policy can restrict, and leaves no way to tell who of the people sharing it did what.',
  remediation: {
    text: 'Work through IAM Identity Center or roles instead; find who used the root user and for what in CloudTrail, and keep its credentials locked away.',
    cli: 'aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root --max-results 50',
  },
  prowlerId: 'iam_avoid_root_usage',
  evaluate({iam}, {now}) {
    if (!iam.root) return []
    const uses = recentUses(iam.root, now)
    return [
      {
        resource: rootResource(iam.root),
        pass: uses.length === 0,
        reason:
          uses.length === 0
            ? `${rootUserName(iam.root)} was not used in the last ${ROOT_UNUSED_DAYS} days.`
            : `${rootUserName(iam.root)} ${uses.map((u) => `${u.what} ${daysAgo(u.at, now)}`).join(' and ')}.`,
      },
    ]
  },
}
