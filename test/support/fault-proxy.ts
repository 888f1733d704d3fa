import {randomBytes, randomUUID} from 'node:crypto'
import {type ClientRequest, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'

/**
 * A fault-injecting HTTP proxy for tests: it sits between AWS SDK clients (in the test process or in
 * opsctl subprocesses, via AWS_ENDPOINT_URL) and moto_server, and answers some requests with the
 * faults real AWS produces — throttling, 5xx, connections reset before or after the request was
 * applied, requests that never answer — each in the wire format of the request's protocol, so the
 * SDK's own error deserializers and retry classification see exactly what they would see from AWS.
 *
 * Requests to /moto-api/... (reset, state manipulation) are forwarded untouched, never counted, never faulted.
 */

/** Probabilities (0..1, summing to at most 1) of a random fault on each AWS request. */
export interface FaultRates {
  throttle?: number
  serverError?: number
  resetBefore?: number
  resetAfter?: number
}

export type Fault = 'throttle' | 'server-error' | 'reset-before' | 'reset-after' | 'hang' | 'hold-after'

/** `service` is the SigV4 signing name (`rds`, `monitoring`, `events`, ...); `operation` the API name, or `METHOD /path` for REST calls without one. */
export interface AwsOperation {
  service: string
  operation: string
}

export interface OperationMatch {
  /** Any service when left out. */
  service?: string
  operation: string
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>; give it to clients as `endpoint` or AWS_ENDPOINT_URL. */
  endpoint: string
  /** Random faults on every AWS request from now on, drawn from the proxy's seeded PRNG; replaces earlier rates. */
  setRates(rates: FaultRates): void
  /** A fault for the next `times` (default 1; Infinity allowed) requests matching; matched before random rates. */
  inject(match: OperationMatch, fault: Fault, options?: {times?: number}): void
  /**
   * Resolves when the next request matching arrives, once its fault is chosen — e.g. to SIGKILL a process
   * then. For `reset-after` and `hold-after` it resolves once moto has answered, so the request is applied.
   * Rejects when the proxy closes first.
   */
  nextRequest(match: OperationMatch): Promise<AwsOperation & {fault?: Fault}>
  /** Counts since start or the last clear(); `operations` is keyed `service:Operation`, e.g. 'rds:CreateDBSnapshot'. */
  stats(): {requests: number; faults: Record<Fault, number>; operations: Record<string, number>}
  /** Ends every hung or held request by destroying its socket (a held one once moto has answered it). */
  release(): void
  /**
   * Holds every AWS request this long before handling it, so that a test reacting to a process's output
   * (SIGKILL after a step) acts before the process's next request is applied.
   */
  setLatency(ms: number): void
  /** No rates, no injected faults, no latency, stats zeroed. Hung and held requests stay as they are. */
  clear(): void
  /** Ends every connection, hung, held or in flight, and stops listening. */
  close(): Promise<void>
}

/** The faults a test of "survives a bad day at AWS" runs under: 25 % throttling, 5 % HTTP 500/503, 3 % resets before the request, 2 % after it was applied. */
export const defaultFaultRates: Readonly<Required<FaultRates>> = Object.freeze({throttle: 0.25, serverError: 0.05, resetBefore: 0.03, resetAfter: 0.02})

const FAULTS: readonly Fault[] = ['throttle', 'server-error', 'reset-before', 'reset-after', 'hang', 'hold-after']

/** How a request is encoded, which decides how its errors must be encoded. */
type Protocol =
  | {kind: 'query'} // awsQuery: RDS, STS, older CloudWatch, SNS...
  | {kind: 'ec2'}
  | {kind: 'json'; version: '1.0' | '1.1'; queryCompatible: boolean}
  | {kind: 'cbor'; queryCompatible: boolean}
  | {kind: 'rest-xml'}
  | {kind: 'rest-json'}

interface Identified extends AwsOperation {
  protocol: Protocol
}

interface Injection extends OperationMatch {
  fault: Fault
  times: number
}

interface Waiter extends OperationMatch {
  resolve(value: AwsOperation & {fault?: Fault}): void
  reject(error: Error): void
}

/** A hung request, or a held one whose response is being kept from the client. */
interface Held {
  socket: Socket
  /** Can be ended now: a hang always, a hold-after once moto has answered (release() before that waits for it). */
  ready: boolean
  released: boolean
}

/** Signing names of the REST services that speak XML; every other REST service speaks rest-json. */
const REST_XML_SERVICES = new Set(['s3', 'cloudfront', 'route53', 's3-outposts'])

/** Hop-by-hop headers: they describe one connection, so a proxy never passes them on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
])

const noop = () => {}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The signing name from a SigV4 (or SigV4a) credential scope, in the Authorization header or a presigned URL. */
function signingName(req: IncomingMessage, url: URL): string {
  const credential = /Credential=([^,\s]+)/.exec(header(req.headers, 'authorization') ?? '')?.[1] ?? url.searchParams.get('X-Amz-Credential') ?? ''
  // AKID/date/region/service/aws4_request (SigV4) or AKID/date/service/aws4_request (SigV4a)
  const parts = credential.split('/')
  return parts.length >= 4 ? parts.at(-2)! : 'unknown'
}

function isForm(req: IncomingMessage): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(header(req.headers, 'content-type') ?? '')
}

