/**
 * The recent operator actions (`GET /admin/audit`, from `AUDIT_STREAM`): who paused, resumed,
 * switched or replayed what, from where, and whether the service did it; newest first.
 */
import { getJson, type AdminToken } from './adminToken.js';
import { byId, el, timeOfDay } from './dom.js';

/** How many actions the page shows. */
export const AUDIT_SHOWN = 20;
export const AUDIT_PATH = `/admin/audit?count=${AUDIT_SHOWN}`;

interface AuditItem {
  readonly id: string;
  readonly action: string;
  readonly params: string;
  readonly result: string;
  readonly remote: string;
  readonly at: string;
}

function isAuditItem(value: unknown): value is AuditItem {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['id', 'action', 'params', 'result', 'remote', 'at'].every((key) => typeof record[key] === 'string');
}

/** The entries of an answer, or null when it is not an audit list. */
function itemsOf(body: unknown): AuditItem[] | null {
  if (typeof body !== 'object' || body === null || !('entries' in body) || !Array.isArray(body.entries)) return null;
  return body.entries.every(isAuditItem) ? body.entries : null;
}

/** The parameters as a short text: `{"reason":"x"}` reads `reason: x`. */
function paramsText(params: string): string {
  try {
    const parsed: unknown = JSON.parse(params);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return Object.entries(parsed)
        .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(', ');
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return params;
}

/** Fills the "Operator actions" card. */
export class AuditList {
  private readonly body = byId('audit', HTMLTableElement).tBodies[0] ?? byId('audit', HTMLTableElement).createTBody();
  private readonly note = byId('audit-note', HTMLElement);

  constructor(private readonly token: AdminToken) {}

  /** Reads the actions again and shows them (or why they cannot be read). */
  readonly refresh = async (): Promise<void> => {
    const answer = await getJson(AUDIT_PATH, this.token);
    const items = answer.ok ? itemsOf(answer.body) : null;
    if (items === null) {
      this.say(answer.ok ? 'the service answered something that is not an audit list' : answer.error);
      return;
    }
    this.body.replaceChildren(...items.map((item) => this.row(item)));
    this.say(items.length === 0 ? 'No operator action yet.' : null);
  };

  private row(item: AuditItem): HTMLTableRowElement {
    const ok = item.result === 'ok';
    const params = paramsText(item.params);
    return el('tr', {
      attributes: { 'data-id': item.id, 'data-action': item.action },
      children: [
        el('td', { className: 'time', children: [el('time', { text: timeOfDay(item.at), title: item.at })] }),
        el('td', { className: 'action', text: item.action }),
        el('td', { children: [el('span', { className: `pill ${ok ? 'ok' : 'bad'}`, text: ok ? 'ok' : 'refused', title: item.result })] }),
        el('td', { className: 'hint', text: item.remote }),
        el('td', { className: 'params', text: ok ? params : [params, item.result].filter((part) => part !== '').join(' · ') }),
      ],
    });
  }

  private say(text: string | null): void {
    this.note.textContent = text ?? '';
    this.note.hidden = text === null;
  }
}
