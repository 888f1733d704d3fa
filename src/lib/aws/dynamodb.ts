import type {DynamoDBClient, TableDescription} from '@aws-sdk/client-dynamodb'
import type {DynamoDBDocumentClient, QueryCommandInput, ScanCommandInput, TransactWriteCommandInput} from '@aws-sdk/lib-dynamodb'

import {OpsctlError} from '../errors/errors.js'
import {systemClock} from '../time/clock.js'
import {deleteOnce} from './idempotent.js'

/*
 * The DynamoDB calls the tenant store makes: items as plain values (the document client), every page of a query,
 * and transactions whose refusals say which of their conditions failed.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number]

/** A transaction refused because one or more of its conditions did not hold: `failed` are the indexes of those items. */
export class ConditionsFailed extends Error {
  constructor(readonly failed: number[]) {
    super(`the conditions of items ${failed.join(', ')} of the transaction did not hold`)
    this.name = 'ConditionsFailed'
  }
}

export async function documentClient(client: DynamoDBClient): Promise<DynamoDBDocumentClient> {
  const {DynamoDBDocumentClient} = await import('@aws-sdk/lib-dynamodb')
  return DynamoDBDocumentClient.from(client, {marshallOptions: {removeUndefinedValues: true}})
}

/**
 * Writes the items all or none. `token` makes a retry of the same transaction (after a lost response) a no-op within
 * DynamoDB's ten minutes; a refused condition becomes ConditionsFailed.
 */
export async function transactWrite(doc: DynamoDBDocumentClient, items: TransactItem[], token: string, abortSignal?: AbortSignal): Promise<void> {
  const {TransactWriteCommand} = await import('@aws-sdk/lib-dynamodb')
  try {
    const {createHash} = await import('node:crypto')
    // DynamoDB takes at most 36 characters: a digest of the caller's token keeps each transaction's its own.
    const ClientRequestToken = createHash('sha256').update(token).digest('hex').slice(0, 36)
    await doc.send(new TransactWriteCommand({TransactItems: items, ClientRequestToken}), {abortSignal})
  } catch (error) {
    const reasons = error as {name?: string; CancellationReasons?: {Code?: string}[]}
    if (reasons.name !== 'TransactionCanceledException') throw error
    const failed = (reasons.CancellationReasons ?? []).flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []))
    if (failed.length === 0) throw error
    throw new ConditionsFailed(failed)
  }
}

/** Every item of a query, all pages; `pages` counts the calls it took. */
export async function queryAll<T>(doc: DynamoDBDocumentClient, input: QueryCommandInput, abortSignal?: AbortSignal): Promise<{items: T[]; pages: number}> {
  const {paginateQuery} = await import('@aws-sdk/lib-dynamodb')
  const items: T[] = []
  let pages = 0
  for await (const page of paginateQuery({client: doc}, input, {abortSignal})) {
    pages++
    items.push(...((page.Items ?? []) as T[]))
  }
  return {items, pages}
}

/** Every page of a scan, each told to `onPage` as it comes; `pages` counts the calls it took. */
export async function scanPages<T>(
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
  onPage: (items: T[]) => void,
  abortSignal?: AbortSignal,
): Promise<{pages: number}> {
  const {paginateScan} = await import('@aws-sdk/lib-dynamodb')
  let pages = 0
  for await (const page of paginateScan({client: doc}, input, {abortSignal})) {
    pages++
    onPage((page.Items ?? []) as T[])
  }
  return {pages}
}

export async function getItem<T>(doc: DynamoDBDocumentClient, table: string, key: Record<string, string>, abortSignal?: AbortSignal): Promise<T | undefined> {
  const {GetCommand} = await import('@aws-sdk/lib-dynamodb')
  return (await doc.send(new GetCommand({TableName: table, Key: key, ConsistentRead: true}), {abortSignal})).Item as T | undefined
}

/** The table, or undefined when there is none of that name. */
export async function findTable(client: DynamoDBClient, table: string, abortSignal?: AbortSignal): Promise<TableDescription | undefined> {
  const {DescribeTableCommand} = await import('@aws-sdk/client-dynamodb')
  try {
    return (await client.send(new DescribeTableCommand({TableName: table}), {abortSignal})).Table
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined
    throw error
  }
}

export async function tableTags(client: DynamoDBClient, tableArn: string, abortSignal?: AbortSignal): Promise<{Key?: string; Value?: string}[]> {
  const {ListTagsOfResourceCommand} = await import('@aws-sdk/client-dynamodb')
  return (await client.send(new ListTagsOfResourceCommand({ResourceArn: tableArn}), {abortSignal})).Tags ?? []
}

/** Point-in-time recovery and deletion protection on (each call sets them, whatever they were). */
export async function protectTable(client: DynamoDBClient, table: string, abortSignal?: AbortSignal): Promise<void> {
  const {UpdateContinuousBackupsCommand, UpdateTableCommand} = await import('@aws-sdk/client-dynamodb')
  await client.send(new UpdateContinuousBackupsCommand({TableName: table, PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}}), {abortSignal})
  await client.send(new UpdateTableCommand({TableName: table, DeletionProtectionEnabled: true}), {abortSignal})
}

/** Deletes a table, turning its deletion protection off first; a table already gone is done. */
export async function deleteTable(client: DynamoDBClient, table: string, abortSignal?: AbortSignal): Promise<void> {
  const {DeleteTableCommand, UpdateTableCommand} = await import('@aws-sdk/client-dynamodb')
  await deleteOnce(async () => {
    await client.send(new UpdateTableCommand({TableName: table, DeletionProtectionEnabled: false}), {abortSignal})
    await client.send(new DeleteTableCommand({TableName: table}), {abortSignal})
  })
}

/** BatchGetItem takes at most 100 keys a call; keys it leaves unprocessed (throttled) are asked for again this many times. */
const BATCH_GET_KEYS = 100
const BATCH_GET_ROUNDS = 8

/** The items of these keys that exist (in no particular order), 100 keys a call, unprocessed keys asked for again after a back-off. */
export async function getItems<T>(doc: DynamoDBDocumentClient, table: string, keys: Record<string, string>[], abortSignal?: AbortSignal): Promise<T[]> {
  const {BatchGetCommand} = await import('@aws-sdk/lib-dynamodb')
  const items: T[] = []
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS)
    for (let round = 1; pending.length > 0; round++) {
      if (round > BATCH_GET_ROUNDS)
        throw new OpsctlError(`DynamoDB left ${pending.length} item(s) of ${table} unread after ${BATCH_GET_ROUNDS} tries (throttled); try again in a moment.`)
      if (round > 1) await systemClock.sleep(50 * 2 ** round, abortSignal)
      const request = {RequestItems: {[table]: {Keys: pending, ConsistentRead: true}}}
      const {Responses, UnprocessedKeys} = await doc.send(new BatchGetCommand(request), {abortSignal})
      items.push(...((Responses?.[table] ?? []) as T[]))
      pending = UnprocessedKeys?.[table]?.Keys ?? []
    }
  }
  return items
}