/** Service, operation and protocol of an AWS request; `form` is the body of a form-encoded (query or EC2) request. */
function identify(req: IncomingMessage, url: URL, form: Buffer | undefined): Identified {
  const service = signingName(req, url)
  const queryCompatible = header(req.headers, 'x-amzn-query-mode') === 'true'
  const target = header(req.headers, 'x-amz-target')
  if (target) {
    const version = /x-amz-json-1\.1/i.test(header(req.headers, 'content-type') ?? '') ? '1.1' : '1.0'
    return {service, operation: target.slice(target.lastIndexOf('.') + 1), protocol: {kind: 'json', version, queryCompatible}}
  }
  const rpcv2 = /\/service\/[^/]+\/operation\/([^/?]+)$/.exec(url.pathname)
  if (rpcv2 && header(req.headers, 'smithy-protocol')) {
    return {service, operation: decodeURIComponent(rpcv2[1]), protocol: {kind: 'cbor', queryCompatible}}
  }
  const action = (form ? new URLSearchParams(form.toString('utf8')).get('Action') : undefined) ?? url.searchParams.get('Action')
  if (action) return {service, operation: action, protocol: {kind: service === 'ec2' ? 'ec2' : 'query'}}
  // REST: the S3 client names some operations itself in ?x-id=; the rest are told apart by method, path
  // (without the trailing slash the S3 client puts after a bucket) and sub-resource: 'PUT /bucket?tagging'.
  const subresources = [...url.searchParams.keys()].filter((k) => k !== 'x-id' && !k.startsWith('X-Amz-')).sort()
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname
  const operation = url.searchParams.get('x-id') ?? `${req.method} ${path}${subresources.length > 0 ? `?${subresources.join('&')}` : ''}`
  return {service, operation, protocol: {kind: REST_XML_SERVICES.has(service) ? 'rest-xml' : 'rest-json'}}
}

const matches = (match: OperationMatch, op: AwsOperation) => match.operation === op.operation && (match.service === undefined || match.service === op.service)

interface ErrorSpec {
  status: number
  code: string
  message: string
  /** awsQuery's fault side: Sender (client) or Receiver (server). */
  type: 'Sender' | 'Receiver'
}

const MESSAGES: Record<string, string> = {
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  InternalError: 'We encountered an internal error. Please try again.',
  InternalServerError: 'Internal server error',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
}

