/** Readable views of alerts, scheduled jobs and the audit trail. Pure. */
import type { AlertList, Audit, JobList, JobRun } from '../api-types';
import { duration, keyValues, line, table, time, shortTime, wrap } from '../output';

type Alert = AlertList['alerts'][number];

export function alertsTable(alerts: readonly Alert[], width: number): string[] {
  if (alerts.length === 0) return ['No alerts.'];
  return table(
    ['ID', 'VERSION', 'STATUS', 'SEVERITY', 'SIGNALS', 'OPENED'],
    alerts.map((a) => [a.id.slice(0, 8), `${a.model}@${a.version}`, a.status, a.severity, a.signals.join(','), shortTime(a.openedAt)]),
    { width },
  );
}

export function alertView(a: Alert, width: number): string[] {
  const lines = keyValues(
    [
      ['id', a.id],
      ['version', `${a.model}@${a.version} (${a.scope})`],
      ['status', `${a.status}, ${a.severity}`],
      ['evaluations', `${a.alarmingEvaluations} alarming, ${a.quietEvaluations} quiet in a row`],
      ['opened', time(a.openedAt)],
      ['resolved', time(a.resolvedAt)],
    ],
    width,
  );
  // The reasons are the evidence: whole sentences, wrapped rather than cut to a table cell.
  if (a.evidence.signals.length > 0) lines.push('', 'Evidence:');
  for (const s of a.evidence.signals) {
    const devices = s.devices.length === 0 ? '' : ` on ${s.devices.length} device${s.devices.length === 1 ? '' : 's'}: ${s.devices.join(', ')}`;
    lines.push(line(`${s.name}  ${s.severity}${devices}`, width));
    for (const reason of s.reasons) lines.push(...wrap(`- ${reason}`, width - 2, 2).map((text) => `  ${text}`));
  }
  return lines;
}

export function jobsTable(jobs: JobList['jobs'], width: number): string[] {
  if (jobs.length === 0) return ['No jobs.'];
  return table(
    ['JOB', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'OK'],
    jobs.map((j) => [j.name, j.schedule, shortTime(j.nextRunAt), j.lastRun ? `${shortTime(j.lastRun.startedAt)} (${duration(j.lastRun.durationMs)})` : '-', j.lastRun ? (j.lastRun.ok ? 'yes' : 'NO') : '-']),
    { width },
  );
}

export function jobRunView(name: string, run: JobRun, width: number): string[] {
  return [
    ...keyValues(
      [
        ['job', name],
        ['outcome', run.ok ? 'ok' : `failed: ${run.error ?? 'no error given'}`],
        ['took', duration(run.durationMs)],
        ...(run.skipped ? ([['skipped', 'another hub replica holds the jobs lease']] as const) : []),
      ],
      width,
    ),
    ...(run.result === undefined ? [] : ['', 'Result:', ...JSON.stringify(run.result, null, 2).split('\n').slice(0, 40)]),
  ];
}

export function auditTable(entries: Audit['entries'], width: number): string[] {
  if (entries.length === 0) return ['No audit entries.'];
  return table(
    ['AT', 'ACTOR', 'ACTION', 'SUBJECT'],
    entries.map((e) => [shortTime(e.at), e.actor, e.action, e.subject]),
    { width },
  );
}
