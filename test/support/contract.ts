/** Names the contract (DESIGN.md) fixes, written out independently of the code under test. */

/** The keys of `GET /admin/execution-status`, as DESIGN section 5 writes them. */
export const STATUS_KEYS: readonly string[] = [
  'active_engine',
  'primary_engine',
  'backup_engines',
  'failure_counts',
  'engines_available',
  'state',
  'paused',
  'paused_reason',
  'failover_enabled',
  'failure_threshold',
  'recovery_timeout_seconds',
  'next_recovery_check_at',
  'last_transition',
  'role',
  'leader_epoch',
  'engines_maintenance',
];
