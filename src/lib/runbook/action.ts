import type {AwsSession} from '../aws/session.js'
import type {StepIO} from '../engine/types.js'
import type {NodePath, RunbookStep} from './document.js'

/** What a step gives back to the executor: its built-in outputs and the raw response its Selectors read. */
export interface ActionResult {
  outputs?: Record<string, unknown>
  /** The object that the step's `outputs` Selectors are applied to (an API response, an execution's outputs). */
  response?: unknown
  /** aws:branch: the step chosen. */
  nextStep?: string
}

/** What the local engine gives an action while it runs one step. */
export interface LocalStepContext {
  session: AwsSession
  io: StepIO
  step: RunbookStep & {name: string}
  /** Asks a person (aws:approve, aws:pause): prompt on a terminal, --approve in CI, refusal otherwise. */
  approve(question: string): Promise<void>
  /** aws:executeAutomation: runs another document of runbooks/ with the same engine. */
  runDocument(name: string, parameters: Record<string, unknown>): Promise<{executionId: string; status: string; outputs: Record<string, unknown>}>
  /** aws:loop: runs the loop's inner steps once, with `{{ loop.CurrentIteration }}` and `{{ loop.CurrentIteratorValue }}` set. */
  runIteration(steps: RunbookStep[], iteration: number, iteratorValue: unknown): Promise<void>
  /** Resolves a condition's references and evaluates it (aws:loop's LoopCondition). */
  evaluate(condition: unknown): boolean
  setVariable(name: string, value: unknown): void
}

/** What an action's own input checks may report and ask, paths relative to the step's `inputs`. */
export interface InputCheck {
  /** The step's name, for messages. */
  step: string
  error(rule: string, input: NodePath, message: string, fix: string): void
  /** A Variable/operator condition of aws:branch choices and aws:loop's LoopCondition; a choice also carries NextStep. */
  condition(condition: Record<string, unknown>, input: NodePath, isChoice: boolean): void
  /** The declared variables of the document, with their types. */
  variables: ReadonlyMap<string, string>
  /** "did you mean X?" among the candidates. */
  suggest(word: string, candidates: readonly string[], noun: string): string
}

/**
 * One Automation action: what the validator checks, what `runbook iam` derives, and (when the local
 * engine can run it) how it runs. One file per action under actions/, registered in actions/index.ts.
 * `run` loads the AWS SDK client it needs when it runs, so validate, plan and iam never load one.
 */
export interface ActionSpec {
  name: string
  /** Inputs SSM requires. */
  requiredInputs: string[]
  /** Groups of inputs of which exactly one must be given (e.g. aws:sleep Duration or Timestamp). */
  oneOf?: string[][]
  /** Outputs the action produces without an `outputs` declaration (e.g. aws:runCommand CommandId). */
  builtinOutputs: string[]
  /** Whether it may change something (plan and report say so). */
  mutates(inputs: Record<string, unknown>): boolean
  /** The IAM actions it may call, from its inputs as written (references not resolved). */
  calls(inputs: Record<string, unknown>): string[]
  /** SSM refuses onCancel on the step (aws:loop, aws:updateVariable). */
  noOnCancel?: boolean
  /** Checks of its inputs beyond the required ones (values as written: `{{ }}` references are not resolved). */
  checkInputs?(inputs: Record<string, unknown>, check: InputCheck): void
  /** Inputs passed to `run` unresolved, because the action resolves them itself (aws:loop's Steps). */
  rawInputs?: string[]
  /** Absent when only SSM can run it: the local engine refuses the document before anything runs. */
  // biome-ignore lint/suspicious/noExplicitAny: resolved document values, in the shapes the validator checked; each action reads its own as it knows them.
  run?(inputs: Record<string, any>, ctx: LocalStepContext): Promise<ActionResult>
}
