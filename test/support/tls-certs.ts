/**
 * A private CA and server certificates made at test time with the openssl CLI, the way docs/tls.md
 * tells operators to: P-256 keys, a CA certificate, a server certificate for given names (default
 * localhost and 127.0.0.1) signed by it. Everything lives in `dir`; nothing is checked in.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  /** PEM: the server certificate */
  cert: string;
  /** PEM: its private key */
  key: string;
}

export interface TestCa {
  /** PEM of the CA certificate: what clients are told to trust */
  ca: string;
  caFile: string;
  /** A server certificate signed by this CA; `name` is also its files' stem in dir. */
  issue(name: string, altNames?: readonly string[]): Promise<IssuedCertificate>;
}

const openssl = async (args: readonly string[], cwd: string): Promise<void> => {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`openssl ${args[0]} failed (is the openssl CLI installed?): ${stderr || String(error)}`);
  }
};

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createTestCa(dir: string, commonName = 'edgefleet test CA'): Promise<TestCa> {
  await openssl(['req', '-x509', ...KEY_ARGS, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${commonName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const caFile = join(dir, 'ca.crt');
  return {
    ca: await readFile(caFile, 'utf8'),
    caFile,
    async issue(name, altNames = ['DNS:localhost', 'IP:127.0.0.1']) {
      await openssl(['req', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      await writeFile(join(dir, `${name}.ext`), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
      await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
    },
  };
}
