/** A trust envelope handed to the hub (POST /api/v1/trust), and the protocol's refusals as the hub's errors. */
import { MAX_TRUST_DOC_BYTES, ProtocolError, envelopeBytes, parseEnvelope, type Envelope } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';

export function asEnvelope(input: unknown): Envelope {
  try {
    const envelope = parseEnvelope(input, 'trust');
    if (envelopeBytes(envelope).length > MAX_TRUST_DOC_BYTES) throw new ProtocolError('E_SCHEMA', `a trust envelope is at most ${MAX_TRUST_DOC_BYTES} bytes`);
    return envelope;
  } catch (error) {
    throw toHubError(error);
  }
}

export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  if (error instanceof ProtocolError) {
    if (error.code === 'E_ROOT_CHAIN') return new HubError('E_ROOT_CHAIN', error.message, { details: { cause: error.cause instanceof Error ? error.cause.message : undefined } });
    return new HubError('E_VALIDATION', `${error.code}: ${error.message}`);
  }
  return new HubError('E_VALIDATION', error instanceof Error ? error.message : String(error));
}

