import * as z from 'zod';
import { isoTimeSchema } from './common';

export const publicKeySchema = z.strictObject({
  alg: z.literal('ed25519'),
  /** base64 of the raw 32-byte public key */
  public: z.string().min(1),
});

export const roleSchema = z.strictObject({
  keyids: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(16),
  threshold: z.number().int().min(1).max(16),
});
export type TrustRole = z.infer<typeof roleSchema>;

/** The trust document (TUF's root metadata, flattened): which keys may sign what. */
export const trustDocSchema = z
  .strictObject({
    type: z.literal('trust'),
    v: z.literal(1),
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER - 1),
    expires: isoTimeSchema,
    keys: z.record(z.string().regex(/^[0-9a-f]{64}$/), publicKeySchema),
    roles: z.strictObject({ root: roleSchema, release: roleSchema }),
  })
  .superRefine((doc, ctx) => {
    for (const roleName of ['root', 'release'] as const) {
      const role = doc.roles[roleName];
      for (const keyid of role.keyids) {
        if (!(keyid in doc.keys)) ctx.addIssue({ code: 'custom', path: ['roles', roleName, 'keyids'], message: `keyid ${keyid} is not in keys` });
      }
      if (role.threshold > new Set(role.keyids).size) {
        ctx.addIssue({ code: 'custom', path: ['roles', roleName, 'threshold'], message: 'threshold exceeds the number of distinct keys' });
      }
    }
  });
export type TrustDoc = z.infer<typeof trustDocSchema>;
