/**
 * The fencing rules of bridge-check (contract section 7), run last with `--fencing`: once the
 * fence is raised, every request at the run's base epoch is stale, so nothing may come after.
 *
 * A health probe at `epoch + 1` raises the fence (a fencing bridge remembers the highest epoch of
 * any request: a new leader's first probe or lookup must fence the old leader); then an order at
 * the base epoch must get `409 {"error":"stale_epoch","epoch":epoch+1}` and not be placed, while an
 * order at the higher epoch is still taken.
 */
import { describeAnswer } from './client.js';
import { notChecked, rule, serviceReading, type CheckContext } from './rules.js';

/** Whether the bridge fences, as the fencing rules found. */
export interface FencingFinding {
  readonly fences: boolean;
}

function saidEpoch(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'epoch' in body ? body.epoch : undefined;
}

/** Runs the fencing rules; answers whether the bridge fenced the stale order. */
export async function checkFencing(context: CheckContext): Promise<FencingFinding> {
  const high = context.epoch + 1;
  const staleKey = context.nextId();
  let staleWasPlaced = false;

  const fences = await rule(
    context,
    'fence',
    'after a request with a higher X-Leader-Epoch, a lower-epoch order gets 409 stale_epoch with the highest epoch',
    async () => {
      // Any answer will do: the probe is there to carry the epoch; the health rule judged health.
      const probe = await context.client.health(high);
      const answer = await context.client.order(context.signal(staleKey), staleKey, context.epoch);
      const said = `an order with X-Leader-Epoch ${context.epoch}, after a health probe with ${high} (answered ${probe.status}), got ${describeAnswer(answer)}`;
      const { result } = answer;
      if (result.kind === 'fenced') {
        const epoch = saidEpoch(answer.body);
        if (epoch === high) return undefined;
        return `${said}: the body's "epoch" must be the highest epoch the bridge has seen (${high}), an integer, so that the fenced service can raise its own above it`;
      }
      if (result.kind === 'executed') {
        staleWasPlaced = true;
        return `${said}: it was placed. A fencing bridge remembers the highest X-Leader-Epoch of any request (health probes and lookups too) and answers a lower-epoch order 409 {"error": "stale_epoch", "epoch": <highest>} without placing it. Without fencing, an old leader's late order can execute after a new leader took over`;
      }
      if (result.kind === 'in_progress') {
        return `${said}: a 409 whose body is not {"error": "stale_epoch", ...} means "in progress" to the service, not "fenced"`;
      }
      return `${said}: ${serviceReading(result)}; a stale order gets 409 {"error": "stale_epoch", "epoch": ${high}}`;
    },
  );

  const notPlacedTitle = 'a fenced order is not placed (its lookup answers 404)';
  if (staleWasPlaced) notChecked(context, 'fenced-not-placed', notPlacedTitle, 'the stale order was placed (see the rule above)');
  else {
    await rule(context, 'fenced-not-placed', notPlacedTitle, async () => {
      const lookup = await context.client.lookup(staleKey, high);
      if (lookup.result.kind === 'not_found') return undefined;
      return `the lookup of the stale order got ${describeAnswer(lookup)}: an order refused as stale_epoch was not placed, so its lookup must answer 404`;
    });
  }

  await rule(context, 'fence-admits-newer', 'an order at the highest epoch is still placed', async () => {
    const key = context.nextId();
    const answer = await context.client.order(context.signal(key), key, high);
    if (answer.result.kind === 'executed') return undefined;
    return `an order with X-Leader-Epoch ${high}, the highest the bridge has seen, got ${describeAnswer(answer)}: ${serviceReading(answer.result)}. The fence refuses only lower epochs: the newest leader's orders must go through`;
  });

  return { fences };
}
