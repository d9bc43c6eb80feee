/** How hub replies and failures become messages and exit codes. */
import { describe, expect, it } from 'vitest';
import { configPath, normaliseHubUrl, parseConfig, resolveSession } from '../src/config';
import { detailLines, errorFromReply, EXIT, exitCodeForStatus, unreachable } from '../src/errors';
import { commanderErrorLine, groupsFor } from '../src/program';

describe('errors and exit codes', () => {
  it('maps statuses to the documented exit codes', () => {
    expect([400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 418].map(exitCodeForStatus)).toEqual([2, 3, 3, 4, 5, 2, 5, 6, 6, 6, 1]);
  });

  it("keeps the hub's code and message; a 400 with several problems lists each field, a 401 says where the token is", () => {
    const plan = errorFromReply(400, 'Bad Request', { error: { code: 'E_VALIDATION', message: 'plan: ...', details: [{ path: 'plan.steps.0.ring', message: 'no ring "x"' }, { path: 'plan.steps.2', message: 'needs a limit' }] } }, 'http://hub');
    expect([plan.code, plan.message, plan.exitCode, plan.lines]).toEqual(['E_VALIDATION', 'the hub refused the request: 2 problems', EXIT.usage, ['plan.steps.0.ring: no ring "x"', 'plan.steps.2: needs a limit']]);
    const one = errorFromReply(400, 'Bad Request', { error: { code: 'E_VALIDATION', message: 'id: must match', details: [{ path: 'id', message: 'must match' }] } }, 'http://hub');
    expect([one.message, one.lines]).toEqual(['id: must match', []]);
    const auth = errorFromReply(401, 'Unauthorized', { error: { code: 'E_UNAUTHORIZED', message: 'a valid admin bearer token is required' } }, 'http://hub:8080');
    expect(auth.exitCode).toBe(EXIT.auth);
    expect(auth.lines.join('\n')).toContain('<hub data dir>/admin-token');
    expect(auth.lines.join('\n')).toContain('edgefleet login --url http://hub:8080 --token-file');
    const inUse = errorFromReply(409, 'Conflict', { error: { code: 'E_IN_USE', message: 'in use', details: { devices: ['d1'], rollouts: [] } } }, 'http://hub');
    expect([inUse.exitCode, inUse.lines]).toEqual([EXIT.conflict, ['devices: ["d1"]', 'rollouts: []']]);
    const proxy = errorFromReply(502, 'Bad Gateway', '<html>', 'http://hub');
    expect([proxy.code, proxy.message, proxy.exitCode]).toEqual(['HTTP_502', '502 Bad Gateway', EXIT.unreachable]);
    expect(detailLines(Array.from({ length: 50 }, (_, i) => `p${i}`))).toHaveLength(41);
  });

  it('a request without a reply is "unreachable" with the cause; commander messages take the CLI format', () => {
    const error = unreachable('http://hub', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
    expect([error.code, error.message, error.exitCode]).toEqual(['E_UNREACHABLE', 'cannot reach the hub at http://hub: ECONNREFUSED', EXIT.unreachable]);
    expect(commanderErrorLine("error: unknown option '--x'\n")).toBe("edgefleet: E_USAGE unknown option '--x'\n");
    // A TLS failure says what to do about the certificate, not "is the hub running?" (cli-tls.test.ts meets the untrusted one for real).
    const tls = (code: string): string => unreachable('https://hub', new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })).lines.join(' ');
    expect(tls('SELF_SIGNED_CERT_IN_CHAIN')).toContain('NODE_EXTRA_CA_CERTS');
    expect(tls('ERR_TLS_CERT_ALTNAME_INVALID')).toContain('does not name this host');
    expect(tls('CERT_HAS_EXPIRED')).toContain('validity period');
    expect(tls('ECONNREFUSED')).toContain('Is the hub running?');
  });

  it('loads only the command group a command line names (all of them for help or an unknown command)', () => {
    const commands = (argv: string[]): string[] => groupsFor(['node', 'edgefleet', ...argv]).flatMap((group) => group.commands);
    expect(commands(['devices', 'list'])).toEqual(['devices', 'rings']);
    expect(commands(['--json', 'drift', 'vad', '1'])).toEqual(['models', 'drift']);
    expect(commands(['--help'])).toContain('enrolment-tokens');
    expect(commands(['nosuch'])).toEqual(commands(['--help']));
  });

  it('config: the file location, URLs, and the environment over the file', () => {
    expect(configPath({}, '/home/u')).toBe('/home/u/.config/edgefleet/config.json');
    expect(configPath({ XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/edgefleet/config.json');
    expect(configPath({ EDGEFLEET_CONFIG: '/c.json', XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/c.json');
    expect(normaliseHubUrl('http://localhost:8080/', '--url')).toBe('http://localhost:8080');
    expect(() => normaliseHubUrl('ftp://x', '--url')).toThrow(/--url: must be an http/);
    expect(() => normaliseHubUrl('http://u:p@x', '--url')).toThrow(/credentials/);
    expect(() => parseConfig('{"url":"http://h"}', '/c.json')).toThrow('/c.json: token: missing or not a string');
    const stored = parseConfig('{"url":"http://h:1","token":"t"}', '/c.json');
    expect(resolveSession({}, stored, '/c.json')).toEqual({ url: 'http://h:1', token: 't', source: { url: '/c.json', token: '/c.json' } });
    expect(resolveSession({ EDGEFLEET_ADMIN_TOKEN: 'e' }, stored, '/c.json')).toMatchObject({ url: 'http://h:1', token: 'e', source: { token: 'EDGEFLEET_ADMIN_TOKEN' } });
    expect(() => resolveSession({ EDGEFLEET_HUB_URL: 'http://h' }, null, '/c.json')).toThrow(/not logged in \(no admin token/);
  });
});
