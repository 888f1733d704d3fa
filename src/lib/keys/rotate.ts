import {enableKeyRotation, keyRotationStatus, rotateKeyOnDemand} from '../aws/kms.js'
import type {OutputReader, Step, StepIO, Workflow} from '../engine/types.js'
import {KEY_ROTATE_WORKFLOW} from '../engine/workflow-names.js'
import {OpsctlError, RefusedWriteError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {KeyRotateContext, KeyRotateOptions} from './rotate-context.js'
import {checkedKeyArn, checkKeyStep, checkOnDemandBudgetStep} from './rotate-preflight.js'
import {encryptCanariesStep, type KeyMaterial, keyMaterialOf, newCanaryRoundTripStep, recordKeyMaterialStep, verifyOldCiphertextsStep} from './rotate-verify.js'

type RotateStep<O extends object> = Step<KeyRotateContext, O>

/** Where a rotation is: under way since when, and the key material KMS lists now. */
interface RotationProgress {
  since?: Date
  material: KeyMaterial
  /** No rotation under way, and a new on-demand rotation listed since the material was recorded. */
  done: boolean
}

async function rotationProgress(ctx: KeyRotateContext, io: StepIO): Promise<RotationProgress> {
  const keyArn = checkedKeyArn(io)
  const since = (await keyRotationStatus(ctx.kms, keyArn, io.signal)).OnDemandRotationStartDate
  const material = await keyMaterialOf(ctx.kms, keyArn, io.signal)
  return {since, material, done: since === undefined && material.onDemandRotations > io.outputOf(recordKeyMaterialStep)!.onDemandRotations}
}

/** The refusals of RotateKeyOnDemand, each a sentence about the key (nothing was rotated). */
const rotationRefusals: Record<string, (keyArn: string) => string> = {
  LimitExceededException: (keyArn) =>
    `KMS key ${keyArn} has no on-demand rotation left; rely on automatic rotation ("aws kms enable-key-rotation --key-id ${keyArn}") instead.`,
  DisabledException: (keyArn) => `KMS key ${keyArn} is disabled; enable it ("aws kms enable-key --key-id ${keyArn}") and run again.`,
  ConflictException: (keyArn) =>
    `KMS key ${keyArn} is already rotating; wait until it has finished ("aws kms get-key-rotation-status --key-id ${keyArn}") and run again.`,
  KMSInvalidStateException: (keyArn) =>
    `KMS key ${keyArn} is in a state in which it cannot be rotated; check it with "aws kms describe-key --key-id ${keyArn}".`,
  UnsupportedOperationException: (keyArn) =>
    `KMS cannot rotate key ${keyArn} on demand; check its origin and key store with "aws kms describe-key --key-id ${keyArn}".`,
}

/** Whether this run's rotation request already reached KMS: a rotation is under way, or a new one is listed. */
const alreadyRotating = async (ctx: KeyRotateContext, io: StepIO) => {
  const progress = await rotationProgress(ctx, io)
  return progress.since !== undefined || progress.done
}

const rotateOnDemandStep: RotateStep<{requestedAt: string; alreadyRequested: boolean}> = {
  id: 'rotate-on-demand',
  title: 'Rotate the key material on demand (RotateKeyOnDemand)',
  actions: ['kms:RotateKeyOnDemand', 'kms:GetKeyRotationStatus', 'kms:ListKeyRotations', 'kms:DescribeKey'],
  mutates: true,
  async run(ctx, io) {
    const keyArn = checkedKeyArn(io)
    const requestedAt = new Date(io.clock.now()).toISOString()
    // A resumed run whose request reached KMS before the crash finds its rotation under way or done.
    if (await alreadyRotating(ctx, io)) return {requestedAt, alreadyRequested: true}
    try {
      await rotateKeyOnDemand(ctx.kms, keyArn, io.signal)
    } catch (error) {
      const {name} = error as Error
      // A request sent again after its response was lost meets its own rotation: the check-on-demand-budget step saw none under way.
      if (name === 'ConflictException' && (await alreadyRotating(ctx, io))) return {requestedAt, alreadyRequested: true}
      const refusal = rotationRefusals[name]
      if (refusal) throw new RefusedWriteError(refusal(keyArn), name.replace(/Exception$/, ''))
      throw error
    }
    return {requestedAt, alreadyRequested: false}
  },
}

const rotationTimeout = (keyArn: string, seconds: number) =>
  new OpsctlError(
    `KMS key ${keyArn} had not finished rotating after ${seconds} s (--timeout); the rotation may still finish on its own: see "aws kms get-key-rotation-status --key-id ${keyArn}".`,
    ExitCode.WorkflowFailed,
    'RotationTimeout',
  )

const waitRotationStep: RotateStep<{rotationDate?: string; keyMaterialAfter: KeyMaterial}> = {
  id: 'wait-rotation',
  title: 'Wait until the rotation has finished: none under way, and a new on-demand rotation listed (--timeout)',
  actions: ['kms:GetKeyRotationStatus', 'kms:ListKeyRotations', 'kms:DescribeKey'],
  mutates: false,
  async run(ctx, io) {
    const deadline = io.clock.now() + ctx.timeoutSeconds * 1000
    for (;;) {
      const {since, material, done} = await rotationProgress(ctx, io)
      if (done) {
        io.metric('rotationSeconds', Math.round((io.clock.now() - Date.parse(io.outputOf(rotateOnDemandStep)!.requestedAt)) / 1000))
        return {rotationDate: material.latestRotation?.rotationDate, keyMaterialAfter: material}
      }
      const now = io.clock.now()
      if (now >= deadline) throw rotationTimeout(checkedKeyArn(io), ctx.timeoutSeconds)
      io.progress(since ? `rotating since ${since.toISOString()}` : 'waiting for the new rotation to be listed')
      await io.clock.sleep(Math.min(ctx.pollIntervalSeconds * 1000, deadline - now), io.signal)
    }
  },
}

/** Automatic rotation as KMS reports it after it was turned on (period and next date where the endpoint reports them). */
export interface AutomaticRotation {
  enabled: boolean
  requestedPeriodDays: number
  periodDays?: number
  nextRotationDate?: string
}

const enableAutomaticRotationStep: RotateStep<AutomaticRotation> = {
  id: 'enable-automatic-rotation',
  title: 'Turn automatic rotation on with the given period (--enable-automatic --period-days)',
  actions: ['kms:EnableKeyRotation', 'kms:GetKeyRotationStatus'],
  mutates: true,
  async run(ctx, io) {
    const keyArn = checkedKeyArn(io)
    await enableKeyRotation(ctx.kms, keyArn, ctx.periodDays!, io.signal)
    const status = await keyRotationStatus(ctx.kms, keyArn, io.signal)
    return {
      enabled: status.KeyRotationEnabled === true,
      requestedPeriodDays: ctx.periodDays!,
      periodDays: status.RotationPeriodInDays,
      nextRotationDate: status.NextRotationDate?.toISOString(),
    }
  },
}

/** What a rotation did and what it verified. */
export interface KeyRotateOutcome {
  keyId: string
  keyArn: string
  rotationDate?: string
  keyMaterialBefore: KeyMaterial
  keyMaterialAfter: KeyMaterial
  onDemandLimit: number
  verified: {canaries: number; canariesFailed: number; tenantDataKeys: number; tenantDataKeysFailed: number; newCanaryRoundTrip: boolean}
  automaticRotation?: AutomaticRotation
  /** Every ciphertext that did not decrypt after the rotation, and why (never a plaintext). */
  failures: string[]
}

function rotateOutcome(outputOf: OutputReader): KeyRotateOutcome {
  const key = outputOf(checkKeyStep)!
  const {rotationDate, keyMaterialAfter} = outputOf(waitRotationStep)!
  const {canaries, tenantDataKeys} = outputOf(verifyOldCiphertextsStep)!
  const roundTrip = outputOf(newCanaryRoundTripStep)!
  return {
    keyId: key.keyId,
    keyArn: key.keyArn,
    rotationDate,
    keyMaterialBefore: outputOf(recordKeyMaterialStep)!,
    keyMaterialAfter,
    onDemandLimit: outputOf(checkOnDemandBudgetStep)!.onDemandLimit,
    verified: {
      canaries: canaries.verified,
      canariesFailed: canaries.failures.length,
      tenantDataKeys: tenantDataKeys.verified,
      tenantDataKeysFailed: tenantDataKeys.failures.length,
      newCanaryRoundTrip: roundTrip.roundTrip,
    },
    automaticRotation: outputOf(enableAutomaticRotationStep),
    failures: [...canaries.failures, ...tenantDataKeys.failures, ...(roundTrip.failure ? [roundTrip.failure] : [])],
  }
}

/** At most this many failures are named in the objective; the outcome lists them all. */
const FAILURES_NAMED = 10

function rotateObjective(outcome: KeyRotateOutcome): string[] {
  const {failures} = outcome
  if (failures.length === 0) return []
  const more = failures.length > FAILURES_NAMED ? ` and ${failures.length - FAILURES_NAMED} more` : ''
  return [`${failures.length} ciphertext(s) did not decrypt after the rotation: ${failures.slice(0, FAILURES_NAMED).join('; ')}${more}`]
}

/**
 * Read-only checks (exit 2 on a refusal), canaries encrypted under the current key material, the material
 * recorded, the on-demand rotation (after the confirmation), the wait until it has finished (exit 1 on
 * --timeout), then every canary and tenant data key made before it decrypted: one that does not is a
 * missed objective (exit 4). Optionally automatic rotation is turned on last.
 */
export function keyRotateWorkflow(options: KeyRotateOptions): Workflow<KeyRotateContext, KeyRotateOutcome> {
  return {
    name: KEY_ROTATE_WORKFLOW,
    steps: [
      checkKeyStep,
      checkOnDemandBudgetStep,
      recordKeyMaterialStep,
      encryptCanariesStep,
      rotateOnDemandStep,
      waitRotationStep,
      verifyOldCiphertextsStep,
      newCanaryRoundTripStep,
      ...(options.enableAutomatic ? [enableAutomaticRotationStep] : []),
    ],
    outcome: rotateOutcome,
    objective: rotateObjective,
  }
}
