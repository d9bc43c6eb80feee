/**
 * The files the environment names, read once at start: the device secret
 * (EDGEFLEET_DEVICE_SECRET_FILE, e.g. systemd's $CREDENTIALS_DIRECTORY/device-secret) and the
 * extra CAs (EDGEFLEET_CA_FILE). Errors name the variable and the path, never the contents.
 */
import { access, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeMisspeltSettings, misspeltSettings } from '@edgefleet/protocol';
import { AGENT_SETTING_NAMES, parseAgentEnv, type AgentOptions } from '../config';
import { caCertificates } from '../core/ca-bundle';
import { AgentError } from '../errors';

/** A device secret is a line of text; a file much larger is the wrong file. */
export const MAX_SECRET_FILE_BYTES = 4096;
export const MAX_CA_FILE_BYTES = 1024 * 1024;

export interface EnvOptions {
  options: AgentOptions;
  /** things worth a warning in the log (a secret file others can read, a misspelt variable) */
  warnings: string[];
}

/** The agent's options from the environment, with the files it names read and checked. */
/** `cwd`: what relative paths are taken from (the process's working directory). */
export async function agentOptionsFromEnv(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<EnvOptions> {
  const parsed = parseAgentEnv(env);
  const warnings: string[] = [];
  // A misspelt name changes nothing, silently (EDGEFLEET_AGENT_DATADIR: state in the default place).
  const misspelt = misspeltSettings(env, AGENT_SETTING_NAMES);
  if (misspelt.length > 0) warnings.push(`ignoring variables the agent does not read: ${describeMisspeltSettings(misspelt)}`);
  let deviceSecret: string;
  if (parsed.secret.kind === 'value') {
    deviceSecret = parsed.secret.value;
  } else {
    const read = await readSecretFile(parsed.secret.path);
    deviceSecret = read.secret;
    if (read.warning) warnings.push(read.warning);
  }
  const ca = parsed.caFile === null ? {} : { ca: await readCaFile(parsed.caFile) };
  const dataDir = resolve(cwd, parsed.options.dataDir);
  const legacy = await legacyDataDir(env, dataDir, cwd);
  if (legacy) warnings.push(`using the state in ${legacy} (the default data dir of earlier agents, relative to the working directory): move it to ${dataDir} or set EDGEFLEET_AGENT_DATA_DIR=${legacy}`);
  // Absolute, so the log and the status say where the state is whatever the working directory.
  return { options: { ...parsed.options, dataDir: legacy ?? dataDir, deviceSecret, ...ca }, warnings };
}

/** Earlier agents kept their state in ./agent-data by default. */
const LEGACY_DATA_DIR = 'agent-data';

/**
 * An agent upgraded in place, started as before without a data dir, would otherwise come up as a
 * new device in all but name (trust pinned again on first use, replay protection from seq 0):
 * while the default dir holds no state and ./agent-data does, the old one is kept.
 */
async function legacyDataDir(env: NodeJS.ProcessEnv, defaultDir: string, cwd: string): Promise<string | null> {
  if (env.EDGEFLEET_AGENT_DATA_DIR || env.STATE_DIRECTORY) return null;
  const legacy = resolve(cwd, LEGACY_DATA_DIR);
  if (legacy === defaultDir || (await exists(join(defaultDir, 'state.json'))) || !(await exists(join(legacy, 'state.json')))) return null;
  return legacy;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

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
