import {opsctlVersion} from '../version.js'

/** Tags opsctl puts on what it creates: a resumed or compensating run finds its own resources by them. */
export const RUN_ID_TAG = 'opsctl:run-id'

/** Whether a tagged resource (instance, snapshot) was created by this run: only such are ever reused or deleted. */
export function madeByRun(resource: {TagList?: {Key?: string; Value?: string}[]}, runId: string): boolean {
  return resource.TagList?.some((t) => t.Key === RUN_ID_TAG && t.Value === runId) ?? false
}

export function runTags(runId: string, workflow: string): {Key: string; Value: string}[] {
  return [
    {Key: RUN_ID_TAG, Value: runId},
    {Key: 'opsctl:workflow', Value: workflow},
    {Key: 'opsctl:created-by', Value: `opsctl/${opsctlVersion}`},
  ]
}

/** AWS's list of {Key, Value} tags as a mapping (EC2, RDS, S3 and CloudTrail all answer with such lists). */
export const tagMap = (tags: {Key?: string; Value?: string}[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']))
