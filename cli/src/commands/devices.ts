/** `edgefleet devices ...` and `edgefleet rings ...`. */
import { Option, type Command } from 'commander';
import { ok } from '../api';
import { deviceIdArg, intArg, keyValueArg, modelArg, numberArg, ringArg, tagFilter, versionArg } from '../args';
import type { Ctx } from '../context';
import { assignmentProgress } from '../assignment-wait';
import { CliError, EXIT, usageError } from '../errors';
import { patientReads } from '../patience';
import { sleep } from '../progress';
import { keyValues } from '../output';
import { withSecretFile } from '../secret-file';
import { deviceDetail, devicesTable, eventsTable, ringsTable } from '../views/devices';

/** `model:version` (or model@version) for --shadow. */
function versionRefArg(value: string): { model: string; version: string } {
  const at = value.search(/[:@]/);
  if (at <= 0) throw usageError(`--shadow: expected model:version, got ${JSON.stringify(value)}`);
  return { model: modelArg(value.slice(0, at)), version: versionArg(value.slice(at + 1)) };
}

const secretLines = (id: string, secret: string, file: string | undefined): string[] =>
  file === undefined ? [`Device ${id}: its secret (shown once, the hub keeps only a keyed hash):`, secret] : [`Device ${id}: its secret is in ${file} (mode 0600).`];

