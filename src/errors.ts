// Every error a client can see, in one catalog: a stable code, its HTTP status and a message template.
export const ERROR_CATALOG = {
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON: {0}' },
  INVALID_CSV: { status: 400, message: 'The CSV body is not valid: {0}' },
  INVALID_INPUT: { status: 400, message: '{0}' },
  INVALID_REQUEST: { status: 400, message: '{0}' },
  MODEL_NOT_FOUND: { status: 404, message: "Model '{0}' is not in the repository" },
  VERSION_NOT_FOUND: { status: 404, message: "Model '{0}' has no version {1}" },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route {0} {1}' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than the limit of {0} bytes' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Content type '{0}' is not accepted here; send {1}" },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required: send it as Authorization: Bearer <key>' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: at most {0} per {1}; retry in {2} s' },
  TIMEOUT: { status: 504, message: "Model '{0}' did not answer within {1} ms" },
  OVERLOADED: { status: 503, message: "Model '{0}' has too many requests waiting; retry shortly" },
  SERVER_OVERLOADED: { status: 503, message: 'The server is holding its most requests at once ({0} per worker); retry shortly' },
  MODEL_NOT_READY: { status: 503, message: "Model '{0}' version {1} is not ready: {2}" },
  NOT_EXPLAINABLE: { status: 400, message: "Model '{0}' cannot be explained exactly: {1}" },
  INFERENCE_FAILED: { status: 500, message: "Model '{0}' failed while scoring: {1}" },
  INTERNAL: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface ErrorDetail {
  /** Where the problem is: a feature name, `instances[3].age`, `inputs[0].shape`. */
  field?: string;
  message: string;
}

export class ModelportError extends Error {
  readonly status: number;
  /** Seconds a client should wait before retrying (429/503). */
  retryAfter?: number;

  constructor(readonly code: ErrorCode, args: readonly (string | number)[] = [], readonly details: ErrorDetail[] = []) {
    const template: string = ERROR_CATALOG[code].message;
    super(template.replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? '')));
    this.name = 'ModelportError';
    this.status = ERROR_CATALOG[code].status;
  }

  /** Rebuilds an error that crossed a thread boundary as plain data. */
  static fromWire(wire: { code: ErrorCode; message: string; details?: ErrorDetail[] }): ModelportError {
    const err = new ModelportError(wire.code, [], wire.details ?? []);
    err.message = wire.message;
    return err;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details.length ? { details: this.details } : {}) } };
  }
}

/** A 400 for bad input, naming the field at fault. */
export function invalidInput(field: string | undefined, message: string): ModelportError {
  return new ModelportError('INVALID_INPUT', [field ? `${field}: ${message}` : message], [{ ...(field ? { field } : {}), message }]);
}
