import type {KMSClient} from '@aws-sdk/client-kms'

import {deleteTable, findTable, protectTable, tableTags} from '../aws/dynamodb.js'
import {assertEncryptionKey, describeKmsKey} from '../aws/kms.js'
import {madeByRun, runTags} from '../aws/tags.js'
import type {Step, Workflow} from '../engine/types.js'
import {TENANT_INIT_WORKFLOW} from '../engine/workflow-names.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {SHARD_INDEX, type StoreLocation, type TenantStore} from './store.js'

export interface TableInitContext {
  store: TenantStore
  kms: KMSClient
  /** Encrypt the table with this customer managed key instead of an AWS owned one. */
  kmsKeyId?: string
  pollIntervalMs: number
  timeoutMs: number
}

type InitStep<O extends object> = Step<TableInitContext, O>

const keyAttributes = ['pk', 'sk']

const checkTableStep: InitStep<{exists: boolean; region: string; kmsKeyArn?: string}> = {
  id: 'check-table',
  title: "Check the KMS key (--kms-key) and whether the table exists, with the tenant store's keys",
  actions: ['dynamodb:DescribeTable', 'kms:DescribeKey'],
  mutates: false,
  async run(ctx, io) {
    let kmsKeyArn: string | undefined
    if (ctx.kmsKeyId) {
      const key = await describeKmsKey(ctx.kms, ctx.kmsKeyId, io.signal)
      await assertEncryptionKey(ctx.kms, ctx.kmsKeyId, key, {by: 'DynamoDB', flag: '--kms-key'})
      kmsKeyArn = key.Arn
    }
    const table = await findTable(ctx.store.dynamodb, ctx.store.table, io.signal)
    const keys = table?.KeySchema?.map((k) => k.AttributeName).sort()
    if (table && keys?.join() !== keyAttributes.join()) {
      throw new UsageError(
        `Table ${ctx.store.table} exists with other keys (${keys?.join(', ')}), so it is not a tenant store; choose another --table.`,
        'NotATenantTable',
      )
    }
    return {exists: table !== undefined, region: ctx.store.location.region, kmsKeyArn}
  },
}

/** On-demand, deletion protection on, encrypted (with --kms-key when given), the byShard index, tagged with the run. */
const createTableStep: InitStep<{created: boolean}> = {
  id: 'create-table',
  title: 'Create the table: on demand, deletion protection on, encrypted, with an index of tenants by shard',
  actions: [
    'dynamodb:CreateTable',
    'dynamodb:TagResource',
    'dynamodb:DescribeTable',
    'dynamodb:DeleteTable',
    'dynamodb:UpdateTable',
    'kms:DescribeKey',
    'kms:CreateGrant',
  ],
  mutates: true,
  async run(ctx, io) {
    if (await findTable(ctx.store.dynamodb, ctx.store.table, io.signal)) return {created: false}
    const {CreateTableCommand} = await import('@aws-sdk/client-dynamodb')
    const {kmsKeyArn} = io.outputOf(checkTableStep)!
    const string = (name: string) => ({AttributeName: name, AttributeType: 'S' as const})
    await ctx.store.dynamodb.send(
      new CreateTableCommand({
        TableName: ctx.store.table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [string('pk'), string('sk'), string('shardKey')],
        KeySchema: [
          {AttributeName: 'pk', KeyType: 'HASH'},
          {AttributeName: 'sk', KeyType: 'RANGE'},
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: SHARD_INDEX,
            KeySchema: [
              {AttributeName: 'shardKey', KeyType: 'HASH'},
              {AttributeName: 'pk', KeyType: 'RANGE'},
            ],
            Projection: {ProjectionType: 'KEYS_ONLY'},
          },
        ],
        DeletionProtectionEnabled: true,
        SSESpecification: kmsKeyArn ? {Enabled: true, SSEType: 'KMS', KMSMasterKeyId: kmsKeyArn} : {Enabled: true},
        Tags: runTags(io.runId, io.workflow),
      }),
      {abortSignal: io.signal},
    )
    return {created: true}
  },
  // Only a table this run made, and only while the run is being undone: a tenant store in use is never deleted here.
  async undo(ctx, io) {
    const table = await findTable(ctx.store.dynamodb, ctx.store.table, io.signal)
    if (table?.TableArn && madeByRun({TagList: await tableTags(ctx.store.dynamodb, table.TableArn, io.signal)}, io.runId))
      await deleteTable(ctx.store.dynamodb, ctx.store.table, io.signal)
  },
}

const waitActiveStep: InitStep<{status: string}> = {
  id: 'wait-active',
  title: 'Wait until the table is active',
  actions: ['dynamodb:DescribeTable'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    for (;;) {
      const status = (await findTable(ctx.store.dynamodb, ctx.store.table, io.signal))?.TableStatus
      if (status === 'ACTIVE') return {status}
      if (status === undefined || status === 'DELETING')
        throw new OpsctlError(
          `Table ${ctx.store.table} is ${status ?? 'gone'} while opsctl waited for it to be active; run "opsctl tenant init" again.`,
          ExitCode.WorkflowFailed,
          'TableGone',
        )
      io.progress(`${ctx.store.table} is ${status}`)
      await io.clock.sleep(ctx.pollIntervalMs, io.signal)
    }
  },
}

const protectTableStep: InitStep<{pointInTimeRecovery: boolean; deletionProtection: boolean}> = {
  id: 'protect-table',
  title: 'Turn point-in-time recovery and deletion protection on',
  actions: ['dynamodb:UpdateContinuousBackups', 'dynamodb:UpdateTable'],
  mutates: true,
  async run(ctx, io) {
    await protectTable(ctx.store.dynamodb, ctx.store.table, io.signal)
    return {pointInTimeRecovery: true, deletionProtection: true}
  },
}

export interface TableInitOutcome extends StoreLocation {
  created: boolean
  encryptedWith: string
}

/** Creates the tenant store's table if it is not there, and makes sure of its protection either way: running it again changes nothing. */
export const tableInitWorkflow = (location: {table: string; region?: string}): Workflow<TableInitContext, TableInitOutcome> => ({
  name: TENANT_INIT_WORKFLOW,
  steps: [checkTableStep, createTableStep, waitActiveStep, protectTableStep],
  outcome: (outputOf) => ({
    table: location.table,
    region: outputOf(checkTableStep)!.region,
    created: outputOf(createTableStep)?.created ?? false,
    encryptedWith: outputOf(checkTableStep)?.kmsKeyArn ?? 'an AWS owned key',
  }),
})
