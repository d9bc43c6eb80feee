/** The hub's public face. */
export { startHub, type Hub } from './hub';
export { hubOptionsFromEnv, type HubOptions } from './config';
export { readSigningKeyPem } from './adapters/keys';
export type { Logger } from './adapters/logger';
export { ensureConsoleBuilt } from './console/build';
