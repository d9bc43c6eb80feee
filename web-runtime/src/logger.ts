/**
 * The runtime's one logger: the page's, or silence, always behind the device core's secret guard
 * (the secret is known only once the browser has enrolled or read its credential).
 */
import { secretGuardedLogger } from '@edgefleet/device-core';
import type { WebLogger } from './api';

export const silentLogger: WebLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export const guardedLogger = (logger: WebLogger, secret: () => string | null): WebLogger => secretGuardedLogger(logger, secret);
