/**
 * A TLS handshake the agent gave up because it does not trust the hub's (or the broker's)
 * certificate, told apart from the network: retrying does not fix a missing EDGEFLEET_CA_FILE,
 * a certificate for another name, or a device clock years off, so the operator is told which.
 */

/** OpenSSL's verification failures, as Node puts them in `error.code`. */
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_REVOKED',
]);
const CLOCK_CODES: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const NAME_CODES: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

export interface UntrustedCertificate {
  /** OpenSSL's (or Node's) code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE */
  code: string;
  /** its own words ("unable to verify the first certificate") */
  reason: string;
  /** what the operator can do about it */
  hint: string;
}

const HINTS = {
  trust: 'if a private CA signed it (or it is self-signed), set EDGEFLEET_CA_FILE to a PEM file with that CA\'s certificate (docs/agent.md, "TLS: a hub with a private CA"); a file holding another CA does not help',
  clock: "check the certificate's dates on the hub and this device's clock (timedatectl)",
  name: 'the certificate does not name the host in EDGEFLEET_HUB_URL (or the broker URL): use a name it was issued for, or issue one for this name (docs/tls.md)',
} as const;

/** The certificate failure inside `error` (fetch and mqtt.js wrap it in causes), or null for anything else. */
export function untrustedCertificate(error: unknown): UntrustedCertificate | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') {
      const hint = UNTRUSTED_CODES.has(code) ? HINTS.trust : CLOCK_CODES.has(code) ? HINTS.clock : NAME_CODES.has(code) ? HINTS.name : null;
      if (hint !== null) return { code, reason: current.message, hint };
    }
    current = current.cause;
  }
  return null;
}

/** One sentence for the log and GET /v1/status: whose certificate, why, and what to do. */
export const describeUntrusted = (whose: string, found: UntrustedCertificate): string => `${whose}'s TLS certificate is not trusted (${found.reason}, ${found.code}): ${found.hint}`;
