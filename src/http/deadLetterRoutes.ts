/**
 * `GET /admin/dead-letter` and `POST /admin/dead-letter/replay` (contract section 5): the entries,
 * a page at a time, and putting their signals back on the queue.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { isOutcome, STREAM_ID, type DeadLetters } from '../signals/deadLetters.js';
import { OUTCOMES } from '../signals/outcome.js';
import { noteAudit } from './audit.js';
import { readJson } from './body.js';

/** The most entries one page holds. */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const replayBody = z
  .object({
    ids: z
      .array(z.string({ error: 'ids: dead-letter entry ids such as "1733080800000-0"' }), { error: 'ids: a list of dead-letter entry ids' })
      .min(1, 'ids: at least one entry id')
      .max(MAX_PAGE, `ids: at most ${MAX_PAGE}`),
    force_in_doubt: z.boolean({ error: 'force_in_doubt: true or false' }).optional(),
  })
  .strict();

/** Mounts the routes; `deadLetters` is null without Redis (the demo's in-process queue). */
export function mountDeadLetterRoutes(app: Hono, deps: { readonly deadLetters: DeadLetters | null; readonly log: Logger }): void {
  const { deadLetters, log } = deps;
  const unavailable = { error: 'the dead-letter stream is in Redis, and this instance runs without Redis' } as const;

  app.get('/admin/dead-letter', async (c) => {
    if (deadLetters === null) return c.json(unavailable, 503);
    const { outcome, count, after } = c.req.query();
    if (outcome !== undefined && outcome !== '' && !isOutcome(outcome)) {
      return c.json({ error: `unknown outcome "${outcome}": expected one of ${OUTCOMES.join(', ')}` }, 400);
    }
    const size = count === undefined || count === '' ? DEFAULT_PAGE : Number(count);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) return c.json({ error: `count: a whole number from 1 to ${MAX_PAGE}` }, 400);
    if (after !== undefined && after !== '' && !STREAM_ID.test(after)) return c.json({ error: 'after: a dead-letter entry id such as "1733080800000-0"' }, 400);
    try {
      return c.json(
        await deadLetters.list({
          count: size,
          ...(after === undefined || after === '' ? {} : { after }),
          ...(outcome === undefined || outcome === '' || !isOutcome(outcome) ? {} : { outcome }),
        }),
      );
    } catch (error) {
      log.error({ err: error }, 'could not read the dead-letter stream');
      return c.json({ error: 'the dead-letter stream cannot be read right now (Redis unreachable?); try again' }, 503);
    }
  });

  app.post('/admin/dead-letter/replay', async (c) => {
    const body = await readJson(c, false);
    if (!body.ok) return c.json({ error: body.error }, body.status);
    const parsed = replayBody.safeParse(body.value);
    noteAudit(c, 'dead_letter_replay', parsed.success ? parsed.data : body.value);
    if (!parsed.success) return c.json({ error: `bad replay request: ${z.prettifyError(parsed.error)}` }, 400);
    if (deadLetters === null) return c.json(unavailable, 503);
    try {
      const results = await deadLetters.replay(parsed.data.ids, parsed.data.force_in_doubt === true);
      log.info({ replayed: results.filter((result) => result.result === 'replayed').length, asked: results.length }, 'operator: dead-letter replay');
      return c.json({ results });
    } catch (error) {
      log.error({ err: error }, 'could not replay dead letters');
      return c.json({ error: 'the replay could not be done right now (Redis unreachable?); entries listed in the log before the failure were replayed' }, 503);
    }
  });
}