/** The error AWS answers with, per protocol: the codes and statuses each service family really uses. */
function errorSpec(fault: 'throttle' | 'server-error', op: Identified, random: () => number): ErrorSpec {
  const {kind} = op.protocol
  if (fault === 'throttle') {
    switch (kind) {
      case 'query':
        return {status: 400, code: 'Throttling', message: 'Rate exceeded', type: 'Sender'}
      case 'ec2':
        return {status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.', type: 'Sender'}
      case 'rest-xml':
        return {status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', type: 'Sender'}
      case 'rest-json':
        return {status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded', type: 'Sender'}
      default:
        return {status: 400, code: 'ThrottlingException', message: 'Rate exceeded', type: 'Sender'}
    }
  }
  const status = random() < 0.5 ? 500 : 503
  const internal = kind === 'ec2' || kind === 'rest-xml' ? 'InternalError' : op.service === 'dynamodb' ? 'InternalServerError' : 'InternalFailure'
  const code = status === 500 ? internal : 'ServiceUnavailable'
  return {status, code, message: MESSAGES[code], type: 'Receiver'}
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Just enough CBOR for a map of text strings (RFC 8949 major types 3 and 5). */
function cborTextMap(entries: Record<string, string>): Buffer {
  const head = (major: number, length: number) => {
    if (length < 24) return Buffer.from([(major << 5) | length])
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length])
    if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff])
    const b = Buffer.alloc(5)
    b[0] = (major << 5) | 26
    b.writeUInt32BE(length, 1)
    return b
  }
  const text = (s: string) => {
    const bytes = Buffer.from(s, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  const pairs = Object.entries(entries)
  return Buffer.concat([head(5, pairs.length), ...pairs.flatMap(([k, v]) => [text(k), text(v)])])
}

/** Status, headers and body of an error response, byte for byte in the shape the service family sends. */
function errorResponse(spec: ErrorSpec, op: Identified): {status: number; headers: Record<string, string>; body: Buffer} {
  const requestId = randomUUID()
  const {code, message} = spec
  switch (op.protocol.kind) {
    case 'query': {
      const body = `<ErrorResponse><Error><Type>${spec.type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
      return {status: spec.status, headers: {'content-type': 'text/xml', 'x-amzn-requestid': requestId}, body: Buffer.from(body)}
    }
    case 'ec2': {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      return {status: spec.status, headers: {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}, body: Buffer.from(body)}
    }
    case 'rest-xml': {
      const hostId = randomBytes(48).toString('base64')
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
      return {status: spec.status, headers: {'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId}, body: Buffer.from(body)}
    }
    case 'rest-json':
      return {
        status: spec.status,
        headers: {'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': code},
        body: Buffer.from(JSON.stringify({message})),
      }
    case 'json':
    case 'cbor': {
      // DynamoDB names its errors with its own namespace; the SDK strips everything up to '#'.
      const type = op.service === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${code}` : code
      const headers: Record<string, string> = {'x-amzn-requestid': requestId}
      // Query-compatible services (CloudWatch, SQS) also say the awsQuery code, which the SDK prefers.
      if (op.protocol.queryCompatible) headers['x-amzn-query-error'] = `${code === 'ThrottlingException' ? 'Throttling' : code};${spec.type}`
      if (op.protocol.kind === 'cbor') {
        return {
          status: spec.status,
          headers: {...headers, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor'},
          body: cborTextMap({__type: type, message}),
        }
      }
      return {
        status: spec.status,
        headers: {...headers, 'content-type': `application/x-amz-json-${op.protocol.version}`},
        body: Buffer.from(JSON.stringify({__type: type, message})),
      }
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('close', () => reject(new Error('client went away mid-request')))
  })
}

/** Waits until the client has sent its whole request (discarding the body), so an early answer never cuts an upload short. */
function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve()
  return new Promise((resolve) => {
    req.on('end', resolve)
    req.on('close', resolve)
    req.resume()
  })
}

/** A TCP RST, as a dropped connection looks to the client (ECONNRESET); a plain close where that is not possible. */
function reset(socket: Socket): void {
  if (socket.destroyed) return
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}

function validateRates(rates: FaultRates): Required<FaultRates> {
  const r = {throttle: 0, serverError: 0, resetBefore: 0, resetAfter: 0, ...rates}
  for (const [name, value] of Object.entries(r)) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`fault rate ${name} must be between 0 and 1, got ${value}`)
  }
  const sum = r.throttle + r.serverError + r.resetBefore + r.resetAfter
  if (sum > 1 + 1e-9) throw new RangeError(`fault rates add up to ${sum}, more than 1`)
  return r
}

