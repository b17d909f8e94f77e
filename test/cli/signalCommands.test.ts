/**
 * The command line's views of signals (contract sections 12 and 13) against a running service
 * (real Redis, fake bridges) over real HTTP: `dead-letter list` and `replay` on dead letters the
 * service itself recorded, `positions` on the ledger its executions moved, and `status` after a
 * failover the fake bridges caused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo, type CapturedIo } from '../support/cliIo.js';
import { eventually, produce, signalJson, type TestService } from '../support/service.js';
import { serveApp, type ServedApp } from '../support/servedApp.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');

const served: ServedApp[] = [];
afterEach(async () => {
  for (const app of served.splice(0)) await app.close();
});

async function startServed(env: Record<string, string> = {}): Promise<{ service: TestService; url: string }> {
  // A generous engine timeout: on a busy machine a slow answer would count as a failure and move
  // signals to another engine than the one these tests expect.
  const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit`, ENGINE_TIMEOUT_MS: '5000', ...env });
  const app = await serveApp(service.service.app);
  served.push(app);
  return { service, url: app.url };
}

async function cli(args: readonly string[]): Promise<{ code: number } & CapturedIo> {
  const captured = captureIo();
  const code = await runCli(args, captured.io);
  return { code, ...captured };
}

const send = (raw: string) => produce(fixture.redis, fixture.keys, 'stream', raw);
const outcomeOf = async (signalId: string) => (await fixture.records()).filter((record) => record.signal_id === signalId);

describe('dead-letter list and replay', () => {
  it('lists what the service dead-lettered, filters and pages it, and replays a fixed signal, which then executes', async () => {
    const { url } = await startServed();
    await fixture.bridges.lean_self_hosted.setMode('reject');
    await send('{"signal_id": "broken"');
    await send(signalJson('refused-1'));
    await send(signalJson('refused-2', { symbol: 'MSFT' }));
    await eventually('three dead letters', async () => (await fixture.redis.xlen(fixture.keys.deadLetterQueue)) === 3);
    const ids = (await fixture.redis.xrange(fixture.keys.deadLetterQueue, '-', '+')).map(([id]) => id);

    const all = await cli(['dead-letter', 'list', '--url', url]);
    expect(all.code).toBe(0);
    expect(all.out[0]).toMatch(/^ID +OUTCOME +SIGNAL_ID +ENGINE +ATTEMPTS +AT +REASON$/);
    expect(all.out).toHaveLength(5);
    const rows = all.out.slice(1, 4).map((line) => line.split(/ {2,}/));
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      [ids[0], 'invalid', '-', '-', '0'],
      [ids[1], 'rejected', 'refused-1', 'lean_self_hosted', '1'],
      [ids[2], 'rejected', 'refused-2', 'lean_self_hosted', '1'],
    ]);
    expect(all.out[4]).toBe('3 entries');

    const page = await cli(['dead-letter', 'list', '--outcome', 'rejected', '--count', '1', '--url', url]);
    expect(page.code).toBe(0);
    expect(page.out.slice(1, 2).map((line) => line.split(/ {2,}/)[2])).toEqual(['refused-1']);
    expect(page.out.at(-1)).toBe(`1 entry; more after ${ids[1]}: add --after ${ids[1]}`);
    const next = await cli(['dead-letter', 'list', '--outcome', 'rejected', '--after', ids[1] ?? '', '--url', url, '--json']);
    const nextPage = JSON.parse(next.out[0] ?? '') as { entries: { signal_id: string; signal: string }[]; next: string | null };
    expect(nextPage.entries.map((entry) => entry.signal_id)).toEqual(['refused-2']);
    expect(nextPage.entries[0]?.signal).toBe(signalJson('refused-2', { symbol: 'MSFT' }));
    expect(nextPage.next).toBeNull();

    // The engine accepts it now: the rejected signal is replayed and executes; the invalid one cannot be.
    await fixture.bridges.lean_self_hosted.setMode('ok');
    const missing = `${ids[2]?.split('-')[0]}-99`;
    const replay = await cli(['dead-letter', 'replay', ids[1] ?? '', ids[0] ?? '', missing, '--url', url]);
    expect(replay.code).toBe(0);
    expect(replay.out.map((line) => line.split(/ {2,}/))).toEqual([
      [ids[1], 'refused-1', 'replayed (back on the signal queue)'],
      [ids[0], '-', 'not_replayable (invalid: not replayable, the producer must send a valid signal)'],
      [missing, '-', 'not_found (no such dead-letter entry)'],
      ['1 of 3 replayed'],
    ]);
    await eventually('the replayed signal executed', async () => (await outcomeOf('refused-1')).some((record) => record.outcome === 'executed'));
    expect(fixture.bridges.lean_self_hosted.placements.map((placement) => placement.signalId)).toEqual(['refused-1']);

    // Once executed, a second replay never sends it again.
    const again = await cli(['dead-letter', 'replay', ids[1] ?? '', '--url', url, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out[0] ?? '')).toEqual({ results: [{ id: ids[1], signal_id: 'refused-1', result: 'already_executed' }] });
  });

  it('refuses bad arguments before asking the service (exit 2)', async () => {
    for (const [args, problem] of [
      [['dead-letter', 'list', '--outcome', 'executed'], '--outcome takes one of rejected, invalid'],
      [['dead-letter', 'list', '--count', '1001'], '--count must be a whole number from 1 to 1000'],
      [['dead-letter', 'list', '--after', 'yesterday'], '--after takes an entry id'],
      [['dead-letter', 'replay'], 'at least one dead-letter entry id'],
      [['dead-letter', 'replay', 'sig-0001'], '"sig-0001" is not a dead-letter entry id'],
    ] as const) {
      const { code, err } = await cli([...args, '--url', 'http://127.0.0.1:1']);
      expect(code, args.join(' ')).toBe(2);
      expect(err[0], args.join(' ')).toContain(problem);
    }
  });
});

describe('positions', () => {
  it('shows which engine holds what, from the ledger the executions moved', async () => {
    const { url } = await startServed({ EXECUTION_POSITION_AFFINITY: 'true' });
    const empty = await cli(['positions', '--url', url]);
    expect(empty.code).toBe(0);
    expect(empty.out).toEqual(['no engine holds a position (or EXECUTION_POSITION_AFFINITY is off)']);

    await send(signalJson('long', { symbol: 'AAPL', action: 'BUY', quantity: 30, strategy_id: 'momentum' }));
    await send(signalJson('short', { symbol: 'TSLA', action: 'SELL_TO_OPEN', quantity: 5, strategy_id: 'meanrev' }));
    await eventually('both executed', async () => (await outcomeOf('long')).length + (await outcomeOf('short')).length === 2);
    const table = await cli(['positions', '--url', url]);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.out.map((line) => line.split(/ +/));
    expect(header).toEqual(['STRATEGY', 'SYMBOL', 'lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader']);
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['meanrev', 'TSLA', '-5', '0', '0'],
        ['momentum', 'AAPL', '30', '0', '0'],
      ]),
    );
    const json = await cli(['positions', '--url', url, '--json']);
    const body = JSON.parse(json.out[0] ?? '') as { positions: { strategy_id: string; by_engine: Record<string, number> }[] };
    expect(body.positions).toHaveLength(2);
    expect(body.positions.find((position) => position.strategy_id === 'momentum')?.by_engine).toEqual({
      lean_self_hosted: 30,
      quanttrader_pybroker: 0,
      nautilus_trader: 0,
    });
  });
});

describe('status after a failover', () => {
  it('shows the tripped engine unavailable, the active backup, the next recovery check and the transition', async () => {
    const { url } = await startServed({ EXECUTION_FAILOVER_TIMEOUT: '600' });
    await fixture.bridges.lean_self_hosted.setMode('fail');
    await send(signalJson('f1'));
    await eventually('executed on backup 1', async () => (await outcomeOf('f1')).some((record) => record.engine === 'quanttrader_pybroker'));
    const { code, out } = await cli(['status', '--url', url]);
    expect(code).toBe(0);
    expect(out[0]).toBe('state:       backup1Active, signals go to quanttrader_pybroker');
    expect(out.some((line) => /^next check: {2}\d{4}-\d\d-\d\dT.*Z \(recovery probes of the engines above\)$/.test(line))).toBe(true);
    expect(out.some((line) => /^last change: primaryActive -> backup1Active \(threshold\) at /.test(line))).toBe(true);
    expect(out).toContain('  lean_self_hosted      primary   failures 2/2    UNAVAILABLE');
    expect(out).toContain('  quanttrader_pybroker  backup 1  failures 0/2    available  <- active');
  });
});