export function registerDevices(program: Command, ctx: Ctx): void {
  const devices = program.command('devices').description('enrol, list, inspect, assign, move and decommission devices');

  devices
    .command('list')
    .description('devices in id order, filtered')
    .option('--ring <ring>', 'only this ring', ringArg)
    .addOption(new Option('--status <status>', 'only devices in this state').choices(['online', 'offline', 'decommissioned']))
    .option('--tag <key=value>', 'only devices carrying this tag (one)', keyValueArg)
    .option('--model <model>', 'only devices assigned this model', modelArg)
    .option('--version <version>', 'with --model: only this version', versionArg)
    .option('--search <text>', 'ids containing this text')
    .option('--limit <n>', 'one page of at most n devices (1-500)', intArg(1, 500))
    .option('--cursor <cursor>', "with --limit: the page after the previous page's cursor")
    .action(async (options: { ring?: string; status?: 'online' | 'offline' | 'decommissioned'; tag?: Record<string, string>; model?: string; version?: string; search?: string; limit?: number; cursor?: string }) => {
      const hub = await ctx.hub();
      const tag = tagFilter(options.tag);
      const page = await ok(
        hub,
        hub.client.GET('/api/v1/devices', { params: { query: { ring: options.ring, status: options.status, tag, model: options.model, version: options.version, q: options.search, limit: options.limit, cursor: options.cursor } } }),
      );
      ctx.out.result(page, () => [...devicesTable(page.devices, ctx.out.width), ...(page.nextCursor ? ['', `More: --cursor ${page.nextCursor}`] : [])]);
    });

  devices
    .command('show')
    .description("one device: its reported state, assignment and agent")
    .argument('<id>', 'device id', deviceIdArg)
    .action(async (id: string) => {
      const hub = await ctx.hub();
      const device = await ok(hub, hub.client.GET('/api/v1/devices/{id}', { params: { path: { id } } }));
      ctx.out.result(device, () => deviceDetail(device, ctx.out.width));
    });

  devices
    .command('events')
    .description('the latest events a device reported (installs, rollbacks, errors), newest first')
    .argument('<id>', 'device id', deviceIdArg)
    .action(async (id: string) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/devices/{id}/events', { params: { path: { id } } }));
      ctx.out.result(reply, () => eventsTable(reply.events, ctx.out.width));
    });

  devices
    .command('enrol')
    .description('enrol a device; its secret is shown once (or written to --secret-file)')
    .argument('<id>', 'device id (1-64 of A-Z a-z 0-9 _ -)', deviceIdArg)
    .option('--ring <ring>', 'its ring (default: default)', ringArg)
    .option('--tag <key=value>', 'a tag (repeatable)', keyValueArg)
    .option('--secret-file <path>', 'write the secret to this file (mode 0600) instead of printing it')
    .action(async (id: string, options: { ring?: string; tag?: Record<string, string>; secretFile?: string }) => {
      const hub = await ctx.hub();
      const enrolled = await withSecretFile(
        options.secretFile,
        '--secret-file',
        () => ok(hub, hub.client.POST('/api/v1/devices', { body: { id, ...(options.ring ? { ring: options.ring } : {}), ...(options.tag ? { tags: options.tag } : {}) } })),
        () => ({ issued: `Device ${id} was enrolled`, again: `Give it a new secret: edgefleet devices rotate-secret ${id} --secret-file <path>` }),
      );
      const data = options.secretFile === undefined ? enrolled : { id: enrolled.id, secretFile: options.secretFile };
      ctx.out.result(data, () => secretLines(enrolled.id, enrolled.secret, options.secretFile));
    });

  devices
    .command('rotate-secret')
    .description("replace a device's secret: the old one stops working at once and its MQTT session ends")
    .argument('<id>', 'device id', deviceIdArg)
    .option('--secret-file <path>', 'write the new secret to this file (mode 0600) instead of printing it')
    .action(async (id: string, options: { secretFile?: string }) => {
      const hub = await ctx.hub();
      const rotated = await withSecretFile(
        options.secretFile,
        '--secret-file',
        () => ok(hub, hub.client.POST('/api/v1/devices/{id}/secret', { params: { path: { id } } })),
        () => ({ issued: `Device ${id} has a new secret (its old one no longer works)`, again: `Rotate it again: edgefleet devices rotate-secret ${id} --secret-file <path>` }),
      );
      const data = options.secretFile === undefined ? rotated : { id: rotated.id, sessionEnded: rotated.sessionEnded, secretFile: options.secretFile };
      ctx.out.result(data, () => [...secretLines(rotated.id, rotated.secret, options.secretFile), rotated.sessionEnded ? 'Its live MQTT session was ended.' : 'It had no live session on the embedded broker.']);
    });

  devices
    .command('decommission')
    .description('take a device out of service for good: it can no longer authenticate and its id cannot be enrolled again')
    .argument('<id>', 'device id', deviceIdArg)
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (id: string, options: { yes?: boolean }) => {
      if (!options.yes) throw usageError(`decommissioning ${id} cannot be undone (its id can never be enrolled again): add --yes`);
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.DELETE('/api/v1/devices/{id}', { params: { path: { id } } }));
      ctx.out.result(reply, () => [`Device ${reply.id} decommissioned at ${reply.decommissionedAt}${reply.sessionEnded ? '; its live session was ended' : ''}.`]);
    });

  devices
    .command('assign')
    .description('pin a device to a model version (a signed deployment document), optionally with a shadow version beside it')
    .argument('<id>', 'device id', deviceIdArg)
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .option('--shadow <model:version>', 'a version the device runs on the same inputs without serving it', versionRefArg)
    .option('--traffic <percent>', 'with --shadow: let the shadow answer this percent of the requests instead (ramp-up; sticky by request key)', numberArg(0.001, 99.999))
    .option('--wait [seconds]', 'return once the device serves it (and its shadow); exit 1 if its install fails or after the time (default 120)', intArg(1, 3600))
    .action(async (id: string, model: string, version: string, options: { shadow?: { model: string; version: string }; traffic?: number; wait?: number | true }) => {
      if (options.traffic !== undefined && options.shadow === undefined) throw usageError('--traffic needs --shadow: the share of requests goes to the shadow version');
      const hub = await ctx.hub();
      const trafficShare = options.traffic === undefined ? null : options.traffic / 100;
      const reply = await ok(hub, hub.client.PUT('/api/v1/devices/{id}/assignment', { params: { path: { id } }, body: { model, version, shadow: options.shadow ?? null, trafficShare } }));
      const assigned = `${reply.model}@${reply.version}${reply.shadow ? ` with ${trafficShare === null ? 'shadow' : `${options.traffic}% of requests to`} ${reply.shadow.model}@${reply.shadow.version}` : ''}`;
      if (options.wait !== undefined) {
        const seconds = options.wait === true ? 120 : options.wait;
        const wanted = { model: reply.model, version: reply.version, seq: reply.seq, shadow: reply.shadow ?? null };
        const deadline = Date.now() + seconds * 1000;
        const read = patientReads(ctx.out, seconds * 1000);
        for (;;) {
          const device = await read(() => ok(hub, hub.client.GET('/api/v1/devices/{id}', { params: { path: { id } } })));
          const progress = assignmentProgress(device.state, wanted);
          if (progress.done) break;
          if (progress.failed) throw new CliError('E_INSTALL_FAILED', `device ${id} did not install ${assigned}: ${progress.failed} (it keeps serving what it had)`, EXIT.failed);
          if (Date.now() > deadline) throw new CliError('E_TIMEOUT', `device ${id} does not serve ${assigned} after ${seconds} s: waiting for ${progress.waitingFor}`, EXIT.failed);
          await sleep(500);
        }
      }
      ctx.out.result(reply, () => [`Device ${reply.device} ${options.wait === undefined ? 'assigned' : 'serves'} ${assigned} (deployment seq ${reply.seq}).`]);
    });

  devices
    .command('set-ring')
    .description('move a device to another ring (rollouts that reached that ring pick it up)')
    .argument('<id>', 'device id', deviceIdArg)
    .argument('<ring>', 'ring name', ringArg)
    .action(async (id: string, ring: string) => {
      const hub = await ctx.hub();
      const device = await ok(hub, hub.client.PATCH('/api/v1/devices/{id}', { params: { path: { id } }, body: { ring } }));
      ctx.out.result(device, () => [`Device ${device.id} is in ring ${device.ring}.`]);
    });

  devices
    .command('set-tags')
    .description("replace a device's tags")
    .argument('<id>', 'device id', deviceIdArg)
    .argument('[tags...]', 'key=value tags (none: remove every tag)')
    .action(async (id: string, list: string[]) => {
      const tags = list.reduce<Record<string, string>>((all, item) => keyValueArg(item, all), {});
      const hub = await ctx.hub();
      const device = await ok(hub, hub.client.PATCH('/api/v1/devices/{id}', { params: { path: { id } }, body: { tags } }));
      ctx.out.result(device, () => keyValues([['id', device.id], ['tags', Object.entries(device.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-']], ctx.out.width));
    });

  const rings = program.command('rings').description('rings in rollout order');
  rings
    .command('list')
    .description('rings in order with their device counts')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/rings'));
      ctx.out.result(reply, () => ringsTable(reply.rings, ctx.out.width));
    });
  rings
    .command('set')
    .description('create a ring or move it (position 0 is the canary)')
    .argument('<name>', 'ring name', ringArg)
    .requiredOption('--position <n>', 'its place in rollout order (0-1000)', intArg(0, 1000))
    .option('--description <text>', 'what the ring is')
    .action(async (name: string, options: { position: number; description?: string }) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.PUT('/api/v1/rings/{name}', { params: { path: { name } }, body: { position: options.position, ...(options.description === undefined ? {} : { description: options.description }) } }));
      ctx.out.result(reply ?? { name, position: options.position }, () => [`Ring ${name} at position ${options.position}.`]);
    });
}
