/*
 * Lost responses. When AWS applies a request but its response is lost (a reset connection, a timeout),
 * the SDK sends it again, and the second answer describes the first one's effect: "already exists" for a
 * create, "not found" for a delete, "invalid state" for a failover under way. These helpers tell such an
 * answer from a real conflict, once for every workflow.
 */

import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'

interface NamedError {
  name?: string
  Code?: string
  message?: string
}

const nameOf = (error: unknown) => (error as NamedError | undefined)?.name ?? (error as NamedError | undefined)?.Code ?? ''

/** RDS …AlreadyExistsFault, SSM ParameterAlreadyExists, KMS AlreadyExistsException, EC2 ….Duplicate. */
export const isAlreadyExists = (error: unknown) => /AlreadyExists|Duplicate/.test(nameOf(error))

/** RDS …NotFoundFault, EC2 ….NotFound, SSM ParameterNotFound, DynamoDB ResourceNotFoundException, S3 NoSuch…. */
export const isNotFound = (error: unknown) => /NotFound|NoSuch|DoesNotExist/.test(nameOf(error))

/** RDS refuses a request that the resource's current state does not allow (InvalidDBInstanceStateFault …). */
export const isInvalidState = (error: unknown) => /^Invalid\w*State/.test(nameOf(error))

const isBeingDeleted = (error: unknown) => isInvalidState(error) && /(already )?being deleted/i.test((error as NamedError).message ?? '')

/**
 * Sends a create. "Already exists" means a lost response when `isOurs` finds the resource carrying this
 * run's id: the create happened and the step carries on. Anything else is a real conflict and is thrown.
 */
export async function createOnce(send: () => Promise<unknown>, isOurs: () => Promise<boolean>, what: string): Promise<void> {
  try {
    await send()
  } catch (error) {
    if (!isAlreadyExists(error)) throw error
    if (!(await isOurs())) {
      throw new OpsctlError(
        `${what} was created by another run or person at the same moment, so this run did not make it and leaves it alone; choose another name and run again.`,
        ExitCode.WorkflowFailed,
        'AlreadyExists',
      )
    }
  }
}

/** Sends a delete; one that finds nothing to delete, or the deletion already under way, is done. */
export async function deleteOnce(send: () => Promise<unknown>): Promise<void> {
  try {
    await send()
  } catch (error) {
    if (!isNotFound(error) && !isBeingDeleted(error)) throw error
  }
}

/**
 * Sends a request that changes a resource's state (a failover, a promotion). "Invalid state" means a lost
 * response when `applied` sees the change under way or done; otherwise it is thrown.
 */
export async function changeOnce(send: () => Promise<unknown>, applied: () => Promise<boolean>): Promise<void> {
  try {
    await send()
  } catch (error) {
    if (!isInvalidState(error) || !(await applied())) throw error
  }
}
