/**
 * `npm run demo -- [options]`: the command line, parsed once (node:util parseArgs for the shape,
 * zod for the values) into DemoOptions, or an error that names the option and says what it takes.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface DemoOptions {
  /** devices enrolled and started (10% canary, 30% early, the rest main); default 30 */
  devices: number;
  /** roll out a version trained on miscalibrated data, which the canary gate should refuse (auto rollback) */
  bad: boolean;
  /** length of each bake step; default 20 s */
  bakeS: number;
  /** how often agents close a statistics window (the hub's statsIntervalS); default 5 s */
  statsIntervalS: number;
  /** rows per second each device is asked to predict; default 20 */
  rate: number;
  /** hub and agent data; null = a temp dir removed on exit */
  dataDir: string | null;
  /** bind address of the hub; default 127.0.0.1 (the demo prints its admin token) */
  host: string;
}

export const USAGE = `usage: npm run demo -- [options]

  --devices <n>          devices to simulate, 3..500 (default 30: 10% canary, 30% early, rest
                         main; all in this process, so past ~150 a laptop gets slow)
  --bad                  roll out a version trained on miscalibrated data: the canary gate fails
                         and the rollout rolls back automatically
  --bake <seconds>       length of each bake step, 1..600 (default 20)
  --stats-interval <s>   statistics window of the agents, 1..60 (default 5)
  --rate <rows/s>        predictions per second per device, 1..500 (default 20)
  --data-dir <path>      keep hub and agent data there (must be empty or absent);
                         default: a temp dir removed on exit
  --host <address>       hub bind address (default 127.0.0.1)
  -h, --help             this text`;

const intIn = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name}: must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name}: must be at least ${min}`).max(max, `${name}: must be at most ${max}`));

const argsSchema = z.strictObject({
  devices: intIn('--devices', 3, 500).default(30),
  bad: z.boolean().default(false),
  bake: intIn('--bake', 1, 600).default(20),
  'stats-interval': intIn('--stats-interval', 1, 60).default(5),
  rate: intIn('--rate', 1, 500).default(20),
  'data-dir': z.string().min(1, '--data-dir: must not be empty').optional(),
  host: z.string().min(1, '--host: must not be empty').default('127.0.0.1'),
  help: z.boolean().default(false),
});

export type ParsedArgs = { kind: 'run'; options: DemoOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseDemoArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        devices: { type: 'string' },
        bad: { type: 'boolean' },
        bake: { type: 'string' },
        'stats-interval': { type: 'string' },
        rate: { type: 'string' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--device'"; the usage shows the right spelling.
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const result = argsSchema.safeParse(values);
  if (!result.success) return { kind: 'error', message: result.error.issues.map((i) => i.message).join('; ') };
  const a = result.data;
  if (a.help) return { kind: 'help' };
  return {
    kind: 'run',
    options: { devices: a.devices, bad: a.bad, bakeS: a.bake, statsIntervalS: a['stats-interval'], rate: a.rate, dataDir: a['data-dir'] ?? null, host: a.host },
  };
}
