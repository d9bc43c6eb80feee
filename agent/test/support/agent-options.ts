/** Options the agent tests share: quick retries so a test never waits on production backoff, and no log noise. */
export const FAST_TUNING = { retryBaseMs: 20, retryMaxMs: 100, bootstrapBaseMs: 20, bootstrapMaxMs: 200, mqttReconnectMs: 100 };
export const SILENT_LOGGER = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
