/**
 * Each engine's call window (calls, failure and slow shares against the thresholds of the rules
 * that are on) and its maintenance, with the control that starts and ends maintenance through
 * `PUT`/`DELETE /admin/engines/{engine}/maintenance`. The table is rebuilt only when what it shows
 * changes, so a button is not replaced under the pointer by the next snapshot.
 */
import type { EngineId } from '../../../machines/engines.js';
import type { StatusJson } from '../../policy/status.js';
import type { EngineWindowView, WindowRules } from '../engineWindows.js';
import type { LiveSnapshot } from '../protocol.js';
import { postJson, type AdminToken } from './adminToken.js';
import { byId, el, timeOfDay } from './dom.js';

type Maintenance = StatusJson['engines_maintenance'][EngineId];

function maintenancePath(engine: string): string {
  return `/admin/engines/${encodeURIComponent(engine)}/maintenance`;
}

function share(percent: number | null): string {
  return percent === null ? '—' : `${Math.round(percent * 10) / 10} %`;
}

/** A share beside its threshold, or "off" when its rule is off. */
function shareCell(percent: number | null, threshold: number | null, reached: boolean, rule: string): HTMLTableCellElement {
  if (threshold === null) return el('td', { className: 'off', text: `${share(percent)} · off`, title: `${rule} is off` });
  return el('td', { className: reached ? 'reached' : '', text: `${share(percent)} / ${threshold} %`, title: `${rule}: trips at ${threshold} %` });
}

function maintenanceText(entry: Maintenance): string {
  if (entry === null) return '—';
  const reason = entry.reason === '' ? 'no reason given' : entry.reason;
  return entry.until === null ? `${reason} (no end set)` : `${reason} (until ${timeOfDay(entry.until)})`;
}

/** The windows table, the maintenance form and its message. */
export class EngineWindows {
  private readonly body = byId('engine-windows', HTMLTableElement).tBodies[0] ?? byId('engine-windows', HTMLTableElement).createTBody();
  private readonly rulesNote = byId('window-rules', HTMLElement);
  private readonly message = byId('maintenance-message', HTMLElement);
  private shown = '';

  constructor(private readonly token: AdminToken) {
    byId('maintenance-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const engine = byId('maintenance-engine', HTMLSelectElement).value;
      const reason = byId('maintenance-reason', HTMLInputElement).value.trim();
      const untilText = byId('maintenance-until', HTMLInputElement).value;
      const until = untilText === '' ? null : new Date(untilText);
      if (until !== null && Number.isNaN(until.getTime())) {
        this.say('error', `maintenance of ${engine}: "${untilText}" is not a time`);
        return;
      }
      void this.send(`maintenance of ${engine}`, engine, 'PUT', { reason, ...(until === null ? {} : { until: until.toISOString() }) });
    });
  }

  /** Shows the windows and maintenance of `snapshot`. */
  show(snapshot: LiveSnapshot): void {
    const { windows, status } = snapshot;
    const key = JSON.stringify([windows, status?.engines_maintenance ?? null]);
    if (key === this.shown) return;
    this.shown = key;
    this.rulesNote.textContent = windows === null ? '' : rulesText(windows.rules);
    this.body.replaceChildren(
      ...(windows?.engines ?? []).map((view) => this.row(view, windows?.rules ?? null, status?.engines_maintenance[view.engine] ?? null)),
    );
  }

  private row(view: EngineWindowView, rules: WindowRules | null, maintenance: Maintenance): HTMLTableRowElement {
    const end =
      maintenance === null
        ? null
        : el('button', { className: 'small', text: 'end', attributes: { type: 'button', 'data-end': view.engine }, title: `end ${view.engine}'s maintenance` });
    end?.addEventListener('click', () => void this.send(`end of ${view.engine}'s maintenance`, view.engine, 'DELETE', {}));
    const tripped = view.trippedBy === null ? '' : ` · tripped: ${view.trippedBy}`;
    return el('tr', {
      className: maintenance === null ? '' : 'maintenance',
      attributes: { 'data-engine': view.engine },
      children: [
        el('td', { text: view.engine }),
        el('td', {
          className: 'calls',
          text: `${view.calls}${rules === null ? '' : ` / ${rules.minCalls}`}${tripped}`,
          title: 'calls in the window / calls before a rule may trip',
        }),
        shareCell(view.failurePercent, rules?.failureRate.thresholdPercent ?? null, view.failureReached, 'the failure-rate rule'),
        shareCell(view.slowPercent, rules?.slowCalls.thresholdPercent ?? null, view.slowReached, 'the slow-call rule'),
        el('td', { className: 'maintenance-cell', text: maintenanceText(maintenance), children: [end === null ? null : ' ', end] }),
      ],
    });
  }

  private async send(what: string, engine: string, method: 'PUT' | 'DELETE', body: object): Promise<void> {
    this.say('pending', `${what}…`);
    const answer = await postJson(maintenancePath(engine), body, this.token, method);
    if (answer.ok) {
      const state = typeof answer.body === 'object' && answer.body !== null && 'active_engine' in answer.body ? ` → ${String(answer.body.active_engine)}` : '';
      this.say('ok', `${what}: done${state}`);
    } else {
      this.say('error', `${what}: ${answer.error}`);
    }
  }

  private say(kind: 'pending' | 'ok' | 'error', text: string): void {
    this.message.dataset.kind = kind;
    this.message.textContent = text;
  }
}

function rulesText(rules: WindowRules): string {
  const on = rules.failureRate.thresholdPercent !== null || rules.slowCalls.thresholdPercent !== null;
  if (!on) return 'window rules off';
  const slow = rules.slowCallMs === null ? '' : `; slow: over ${rules.slowCallMs} ms`;
  return `last ${rules.windowSeconds} s; rules trip from ${rules.minCalls} calls${slow}`;
}
