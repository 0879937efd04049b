// Server defaults, in a module of their own so the CLI can show them without loading the server.
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

export const DEFAULT_BATCHING = { maxBatchSize: 1024, maxDelayMs: 0, maxQueue: 2048 } as const;

/** Requests one worker holds at once before shedding load: well above what 64 keep-alive clients need. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** Long enough for a million-row batch on a small machine; a stuck request still ends. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
