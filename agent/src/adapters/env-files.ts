/**
 * The files the environment names, read once at start: the device secret
 * (EDGEFLEET_DEVICE_SECRET_FILE, e.g. systemd's $CREDENTIALS_DIRECTORY/device-secret) and the
 * extra CAs (EDGEFLEET_CA_FILE). Errors name the variable and the path, never the contents.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAgentEnv, type AgentOptions } from '../config';
import { caCertificates } from '../core/ca-bundle';
import { AgentError } from '../errors';

/** A device secret is a line of text; a file much larger is the wrong file. */
export const MAX_SECRET_FILE_BYTES = 4096;
export const MAX_CA_FILE_BYTES = 1024 * 1024;

export interface EnvOptions {
  options: AgentOptions;
  /** things worth a warning in the log (a secret file others can read) */
  warnings: string[];
}

/** The agent's options from the environment, with the files it names read and checked. */
export async function agentOptionsFromEnv(env: NodeJS.ProcessEnv): Promise<EnvOptions> {
  const parsed = parseAgentEnv(env);
  const warnings: string[] = [];
  let deviceSecret: string;
  if (parsed.secret.kind === 'value') {
    deviceSecret = parsed.secret.value;
  } else {
    const read = await readSecretFile(parsed.secret.path);
    deviceSecret = read.secret;
    if (read.warning) warnings.push(read.warning);
  }
  const ca = parsed.caFile === null ? {} : { ca: await readCaFile(parsed.caFile) };
  // Absolute, so the log and the status say where the state is whatever the working directory.
  return { options: { ...parsed.options, dataDir: resolve(parsed.options.dataDir), deviceSecret, ...ca }, warnings };
}

const VARIABLE = 'EDGEFLEET_DEVICE_SECRET_FILE';

/** The secret: the file's one line, trimmed. A file group or others may read is used, with a warning. */
export async function readSecretFile(path: string): Promise<{ secret: string; warning: string | null }> {
  const { text, mode } = await readBounded(path, MAX_SECRET_FILE_BYTES, VARIABLE);
  const secret = text.trim();
  if (secret.length === 0) throw new AgentError('E_CONFIG', `${VARIABLE}: ${path} is empty`);
  if (/[\r\n]/.test(secret)) throw new AgentError('E_CONFIG', `${VARIABLE}: ${path} holds more than one line; it must hold the secret alone`);
  const warning = (mode & 0o077) !== 0 ? `${VARIABLE}: ${path} can be read by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it (or 400)` : null;
  return { secret, warning };
}

/** The PEM bundle EDGEFLEET_CA_FILE names, checked certificate by certificate. */
export async function readCaFile(path: string): Promise<string> {
  const { text } = await readBounded(path, MAX_CA_FILE_BYTES, 'EDGEFLEET_CA_FILE');
  caCertificates(text, `EDGEFLEET_CA_FILE: ${path}`);
  return text;
}

/** A regular file of at most `max` bytes, read through one handle (no check-then-open race). */
async function readBounded(path: string, max: number, variable: string): Promise<{ text: string; mode: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be opened (${code ?? String(cause)})`;
    throw new AgentError('E_CONFIG', `${variable}: ${path} ${why}`, { cause });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AgentError('E_CONFIG', `${variable}: ${path} is not a regular file`);
    if (info.size > max) throw new AgentError('E_CONFIG', `${variable}: ${path} has ${info.size} bytes, at most ${max} allowed`);
    const buffer = Buffer.alloc(max + 1);
    const { bytesRead } = await handle.read(buffer, 0, max + 1, 0);
    if (bytesRead > max) throw new AgentError('E_CONFIG', `${variable}: ${path} has more than ${max} bytes`);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), mode: info.mode };
  } finally {
    await handle.close();
  }
}
