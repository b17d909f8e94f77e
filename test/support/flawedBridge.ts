/**
 * A small in-memory bridge that follows the protocol except for one chosen flaw, on the scripted
 * server of `test/engines/scriptedBridge.ts`: for showing that bridge-check fails exactly the rule
 * that flaw breaks. It places at once (no order is ever in progress), validates the two things
 * bridge-check's bad signals get wrong (symbol, quantity), and fences.
 */
import type { ServerResponse } from 'node:http';
import { startScriptedBridge, type ScriptedBridge, type SeenRequest } from '../engines/scriptedBridge.js';

/** What the bridge gets wrong. */
export type Flaw =
  /** none: it passes every rule. */
  | 'none'
  /** `GET /health` answers 503. */
  | 'health-503'
  /** An order is answered 200 with the text "OK", not a JSON report. */
  | 'text-report'
  /** A repeat of a placed key places a new order, with a new report. */
  | 'repeat-new-report'
  /** A lookup of a placed key answers 404. */
  | 'lookup-placed-404'
  /** A lookup of a key never sent answers 409. */
  | 'lookup-unknown-409'
  /** A bad signal is answered 500, as a crash in validation would. */
  | 'bad-signal-500'
  /** Only orders raise the fence; health probes and lookups do not. */
  | 'fence-orders-only'
  /** A stale order's 409 carries the request's epoch, not the highest seen. */
  | 'stale-wrong-epoch';

/** A running flawed bridge: the scripted server, with the orders it placed. */
export interface FlawedBridge extends ScriptedBridge {
  /** Every order placed, by key, in placing order (a repeat-new-report double shows twice). */
  readonly placed: readonly string[];
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string';
  response.writeHead(status, { 'Content-Type': text ? 'text/plain' : 'application/json' });
  response.end(text ? body : JSON.stringify(body));
}

function epochOf(request: SeenRequest): number | null {
  const value = request.headers['x-leader-epoch'];
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : null;
}

function isValid(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const symbol = 'symbol' in body ? body.symbol : undefined;
  const quantity = 'quantity' in body ? body.quantity : undefined;
  return typeof symbol === 'string' && symbol !== '' && typeof quantity === 'number' && quantity > 0;
}

/** Starts a bridge with `flaw` on 127.0.0.1 and a port of its own. */
export async function startFlawedBridge(flaw: Flaw): Promise<FlawedBridge> {
  const reports = new Map<string, unknown>();
  const placed: string[] = [];
  let highest: number | null = null;

  function place(key: string, body: unknown): unknown {
    placed.push(key);
    const report = { order_id: `flawed-${placed.length}`, signal_id: key, status: 'filled', body };
    if (!reports.has(key)) reports.set(key, report);
    return report;
  }

  function order(request: SeenRequest, response: ServerResponse, epoch: number | null): void {
    if (highest !== null && (epoch === null || epoch < highest)) {
      return send(response, 409, { error: 'stale_epoch', epoch: flaw === 'stale-wrong-epoch' ? epoch : highest });
    }
    const key = String(request.headers['idempotency-key'] ?? '');
    const body: unknown = JSON.parse(request.body);
    if (!isValid(body)) return send(response, flaw === 'bad-signal-500' ? 500 : 422, { error: 'symbol and quantity > 0 are required' });
    const earlier = reports.get(key);
    if (earlier !== undefined && flaw !== 'repeat-new-report') return send(response, 200, earlier);
    const report = place(key, body);
    send(response, 200, flaw === 'text-report' ? 'OK' : report);
  }

  function lookup(response: ServerResponse, key: string): void {
    const report = reports.get(key);
    if (report === undefined) return send(response, flaw === 'lookup-unknown-409' ? 409 : 404, { error: 'in_progress' });
    if (flaw === 'lookup-placed-404') return send(response, 404, { error: `no order for ${key}` });
    send(response, 200, report);
  }

  const server = await startScriptedBridge((request, response) => {
    const epoch = epochOf(request);
    const isOrder = request.method === 'POST' && request.path === '/orders';
    if (epoch !== null && (isOrder || flaw !== 'fence-orders-only') && (highest === null || epoch > highest)) highest = epoch;
    if (isOrder) return order(request, response, epoch);
    if (request.method === 'GET' && request.path === '/health') return send(response, flaw === 'health-503' ? 503 : 200, { status: 'ok' });
    if (request.method === 'GET' && request.path.startsWith('/orders/')) return lookup(response, decodeURIComponent(request.path.slice(8)));
    send(response, 404, { error: 'no such route' });
  });
  return Object.assign(server, { placed });
}
