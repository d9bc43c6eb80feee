/**
 * An external broker URL (EDGEFLEET_BROKER_URL): mqtt://, mqtts://, ws:// or wss://, with the
 * hub's credentials as userinfo (`mqtt://hub:secret@broker:1883`, percent-encoded). Split once
 * here so that the password never travels further than the MQTT client: logs, the device config
 * and `Hub.mqttUrl` only ever see `url`.
 */
export interface BrokerTarget {
  /** the URL without userinfo: safe to log and to hand to devices */
  url: string;
  username: string | undefined;
  password: string | undefined;
}

const SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

export const BROKER_URL_RULE = 'must be an mqtt://, mqtts://, ws:// or wss:// URL with a host, e.g. mqtt://hub:secret@broker:1883';

/** Throws an error that names the rule, never the value (which may hold a password). */
export function parseBrokerUrl(raw: string): BrokerTarget {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(BROKER_URL_RULE);
  }
  if (!SCHEMES.has(parsed.protocol) || parsed.hostname === '') throw new Error(BROKER_URL_RULE);
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    throw new Error(`${BROKER_URL_RULE} (bad percent-encoding in the credentials)`);
  }
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, username, password };
}