/** Starts the proxy on a free port of 127.0.0.1 in front of `target` (moto's endpoint). `seed` fixes the random faults (default 1). */
export async function startFaultProxy(options: {target: string; seed?: number; rates?: FaultRates}): Promise<FaultProxy> {
  const target = new URL(options.target)
  if (target.protocol !== 'http:') throw new Error(`fault proxy: the target must be an http:// endpoint, got ${options.target}`)
  const random = prng(options.seed ?? 1)
  let rates = validateRates(options.rates ?? {})
  let latencyMs = 0
  let injections: Injection[] = []
  let waiters: Waiter[] = []
  const held = new Set<Held>()
  const upstreams = new Set<ClientRequest>()
  let closing: Promise<void> | undefined
  const emptyStats = () => ({
    requests: 0,
    faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
    operations: {} as Record<string, number>,
  })
  let counts = emptyStats()

  function chooseFault(op: AwsOperation): Fault | undefined {
    const index = injections.findIndex((i) => matches(i, op))
    if (index >= 0) {
      const injection = injections[index]
      if (--injection.times <= 0) injections.splice(index, 1)
      return injection.fault
    }
    if (rates.throttle + rates.serverError + rates.resetBefore + rates.resetAfter === 0) return undefined
    let r = random()
    for (const [fault, rate] of [
      ['throttle', rates.throttle],
      ['server-error', rates.serverError],
      ['reset-before', rates.resetBefore],
      ['reset-after', rates.resetAfter],
    ] as const) {
      if (r < rate) return fault
      r -= rate
    }
    return undefined
  }

  function notify(op: AwsOperation, fault: Fault | undefined): void {
    const woken = waiters.filter((w) => matches(w, op))
    if (woken.length === 0) return
    waiters = waiters.filter((w) => !woken.includes(w))
    for (const w of woken) w.resolve({service: op.service, operation: op.operation, ...(fault ? {fault} : {})})
  }

  /**
   * Sends the request to moto. `answer` streams moto's response back; `reset-after` and `hold-after` read
   * all of it (so the request is applied) and then drop the client's connection — at once, or on release().
   */
  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    mode: 'answer' | 'reset-after' | 'hold-after',
    onApplied?: () => void,
  ): void {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)))
    const upstream = httpRequest({hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false})
    upstreams.add(upstream)
    upstream.on('close', () => upstreams.delete(upstream))
    const hold: Held | undefined = mode === 'hold-after' ? {socket: req.socket, ready: false, released: false} : undefined
    if (hold) {
      held.add(hold)
      req.socket.once('close', () => held.delete(hold))
    }
    let applied = false
    const done = () => {
      // Moto has answered (or failed): the client gets nothing, now or when released.
      if (applied) return
      applied = true
      onApplied?.()
      if (mode === 'reset-after') reset(req.socket)
      else if (hold) {
        hold.ready = true
        if (hold.released) reset(req.socket)
      }
    }
    upstream.on('error', () => {
      if (mode === 'answer')
        reset(req.socket) // moto unreachable or gone: to the client, a network error
      else done()
    })
    upstream.on('response', (ures) => {
      ures.on('error', noop)
      if (mode !== 'answer') {
        ures.on('end', done)
        ures.on('close', done)
        ures.resume()
        return
      }
      if (res.destroyed) {
        ures.resume()
        return
      }
      const raw: string[] = []
      for (let i = 0; i < ures.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(ures.rawHeaders[i].toLowerCase())) raw.push(ures.rawHeaders[i], ures.rawHeaders[i + 1])
      }
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, raw)
      ures.pipe(res)
      ures.on('close', () => {
        if (!ures.complete) reset(req.socket) // moto broke off mid-response: so does the proxy
      })
    })
    // A client that leaves mid-upload never gets its half request applied; one that leaves later does, as with AWS.
    req.on('close', () => {
      if (!req.complete) upstream.destroy()
    })
    res.on('close', () => {
      if (mode === 'answer' && !res.writableFinished && upstream.writableFinished) upstream.destroy()
    })
    if (body) upstream.end(body)
    else req.pipe(upstream)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', noop)
    res.on('error', noop)
    const url = new URL(req.url ?? '/', 'http://proxy.invalid')
    if (url.pathname === '/moto-api' || url.pathname.startsWith('/moto-api/')) {
      forward(req, res, undefined, 'answer')
      return
    }
    let body: Buffer | undefined
    if (isForm(req)) {
      try {
        body = await readBody(req)
      } catch {
        return
      }
    }
    const op = identify(req, url, body)
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    counts.requests++
    const key = `${op.service}:${op.operation}`
    counts.operations[key] = (counts.operations[key] ?? 0) + 1
    const fault = chooseFault(op)
    if (fault) counts.faults[fault]++
    if (fault !== 'reset-after' && fault !== 'hold-after') notify(op, fault)
    switch (fault) {
      case undefined:
        forward(req, res, body, 'answer')
        return
      case 'reset-after':
      case 'hold-after':
        forward(req, res, body, fault, () => notify(op, fault))
        return
      case 'reset-before':
        reset(req.socket)
        return
      case 'hang': {
        const hang: Held = {socket: req.socket, ready: true, released: false}
        held.add(hang)
        req.socket.once('close', () => held.delete(hang))
        req.resume()
        return
      }
      case 'throttle':
      case 'server-error': {
        const {status, headers, body: errorBody} = errorResponse(errorSpec(fault, op, random), op)
        await drain(req)
        if (res.destroyed) return
        res.writeHead(status, {...headers, 'content-length': String(errorBody.length)})
        res.end(errorBody)
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => reset(req.socket))
  })
  // Long enough that an SDK never reuses a keep-alive socket the proxy is just closing (a spurious ECONNRESET).
  server.keepAliveTimeout = 60_000
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as {port: number}

  function release(): void {
    for (const h of held) {
      h.released = true
      if (h.ready) {
        reset(h.socket)
        held.delete(h)
      }
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setRates(newRates) {
      rates = validateRates(newRates)
    },
    inject(match, fault, injectOptions) {
      const times = injectOptions?.times ?? 1
      if (!FAULTS.includes(fault)) throw new RangeError(`unknown fault "${fault}"`)
      if (!(times >= 1)) throw new RangeError(`times must be at least 1, got ${times}`)
      injections.push({service: match.service, operation: match.operation, fault, times})
    },
    nextRequest(match) {
      const promise = new Promise<AwsOperation & {fault?: Fault}>((resolve, reject) => {
        if (closing) reject(new Error('fault proxy is closed'))
        else waiters.push({service: match.service, operation: match.operation, resolve, reject})
      })
      promise.catch(noop) // a waiter nobody awaits any more must not become an unhandled rejection on close()
      return promise
    },
    stats() {
      return {requests: counts.requests, faults: {...counts.faults}, operations: {...counts.operations}}
    },
    release,
    setLatency(ms) {
      latencyMs = ms
    },
    clear() {
      rates = validateRates({})
      latencyMs = 0
      injections = []
      counts = emptyStats()
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const h of held) h.ready = true
        release()
        for (const upstream of upstreams) upstream.destroy()
        for (const w of waiters) w.reject(new Error('fault proxy closed before a matching request arrived'))
        waiters = []
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
