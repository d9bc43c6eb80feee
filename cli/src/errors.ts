/**
 * The CLI's one error family. Every failure ends as `edgefleet: <code> <message>` on stderr and
 * an exit code a script can branch on; the codes are documented in `--help` and docs/cli.md.
 */

export const EXIT = {
  ok: 0,
  /** the operation ran and ended badly: a run failed, a rollout was rolled back */
  failed: 1,
  /** bad arguments, or input the hub refused as invalid (400, 413) */
  usage: 2,
  /** not logged in, or the hub refused the credentials (401, 403) */
  auth: 3,
  notFound: 4,
  /** the hub refused the operation in the state things are in (409, 422) */
  conflict: 5,
  /** the hub could not be reached, or failed (network, 429, 5xx) */
  unreachable: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    the operation failed or ended badly: a training run failed or was
       cancelled, a rollout halted, was rolled back, aborted or superseded,
       a job failed, devices assign --wait saw no install; or an unexpected
       error
  2    usage error: bad arguments, a file or config file that cannot be read or
       written, or input the hub refused as invalid (400, 413)
  3    not logged in, or the hub refused the token (401, 403)
  4    not found (404)
  5    refused in the current state: conflict or quality gate (409, 422)
  6    hub unreachable, busy or failing (network error, TLS certificate not
       trusted, 429, 5xx); watches first wait up to 2 minutes for it
  130  interrupted (Ctrl-C): a watch stops; what it watched goes on`;

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    /** extra lines printed under the message: each faulty field, what holds a resource, a hint */
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

export const usageError = (message: string, lines: readonly string[] = []): CliError => new CliError('E_USAGE', message, EXIT.usage, lines);
export const failed = (message: string, lines: readonly string[] = []): CliError => new CliError('E_FAILED', message, EXIT.failed, lines);

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 422) return EXIT.conflict;
  if (status === 429 || status >= 500) return EXIT.unreachable;
  return EXIT.failed;
}

interface HubErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

function hubErrorOf(body: unknown): HubErrorBody | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error: unknown = body.error;
  if (typeof error !== 'object' || error === null || !('code' in error) || !('message' in error)) return null;
  const { code, message } = error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, ...('details' in error ? { details: error.details } : {}) };
}

const MAX_DETAIL_LINES = 40;

/**
 * The hub's `details` as lines: a validation error's `[{ path, message }]` becomes one line per
 * faulty field (a bad rollout plan: one per step), anything else its JSON, one entry per line.
 */
export function detailLines(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  const entries = Array.isArray(details) ? details : typeof details === 'object' ? Object.entries(details) : [details];
  const lines = entries.map((entry): string => {
    if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string') return `${entry[0]}: ${typeof entry[1] === 'string' ? entry[1] : JSON.stringify(entry[1])}`;
    if (typeof entry === 'object' && entry !== null && 'message' in entry && typeof entry.message === 'string') {
      const path = 'path' in entry && (typeof entry.path === 'string' || typeof entry.path === 'number') ? String(entry.path) : '';
      return path === '' ? entry.message : `${path}: ${entry.message}`;
    }
    return typeof entry === 'string' ? entry : JSON.stringify(entry);
  });
  return lines.length > MAX_DETAIL_LINES ? [...lines.slice(0, MAX_DETAIL_LINES), `... and ${lines.length - MAX_DETAIL_LINES} more`] : lines;
}

/** Where the hub keeps the token it generated, and how to log in again: what a 401 needs to say. */
export const tokenHint = (hubUrl: string): string[] => [
  'The hub generates its admin token on first start in <hub data dir>/admin-token (./data/admin-token',
  'for `npm start` in the repository), or takes it from EDGEFLEET_ADMIN_TOKEN. Log in again with:',
  `  edgefleet login --url ${hubUrl} --token-file <hub data dir>/admin-token`,
];

/** A token from the environment wins over the config file, so logging in again would not help. */
const ENV_TOKEN_HINT = 'The token came from EDGEFLEET_ADMIN_TOKEN, which overrides the config file: correct it, or unset it to use the logged-in token.';

/**
 * A failed hub reply as a CliError: the hub's code and message, its details as lines, the exit
 * code of its status. `tokenFrom` is where the token came from (Session.source.token).
 */
export function errorFromReply(status: number, statusText: string, body: unknown, hubUrl: string, tokenFrom?: string): CliError {
  const hub = hubErrorOf(body);
  const code = hub?.code ?? `HTTP_${status}`;
  const message = hub?.message ?? (`${status} ${statusText}`.trim() || `HTTP ${status}`);
  const lines = detailLines(hub?.details);
  if (status === 401) {
    const hint = tokenFrom === 'EDGEFLEET_ADMIN_TOKEN' ? [ENV_TOKEN_HINT] : tokenHint(hubUrl);
    return new CliError(code, `the hub at ${hubUrl} refused the admin token: ${message}`, EXIT.auth, [...lines, ...hint]);
  }
  // A validation error's message already names a single field; several are clearer one per line.
  if (status === 400) return lines.length < 2 ? new CliError(code, message, EXIT.usage) : new CliError(code, `the hub refused the request: ${lines.length} problems`, EXIT.usage, lines);
  return new CliError(code, message, exitCodeForStatus(status), lines);
}

/** What to do about a failure that has a known cause: TLS errors are not "is the hub running?". */
const CAUSE_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/,
    "The hub's TLS certificate is not signed by a CA this machine trusts. Give Node the hub's CA: NODE_EXTRA_CA_CERTS=<ca.crt> edgefleet ... (docs/tls.md).",
  ],
  [/^ERR_TLS_CERT_ALTNAME_INVALID$/, "The hub's TLS certificate does not name this host: use the name it was issued for in the URL (edgefleet whoami shows the URL)."],
  [/^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)$/, "The hub's TLS certificate is outside its validity period (or this machine's clock is wrong): the hub needs a current certificate (docs/tls.md)."],
  [/^ERR_SSL_WRONG_VERSION_NUMBER$/, 'The hub does not speak TLS on that port: use http:// (or the port of its HTTPS listener).'],
];
const DEFAULT_HINT = 'Is the hub running? Check the URL (edgefleet whoami) or EDGEFLEET_HUB_URL.';
/** A hub with TLS closes a plain-HTTP connection without an answer. */
const PLAIN_TO_TLS_HINT = 'The hub closed the connection without an answer: if it uses TLS, the URL starts with https:// (edgefleet whoami shows the URL).';

function hintFor(reason: string, hubUrl: string): string {
  if (hubUrl.startsWith('http:') && (reason === 'UND_ERR_SOCKET' || reason === 'ECONNRESET')) return PLAIN_TO_TLS_HINT;
  return CAUSE_HINTS.find(([pattern]) => pattern.test(reason))?.[1] ?? DEFAULT_HINT;
}

/** fetch() failed before any reply: the hub is down, the name does not resolve, TLS failed. */
export function unreachable(hubUrl: string, cause: unknown): CliError {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  const reason = inner instanceof Error ? ((inner as NodeJS.ErrnoException).code ?? inner.message) : String(inner);
  return new CliError('E_UNREACHABLE', `cannot reach the hub at ${hubUrl}: ${reason}`, EXIT.unreachable, [hintFor(reason, hubUrl)]);
}
