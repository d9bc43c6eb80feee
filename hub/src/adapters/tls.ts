/**
 * The hub's own TLS certificate (EDGEFLEET_TLS_CERT / EDGEFLEET_TLS_KEY): read, checked before
 * anything listens, and swapped into the running HTTPS and MQTT-over-TLS servers when it is
 * renewed (SIGHUP, or the files changing), without dropping a connection. A pair that does not
 * check out never replaces the one being served. Errors and logs name files, never their contents.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { Socket, isIP } from 'node:net';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from './logger';

/** PEM text: the certificate chain (the server's certificate first) and its private key. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** PEM files, read at start and again on every reload. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** how often the files are checked for a change; default 10 s; 0 = only on reloadTls() / SIGHUP */
  watchIntervalMs?: number;
}

/** HubOptions.tls: files (EDGEFLEET_TLS_CERT/_KEY), or the PEM text itself (in-process tests). */
export type HubTlsOptions = TlsMaterial | TlsFiles;

/** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const MIN_TLS_VERSION = 'TLSv1.2';

const DEFAULT_WATCH_INTERVAL_MS = 10_000;
/** a cert and a key copied one after the other count as one change */
const SETTLE_MS = 500;

/** What may be logged about a certificate. */
export interface CertificateSummary {
  subject: string;
  /** DNS names and IP addresses it is valid for */
  names: string[];
  validTo: string;
  fingerprint256: string;
}

export interface CheckedTls {
  material: TlsMaterial;
  certificate: X509Certificate;
  summary: CertificateSummary;
}

export type TlsReloadOutcome = { ok: true; certificate: CertificateSummary } | { ok: false; reason: string };

interface Labels {
  cert: string;
  key: string;
}

export const isTlsFiles = (options: HubTlsOptions): options is TlsFiles => 'certFile' in options;

const labelsOf = (options: HubTlsOptions): Labels =>
  isTlsFiles(options) ? { cert: `EDGEFLEET_TLS_CERT (${options.certFile})`, key: `EDGEFLEET_TLS_KEY (${options.keyFile})` } : { cert: 'tls.cert', key: 'tls.key' };

/** Reads and checks the certificate and key; throws an error naming the variable and file at fault. */
export async function loadTls(options: HubTlsOptions): Promise<CheckedTls> {
  const labels = labelsOf(options);
  const material = isTlsFiles(options) ? { cert: await readPem(options.certFile, labels.cert), key: await readPem(options.keyFile, labels.key) } : options;
  return checkTls(material, labels);
}

/** A chain or a CA bundle is a few KiB; a system bundle is about 200 KiB. */
const MAX_PEM_BYTES = 1024 * 1024;

/** Reads at most MAX_PEM_BYTES (a wrong path to a huge file or a device must not fill memory). */
async function readPem(path: string, label: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_PEM_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > MAX_PEM_BYTES) break;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
    throw new Error(`${label}: cannot read the file (${code})`);
  }
  if (bytes.length > MAX_PEM_BYTES) throw new Error(`${label}: larger than 1 MiB, not a PEM certificate or key file`);
  return bytes;
}

/**
 * The certificate parses, the key parses, the key is the certificate's, and OpenSSL builds a
 * server context from the pair. OpenSSL's own messages are left out: they can quote the input.
 */
export function checkTls(material: TlsMaterial, labels: Labels = { cert: 'tls.cert', key: 'tls.key' }): CheckedTls {
  if (!String(material.cert).includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${labels.cert}: not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.cert);
  } catch {
    throw new Error(`${labels.cert}: not a valid PEM certificate`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(material.key);
  } catch {
    throw new Error(`${labels.key}: not a valid unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(key)) throw new Error(`${labels.key}: is not the private key of the certificate in ${labels.cert}`);
  try {
    createSecureContext(serverTlsOptions(material));
  } catch {
    throw new Error(`${labels.cert} with ${labels.key}: TLS refused the pair (is the chain in PEM, the server's certificate first?)`);
  }
  return { material, certificate, summary: summarize(certificate) };
}

/** What the HTTPS and the MQTT TLS server are given, at start and on every reload. */
export function serverTlsOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key, minVersion: MIN_TLS_VERSION };
}

function summarize(certificate: X509Certificate): CertificateSummary {
  return { subject: certificate.subject.replace(/\n/g, ', '), names: subjectNames(certificate), validTo: new Date(certificate.validTo).toISOString(), fingerprint256: certificate.fingerprint256 };
}

/** "DNS:a, IP Address:1.2.3.4" -> ['a', '1.2.3.4'] */
function subjectNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^(DNS|IP Address):/, ''))
    .filter((name) => name !== '');
}

