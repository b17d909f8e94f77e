/**
 * The status JSON (contract section 5) as an operator reads it at a terminal: what runs where,
 * why, and each engine's standing. Shared by `status` and by the commands that answer the status
 * (pause, resume, switch, maintenance).
 *
 * It reads the JSON by the contract's names but accepts engines and keys it does not know, so that
 * a command line of one version still reads the status of another.
 */
import { z } from 'zod';

const maintenanceSchema = z.object({ reason: z.string().nullish(), until: z.string().nullish() }).nullable();

const statusSchema = z.object({
  active_engine: z.string().nullable(),
  primary_engine: z.string(),
  backup_engines: z.array(z.string()),
  failure_counts: z.record(z.string(), z.number()),
  engines_available: z.record(z.string(), z.boolean()),
  state: z.string(),
  paused: z.boolean(),
  paused_reason: z.string().nullable(),
  failover_enabled: z.boolean(),
  failure_threshold: z.number(),
  recovery_timeout_seconds: z.number(),
  next_recovery_check_at: z.string().nullable(),
  last_transition: z.object({ from: z.string(), to: z.string(), reason: z.string(), at: z.string() }).nullable(),
  role: z.string(),
  leader_epoch: z.number().nullable(),
  engines_maintenance: z.record(z.string(), maintenanceSchema).optional(),
});

/** The status as this module reads it. */
export type StatusView = z.infer<typeof statusSchema>;

/** The status from an answer's body; throws when the body is not a status. */
export function readStatus(body: unknown): StatusView {
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the service answered something that is not a status: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

/** `primary`, `backup 1`, … by the engine's place in the chain. */
function roleOf(status: StatusView, engine: string): string {
  if (engine === status.primary_engine) return 'primary';
  const index = status.backup_engines.indexOf(engine);
  return index < 0 ? '' : `backup ${index + 1}`;
}

function maintenanceText(entry: z.infer<typeof maintenanceSchema> | undefined): string | null {
  if (entry === null || entry === undefined) return null;
  const reason = entry.reason === null || entry.reason === undefined || entry.reason === '' ? 'no reason given' : entry.reason;
  return `maintenance (${reason}${entry.until === null || entry.until === undefined ? ', until ended' : `, until ${entry.until}`})`;
}

/** One line per engine, in chain order, aligned. */
function engineLines(status: StatusView): string[] {
  const engines = [status.primary_engine, ...status.backup_engines];
  for (const engine of Object.keys(status.failure_counts)) if (!engines.includes(engine)) engines.push(engine);
  const width = Math.max(...engines.map((engine) => engine.length));
  return engines.map((engine) => {
    const failures = status.failure_counts[engine] ?? 0;
    const available = status.engines_available[engine];
    const parts = [
      roleOf(status, engine).padEnd(8),
      `failures ${failures}/${status.failure_threshold}`.padEnd(14),
      available === undefined ? 'availability unknown' : available ? 'available' : 'UNAVAILABLE',
    ];
    const maintenance = maintenanceText(status.engines_maintenance?.[engine]);
    if (maintenance !== null) parts.push(maintenance);
    if (engine === status.active_engine) parts.push('<- active');
    return `  ${engine.padEnd(width)}  ${parts.join('  ')}`;
  });
}

/** The status as lines of text. */
export function statusLines(status: StatusView): string[] {
  const lines = [
    status.paused
      ? `state:       paused (${status.paused_reason === null || status.paused_reason === '' ? 'no reason given' : status.paused_reason}): nothing is consumed, signals wait in Redis`
      : `state:       ${status.state}, signals go to ${status.active_engine ?? 'no engine'}`,
    `instance:    ${status.role}${status.leader_epoch === null ? '' : `, leader epoch ${status.leader_epoch}`}`,
    `failover:    ${status.failover_enabled ? 'on' : 'off (the primary alone)'}, threshold ${status.failure_threshold}, recovery timeout ${status.recovery_timeout_seconds} s`,
  ];
  if (status.next_recovery_check_at !== null) lines.push(`next check:  ${status.next_recovery_check_at} (recovery probes of the engines above)`);
  const last = status.last_transition;
  lines.push(last === null ? 'last change: none since the state was created' : `last change: ${last.from} -> ${last.to} (${last.reason}) at ${last.at}`);
  lines.push('engines:', ...engineLines(status));
  if (status.role === 'standby') lines.push('(a standby: operator commands go to the leader)');
  return lines;
}

/** `what` happened, then the status it left. */
export function statusAfter(what: string): (body: unknown) => string[] {
  return (body) => [what, '', ...statusLines(readStatus(body))];
}
