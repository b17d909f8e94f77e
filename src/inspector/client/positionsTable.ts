/**
 * The positions of `EXECUTION_POSITION_AFFINITY` (`GET /admin/positions`): which engine holds what,
 * per strategy and symbol, so the operator sees where an exit will go after a failover.
 */
import { ENGINE_IDS } from '../../../machines/engines.js';
import { getJson, type AdminToken } from './adminToken.js';
import { byId, el } from './dom.js';

export const POSITIONS_PATH = '/admin/positions';

interface PositionItem {
  readonly strategy_id: string;
  readonly symbol: string;
  readonly by_engine: Readonly<Record<string, number>>;
}

function isPosition(value: unknown): value is PositionItem {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const byEngine = record.by_engine;
  return (
    typeof record.strategy_id === 'string' &&
    typeof record.symbol === 'string' &&
    typeof byEngine === 'object' &&
    byEngine !== null &&
    Object.values(byEngine).every((amount) => typeof amount === 'number')
  );
}

function positionsOf(body: unknown): PositionItem[] | null {
  if (typeof body !== 'object' || body === null || !('positions' in body) || !Array.isArray(body.positions)) return null;
  return body.positions.every(isPosition) ? body.positions : null;
}

/** Fills the "Positions" card: one row per pair, one column per engine. */
export class PositionsTable {
  private readonly table = byId('positions', HTMLTableElement);
  private readonly body = this.table.tBodies[0] ?? this.table.createTBody();
  private readonly note = byId('positions-note', HTMLElement);

  constructor(private readonly token: AdminToken) {
    const head = this.table.tHead ?? this.table.createTHead();
    head.replaceChildren(
      el('tr', {
        children: [el('th', { text: 'strategy' }), el('th', { text: 'symbol' }), ...ENGINE_IDS.map((id) => el('th', { className: 'amount', text: id }))],
      }),
    );
  }

  /** Reads the ledger again and shows it (or why it cannot be read). */
  readonly refresh = async (): Promise<void> => {
    const answer = await getJson(POSITIONS_PATH, this.token);
    const positions = answer.ok ? positionsOf(answer.body) : null;
    if (positions === null) {
      this.say(answer.ok ? 'the service answered something that is not a position list' : answer.error);
      return;
    }
    const sorted = [...positions].sort((a, b) => a.strategy_id.localeCompare(b.strategy_id) || a.symbol.localeCompare(b.symbol));
    this.body.replaceChildren(...sorted.map((position) => this.row(position)));
    this.say(positions.length === 0 ? 'No engine holds a position (or EXECUTION_POSITION_AFFINITY is off: no ledger is kept).' : null);
  };

  private row(position: PositionItem): HTMLTableRowElement {
    return el('tr', {
      attributes: { 'data-pair': `${position.strategy_id}/${position.symbol}` },
      children: [
        el('td', { text: position.strategy_id === '' ? '—' : position.strategy_id }),
        el('td', { className: 'symbol', text: position.symbol }),
        ...ENGINE_IDS.map((id) => {
          const amount = position.by_engine[id] ?? 0;
          return el('td', {
            className: `amount${amount > 0 ? ' long' : amount < 0 ? ' short' : ''}`,
            text: amount === 0 ? '0' : String(amount),
            attributes: { 'data-engine': id },
            title: amount > 0 ? `long ${amount} on ${id}` : amount < 0 ? `short ${-amount} on ${id}` : `flat on ${id}`,
          });
        }),
      ],
    });
  }

  private say(text: string | null): void {
    this.note.textContent = text ?? '';
    this.note.hidden = text === null;
  }
}
