import * as z from 'zod';
import { ERROR_CODES } from '../errors';
import { deviceIdSchema, isoTimeSchema, modelRefSchema, seqSchema } from './common';

export const AGENT_PHASES = ['idle', 'downloading', 'verifying', 'loading', 'probing', 'serving', 'failed'] as const;
export const agentPhaseSchema = z.enum(AGENT_PHASES);
export type AgentPhase = z.infer<typeof agentPhaseSchema>;

export const reportedErrorSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string().max(2000),
});
export type ReportedError = z.infer<typeof reportedErrorSchema>;

/** What a device reports about itself on its `state` topic. */
export const reportedStateSchema = z.strictObject({
  device: deviceIdSchema,
  /** the last deployment seq acted on (0 before any) */
  seq: seqSchema,
  phase: agentPhaseSchema,
  active: modelRefSchema.nullable(),
  previous: modelRefSchema.nullable(),
  /**
   * The candidate loaded and probed in shadow mode (ROLLOUTS "Shadow"), null when none is.
   * Optional so reports of agents that predate shadow mode stay valid.
   */
  shadow: modelRefSchema.nullable().optional(),
  error: reportedErrorSchema.nullable(),
  agent: z.strictObject({
    version: z.string().max(64),
    runtime: z.string().max(64),
    freeDiskBytes: z.number().int().min(0).optional(),
  }),
  at: isoTimeSchema,
});
export type ReportedState = z.infer<typeof reportedStateSchema>;

export const onlineMessageSchema = z.strictObject({ online: z.boolean() });
export type OnlineMessage = z.infer<typeof onlineMessageSchema>;