/** Whether clients reaching the hub at `hostname` (a URL's hostname) would accept the certificate's name. */
export function certificateCovers(certificate: X509Certificate, hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) === 0 ? certificate.checkHost(bare) !== undefined : certificate.checkIP(bare) !== undefined;
}

/** A server whose certificate can be replaced for new connections (tls.Server, https.Server). */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

export interface TlsReloader {
  /** Reads (files) or takes (`next`) a pair, checks it and installs it on every target; a bad pair is logged and refused. */
  reload(next?: TlsMaterial): Promise<TlsReloadOutcome>;
  current(): CertificateSummary;
  /** stops watching the files */
  close(): void;
}

/**
 * Installs new pairs on `targets`. Reloads run one at a time, so a SIGHUP and a file change
 * arriving together cannot install the older pair last.
 */
export function tlsReloader(options: HubTlsOptions, initial: CheckedTls, targets: readonly SecureContextTarget[], logger: Logger): TlsReloader {
  let current = initial;
  let chain: Promise<unknown> = Promise.resolve();
  const reloadOnce = async (next?: TlsMaterial): Promise<TlsReloadOutcome> => {
    let checked: CheckedTls;
    try {
      checked = next ? checkTls(next) : await loadTls(isTlsFiles(options) ? options : current.material);
      // checkTls built a context from these very options: no server refuses them halfway through the list.
      for (const target of targets) target.setSecureContext(serverTlsOptions(checked.material));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.error('tls certificate not reloaded; the previous one is still served', { reason, fingerprint256: current.summary.fingerprint256 });
      return { ok: false, reason };
    }
    const changed = checked.summary.fingerprint256 !== current.summary.fingerprint256;
    current = checked;
    logger.info(changed ? 'tls certificate reloaded' : 'tls certificate reloaded (unchanged)', { ...checked.summary });
    return { ok: true, certificate: checked.summary };
  };
  const reload = (next?: TlsMaterial): Promise<TlsReloadOutcome> => {
    const run = chain.then(() => reloadOnce(next));
    chain = run;
    return run;
  };

  const interval = isTlsFiles(options) ? (options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS) : 0;
  let settle: NodeJS.Timeout | null = null;
  const onChange = (now: Stats, before: Stats): void => {
    // A file gone for now (mid-rename) reports zeros; its return is the change to act on.
    if (now.mtimeMs === 0 || (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size)) return;
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      logger.info('tls certificate files changed; reloading');
      void reload();
    }, SETTLE_MS);
    settle.unref();
  };
  const watched = isTlsFiles(options) && interval > 0 ? [options.certFile, options.keyFile] : [];
  // persistent: false, so the watch never keeps a closing hub alive.
  for (const path of watched) watchFile(path, { interval, persistent: false }, onChange);

  return {
    reload,
    current: () => current.summary,
    close() {
      for (const path of watched) unwatchFile(path, onChange);
      if (settle) clearTimeout(settle);
    },
  };
}

/** Warnings an operator can act on before devices start failing their handshakes. */
export function warnAboutCertificate(tls: CheckedTls, publicUrl: string, now: Date, logger: Logger): void {
  const { hostname } = new URL(publicUrl);
  if (!certificateCovers(tls.certificate, hostname)) {
    logger.warn("the TLS certificate does not name the public URL's host: devices will refuse it (set EDGEFLEET_PUBLIC_URL to a name the certificate holds)", { host: hostname, names: tls.summary.names });
  }
  if (new Date(tls.certificate.validTo).getTime() <= now.getTime()) logger.warn('the TLS certificate has expired: devices will refuse it', { validTo: tls.summary.validTo });
}

/**
 * The peer of a TLS socket whose handshake failed, for `server`'s tlsClientError. A client that
 * refuses the hub's certificate resets the connection, after which neither the TLS socket nor
 * the TCP socket under it (Node keeps it as `_parent`) can ask for its peer: so each TCP
 * connection's address is noted as it arrives.
 */
export function handshakePeers(server: TlsServer): (socket: TLSSocket) => string {
  const addresses = new WeakMap<Socket, string>();
  server.on('connection', (raw: Socket) => {
    if (raw.remoteAddress) addresses.set(raw, raw.remoteAddress);
  });
  return (socket) => {
    const parent: unknown = '_parent' in socket ? socket._parent : undefined;
    return socket.remoteAddress ?? (parent instanceof Socket ? addresses.get(parent) : undefined) ?? 'unknown';
  };
}

/** A PEM bundle of CA certificates (EDGEFLEET_BROKER_CA_FILE); `label` names the variable in errors. */
export async function readCaFile(path: string, label: string): Promise<Buffer> {
  const pem = await readPem(path, `${label} (${path})`);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${label} (${path}): not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return pem;
}
