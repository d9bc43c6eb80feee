/**
 * ISSUE 13 (live updates): GET /api/v1/stream is a server-sent event stream of the audit trail.
 * An admin action made after the stream opened arrives as an `audit` event with the row's id; a
 * browser resuming with Last-Event-ID first gets what it missed, and nothing twice; the stream
 * needs the admin's credentials like the rest of the API.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, useTestHub } from './support';

interface AuditEvent {
  id: number;
  action: string;
  subject: string;
}

type SseEvent = { event: string; id?: string; data: string };

/** The server-sent events of `response`, read on demand: `until` reads on until a condition holds (or the deadline). */
function eventReader(response: Response): {
  events: SseEvent[];
  until(done: (events: SseEvent[]) => boolean, deadlineMs?: number): Promise<SseEvent[]>;
  close(): Promise<void>;
  /** true once the hub ended the stream, false if it still runs at the deadline */
  ended(deadlineMs?: number): Promise<boolean>;
} {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  return {
    events,
    async until(done, deadlineMs = 10_000) {
      const deadline = Date.now() + deadlineMs;
      while (!done(events)) {
        if (Date.now() > deadline) throw new Error(`no matching event within ${deadlineMs} ms; got ${JSON.stringify(events)}`);
        const { done: ended, value } = await reader.read();
        if (ended) throw new Error(`the stream ended; got ${JSON.stringify(events)}`);
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':') && line.includes(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]));
          if (fields.event) events.push({ event: fields.event, data: fields.data ?? '', ...(fields.id ? { id: fields.id } : {}) });
        }
      }
      return events;
    },
    close: () => reader.cancel(),
    async ended(deadlineMs = 5_000) {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        const read = await Promise.race([reader.read(), new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), left)))]);
        clearTimeout(timer);
        if (read === 'late') return false;
        if (read.done) return true;
      }
    },
  };
}

const audits = (events: SseEvent[]): AuditEvent[] => events.filter((e) => e.event === 'audit').map((e) => JSON.parse(e.data) as AuditEvent);

describe('live stream', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));
  const open = (headers: Record<string, string> = {}) => fetch(`${hub.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${hub.adminToken}`, ...headers } });

  it('needs the admin credentials', async () => {
    expect((await fetch(`${hub.httpUrl}/api/v1/stream`)).status).toBe(401);
  });

  it('sends each audit row committed after it opened, with its id, and resumes from Last-Event-ID without repeats', async () => {
    const response = await open();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = eventReader(response);
    // Following from the moment it says it is ready; then two admin actions.
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    expect((await api(hub, 'POST', '/api/v1/devices', { json: { id: 'live-1' } })).status).toBe(201);
    expect((await api(hub, 'POST', '/api/v1/devices', { json: { id: 'live-2' } })).status).toBe(201);
    const events = await stream.until((got) => audits(got).some((a) => a.subject === 'device:live-2'));
    await stream.close();
    expect(events[0]?.event).toBe('ready');
    const seen = audits(events).filter((a) => a.subject.startsWith('device:live-'));
    expect(seen.map((a) => a.subject)).toEqual(['device:live-1', 'device:live-2']);
    const first = seen[0] as AuditEvent;
    expect(events.find((e) => e.event === 'audit' && (JSON.parse(e.data) as AuditEvent).id === first.id)?.id).toBe(String(first.id));

    // A browser that last saw live-1's row gets live-2's (and nothing before it), once.
    const resumed = eventReader(await open({ 'last-event-id': String(first.id) }));
    const again = audits(await resumed.until((got) => audits(got).some((a) => a.subject === 'device:live-2')));
    await resumed.close();
    expect(again.filter((a) => a.subject.startsWith('device:live-')).map((a) => a.subject)).toEqual(['device:live-2']);
  });

  const newToken = async (name: string): Promise<{ id: string; token: string }> => {
    const made = await api<{ id: string; token: string }>(hub, 'POST', '/api/v1/admin-tokens', { json: { name, scope: 'read' } });
    expect(made.status).toBe(201);
    return made.body;
  };

  it('ends a stream whose token is revoked, and only that one', async () => {
    const scoped = await newToken('stream-revoked');
    const response = await fetch(`${hub.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${scoped.token}` } });
    expect(response.status).toBe(200);
    const stream = eventReader(response);
    const other = eventReader(await open());
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    await other.until((events) => events.some((e) => e.event === 'ready'));

    expect((await api(hub, 'DELETE', `/api/v1/admin-tokens/${scoped.id}`)).status).toBe(200);
    // Well before the 15 s heartbeat: the revocation's audit row triggers the re-check.
    expect(await stream.ended(5_000)).toBe(true);
    expect(audits(stream.events).some((a) => a.action === 'admin-token.revoked')).toBe(false);
    // The bootstrap token's stream saw the revocation and goes on.
    await other.until((got) => audits(got).some((a) => a.action === 'admin-token.revoked' && a.subject === `admin-token:${scoped.id}`));
    expect((await api(hub, 'POST', '/api/v1/devices', { json: { id: 'live-after-revoke' } })).status).toBe(201);
    await other.until((got) => audits(got).some((a) => a.subject === 'device:live-after-revoke'));
    await other.close();
    expect((await fetch(`${hub.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${scoped.token}` } })).status).toBe(401);
  });

  it("ends a console session's stream when its token is rotated", async () => {
    const scoped = await newToken('stream-rotated');
    const signedIn = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: scoped.token }) });
    expect(signedIn.status).toBe(201);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const response = await fetch(`${hub.httpUrl}/api/v1/stream`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const stream = eventReader(response);
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    expect((await api(hub, 'POST', `/api/v1/admin-tokens/${scoped.id}/rotate`)).status).toBe(200);
    expect(await stream.ended(5_000)).toBe(true);
  });
});
