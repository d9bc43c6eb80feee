/**
 * Extra certificate authorities for the hub's TLS (EDGEFLEET_CA_FILE, AgentOptions.ca): a PEM
 * bundle checked up front, so a wrong file fails the start naming its source rather than every
 * later connection failing with "unable to verify the first certificate".
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { AgentError } from '../errors';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
/** A CA bundle is a handful of certificates; a system-wide bundle has a few hundred. */
const MAX_CERTIFICATES = 1000;

/** The certificates of a PEM bundle, each parsed once; E_CONFIG naming `source` when there is none or one is broken. */
export function caCertificates(pem: string, source: string): string[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new AgentError('E_CONFIG', `${source}: no PEM certificate ("-----BEGIN CERTIFICATE-----") found`);
  if (blocks.length > MAX_CERTIFICATES) throw new AgentError('E_CONFIG', `${source}: ${blocks.length} certificates, at most ${MAX_CERTIFICATES} allowed`);
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (cause) {
      throw new AgentError('E_CONFIG', `${source}: certificate ${index + 1} does not parse (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    }
  });
  return blocks;
}

/**
 * What a TLS client's `ca` option needs to trust these beside the usual public CAs: Node drops its
 * bundled roots as soon as `ca` is given, so they go in too (a hub behind a public certificate
 * keeps working when a private CA is added for the broker).
 */
export const withPublicRoots = (extra: readonly string[]): string[] => [...rootCertificates, ...extra];
