/** Readable views of devices, rings and enrolment tokens. Pure. */
import type { Device, DeviceEvents, IssuedToken, Rings, TokenList } from '../api-types';
import { keyValues, table, tags, time, shortTime } from '../output';

const ref = (r: { model: string; version: string } | null | undefined): string => (r ? `${r.model}@${r.version}` : '-');
const statusOf = (d: Device): string => (d.decommissionedAt ? 'decommissioned' : d.online ? 'online' : 'offline');

export function devicesTable(devices: readonly Device[], width: number): string[] {
  if (devices.length === 0) return ['No devices.'];
  return table(
    ['ID', 'RING', 'STATUS', 'ASSIGNED', 'SERVING', 'PHASE', 'LAST SEEN'],
    devices.map((d) => [d.id, d.ring, statusOf(d), ref(d.assignment), ref(d.state?.active), d.state?.phase ?? '-', shortTime(d.lastSeenAt)]),
    { width },
  );
}

export function deviceDetail(d: Device, width: number): string[] {
  const shadow = d.assignment?.shadow ? ` (shadow ${ref(d.assignment.shadow)})` : '';
  const state = d.state;
  return keyValues(
    [
      ['id', d.id],
      ['ring', d.ring],
      ['tags', tags(d.tags) || '-'],
      ['status', statusOf(d)],
      ['last seen', time(d.lastSeenAt)],
      ['enrolled', time(d.createdAt)],
      ...(d.decommissionedAt ? ([['decommissioned', time(d.decommissionedAt)]] as const) : []),
      ['assigned', d.assignment ? `${ref(d.assignment)}${shadow}, seq ${d.assignment.seq}, ${time(d.assignment.assignedAt)}` : '-'],
      ['serving', state ? `${ref(state.active)} (${state.phase})` : '- (no state reported)'],
      ['previous', ref(state?.previous)],
      ['shadow', ref(state?.shadow)],
      ['error', state?.error ? `${state.error.code} ${state.error.message}` : (d.lastErrorCode ?? '-')],
      ['agent', state ? `${state.agent.version} (${state.agent.runtime})` : '-'],
    ],
    width,
  );
}

export function eventsTable(events: DeviceEvents['events'], width: number): string[] {
  if (events.length === 0) return ['No events.'];
  return table(
    ['AT', 'KIND', 'VERSION', 'ERROR'],
    events.map((e) => [shortTime(e.at), e.kind, ref(e.body.model), e.body.error ? `${e.body.error.code} ${e.body.error.message}` : (e.code ?? '-')]),
    { width },
  );
}

export function ringsTable(rings: Rings['rings'], width: number): string[] {
  if (rings.length === 0) return ['No rings.'];
  return table(
    ['POSITION', 'RING', 'DEVICES', 'DESCRIPTION'],
    rings.map((r) => [r.position === null ? '-' : String(r.position), r.defined ? r.name : `${r.name} (undefined)`, String(r.devices), r.description]),
    { width, right: [0, 2] },
  );
}

export function tokensTable(tokens: TokenList['tokens'], width: number): string[] {
  if (tokens.length === 0) return ['No enrolment tokens.'];
  return table(
    ['ID', 'RING', 'STATE', 'USED', 'EXPIRES', 'LABEL'],
    tokens.map((t) => [t.id.slice(0, 8), t.ring, t.state, `${t.used}/${t.maxEnrolments}`, shortTime(t.expiresAt), t.label]),
    { width, right: [3] },
  );
}

export function issuedToken(t: IssuedToken, hubUrl: string, width: number): string[] {
  return [
    ...keyValues(
      [
        ['id', t.id],
        ['ring', t.ring],
        ['enrolments', String(t.maxEnrolments)],
        ['expires', time(t.expiresAt)],
        ['label', t.label || '-'],
      ],
      width,
    ),
    '',
    'The token (shown once; the hub keeps only its hash). A browser joins with the link:',
    `${hubUrl}/web#enrol=${t.token}`,
  ];
}
