/** The live view: header, diagram, engines, policy facts, recent transitions and the event log. */
import { PRIMARY_ENGINE, type EngineId } from '../../../machines/engines.js';
import type { SimFaults } from '../../engines/simFaults.js';
import type { StatusJson } from '../../policy/status.js';
import type { EngineView, LiveSnapshot, LogEntry, LogUpdate } from '../protocol.js';
import { highlightState } from './diagram.js';
import { byId, el, timeOfDay } from './dom.js';
import type { ConnectionStatus } from './liveStream.js';

/** The fault buttons of a `sim://` engine and the change each one sends. */
export const FAULT_PRESETS: Readonly<Record<string, { readonly label: string; readonly title: string; readonly patch: Partial<SimFaults> }>> = {
  fail: { label: 'fail', title: 'answer every call like HTTP 500', patch: { mode: 'fail' } },
  hang: { label: 'hang', title: 'never answer: every call times out', patch: { mode: 'hang' } },
  down: { label: 'down', title: 'refuse connections', patch: { mode: 'down' } },
  recover: { label: 'recover', title: 'healthy again: no faults', patch: { mode: 'ok', fail_rate: 0, reject_rate: 0 } },
};

const ROLES: Record<EngineId, string> = {
  lean_self_hosted: 'primary',
  quanttrader_pybroker: 'backup 1',
  nautilus_trader: 'backup 2',
};

function faultsText(faults: SimFaults): string {
  const parts: string[] = [faults.mode];
  if (faults.latency_ms > 0) parts.push(`${faults.latency_ms} ms`);
  if (faults.fail_rate > 0) parts.push(`fail ${Math.round(faults.fail_rate * 100)}%`);
  if (faults.reject_rate > 0) parts.push(`reject ${Math.round(faults.reject_rate * 100)}%`);
  return parts.join(' · ');
}

function probeText(healthy: boolean | null): string {
  return healthy === null ? 'not probed yet' : healthy ? 'last probe healthy' : 'last probe unhealthy';
}

function tableBody(tableId: string): HTMLTableSectionElement {
  const table = byId(tableId, HTMLTableElement);
  return table.tBodies[0] ?? table.createTBody();
}

interface EngineRow {
  readonly row: HTMLTableRowElement;
  readonly count: HTMLElement;
  readonly bar: HTMLElement;
  readonly available: HTMLElement;
  readonly probe: HTMLElement;
  readonly url: HTMLElement;
  readonly faults: HTMLElement;
  readonly buttons: HTMLElement;
}

/** Renders what the stream sends into the page. */
export class LiveView {
  private readonly stateName = byId('state-name', HTMLElement);
  private readonly statePathText = byId('state-path', HTMLElement);
  private readonly connection = byId('connection', HTMLElement);
  private readonly connectionText = byId('connection-text', HTMLElement);
  private readonly diagram = byId('live-diagram', HTMLElement);
  private readonly engineBody = tableBody('engines');
  private readonly threshold = byId('threshold', HTMLElement);
  private readonly facts = byId('facts', HTMLElement);
  private readonly transitionBody = tableBody('transitions');
  private readonly transitionsEmpty = byId('transitions-empty', HTMLElement);
  private readonly logList = byId('event-log', HTMLOListElement);
  private readonly rows = new Map<EngineId, EngineRow>();
  private readonly logEntries = new Map<number, LogEntry>();
  private logLimit = 200;

  /** `onFault`: a fault button was pressed. */
  constructor(private readonly onFault: (engine: EngineId, patch: Partial<SimFaults>) => void) {}

  /** Shows the connection's state in the header. */
  showConnection(status: ConnectionStatus): void {
    this.connection.dataset.status = status.kind;
    switch (status.kind) {
      case 'connecting':
        this.connectionText.textContent = 'connecting…';
        break;
      case 'live':
        this.connectionText.textContent = status.restarted ? 'live (the service restarted)' : 'live';
        this.connection.title = `service instance ${status.hello.instance}, started ${status.hello.startedAt}`;
        break;
      case 'reconnecting':
        this.connectionText.textContent = `reconnecting… (${status.reason})`;
        this.connection.title = `attempt ${status.attempt}; next in ${Math.round(status.retryInMs / 100) / 10} s`;
        break;
      case 'standby':
        this.connectionText.textContent = 'standby instance (checking for the lease)';
        this.connection.title = `next check in ${Math.round(status.retryInMs / 100) / 10} s`;
        break;
      case 'unauthorized':
        this.connectionText.textContent = `not connected: ${status.message}`;
        break;
    }
    document.body.classList.toggle('stale', status.kind !== 'live');
  }

  /** Shows a snapshot of the policy. */
  showSnapshot(snapshot: LiveSnapshot): void {
    const { status } = snapshot;
    const top = status?.state ?? 'standby';
    this.stateName.textContent = top;
    this.stateName.dataset.top = top;
    this.statePathText.textContent =
      status === null
        ? 'this instance drives no policy: the leader’s inspector shows it'
        : snapshot.statePath === status.state
          ? ''
          : (snapshot.statePath ?? '');
    document.title = `${top} · execution failover`;
    highlightState(this.diagram, snapshot.statePath ?? '');
    this.threshold.textContent = status === null ? '' : `trips at ${status.failure_threshold} consecutive failures`;
    for (const view of snapshot.engines) this.showEngine(view, status);
    this.showFacts(status);
    this.showTransitions(snapshot);
  }

  /** Adds or updates event log entries. */
  showLog(update: LogUpdate): void {
    this.logLimit = update.limit;
    for (const entry of update.entries) this.logEntries.set(entry.id, entry);
    const newestFirst = [...this.logEntries.values()].sort((a, b) => b.seq - a.seq);
    for (const forgotten of newestFirst.splice(this.logLimit)) this.logEntries.delete(forgotten.id);
    this.logList.replaceChildren(...newestFirst.map((entry) => this.logItem(entry)));
  }

  private logItem(entry: LogEntry): HTMLLIElement {
    return el('li', {
      className: `log-${entry.kind}`,
      attributes: { 'data-type': entry.type },
      children: [
        el('time', { text: timeOfDay(entry.lastAt), title: new Date(entry.firstAt).toISOString() }),
        el('span', { className: 'kind', text: entry.kind }),
        el('span', { className: 'type', text: entry.type }),
        el('span', { className: 'detail', text: entry.detail }),
        entry.count > 1 ? el('span', { className: 'count', text: `×${entry.count}`, title: `since ${timeOfDay(entry.firstAt)}` }) : null,
      ],
    });
  }

  private row(id: EngineId): EngineRow {
    const existing = this.rows.get(id);
    if (existing !== undefined) return existing;
    const count = el('span', { className: 'count' });
    const bar = el('span', { className: 'bar-fill' });
    const available = el('span', { className: 'pill' });
    const probe = el('div', { className: 'hint' });
    const url = el('div', { className: 'hint url' });
    const faults = el('div', { className: 'faults-text' });
    const buttons = el('div', { className: 'fault-buttons' });
    for (const [name, preset] of Object.entries(FAULT_PRESETS)) {
      const button = el('button', {
        text: preset.label,
        title: preset.title,
        className: name === 'recover' ? 'small good' : 'small',
        attributes: { type: 'button', 'data-fault': name },
      });
      button.addEventListener('click', () => this.onFault(id, preset.patch));
      buttons.append(button);
    }
    const row = el('tr', {
      attributes: { 'data-engine': id },
      children: [
        el('td', { children: [el('div', { className: 'engine-name', text: id }), el('div', { className: 'hint', text: ROLES[id] }), url] }),
        el('td', { className: 'failures', children: [count, el('span', { className: 'bar', children: [bar] })] }),
        el('td', { children: [available, probe] }),
        el('td', { children: [faults, buttons] }),
      ],
    });
    const created: EngineRow = { row, count, bar, available, probe, url, faults, buttons };
    this.rows.set(id, created);
    // Rows are built once and updated in place, so a button is never replaced under a click.
    this.engineBody.append(row);
    return created;
  }

  private showEngine(view: EngineView, status: StatusJson | null): void {
    const parts = this.row(view.id);
    const failures = status?.failure_counts[view.id] ?? null;
    const available = status?.engines_available[view.id] ?? null;
    const threshold = status?.failure_threshold ?? 1;
    parts.row.classList.toggle('active', status?.active_engine === view.id);
    parts.row.dataset.available = String(available);
    parts.count.textContent = failures === null ? '—' : `${failures} / ${threshold}`;
    parts.bar.style.width = `${Math.min(100, ((failures ?? 0) / threshold) * 100)}%`;
    parts.available.textContent = view.kind === 'absent' ? 'absent' : available === null ? '—' : available ? 'available' : 'unavailable';
    parts.available.className = `pill ${available === true && view.kind !== 'absent' ? 'ok' : available === null ? '' : 'bad'}`;
    parts.probe.textContent = probeText(view.lastProbeHealthy);
    parts.url.textContent = view.url ?? 'not configured';
    if (view.faults !== null) {
      parts.faults.textContent = faultsText(view.faults);
      parts.faults.dataset.mode = view.faults.mode;
      parts.buttons.hidden = false;
    } else {
      parts.faults.textContent = view.kind === 'http' ? 'engine bridge: no fault injection' : '—';
      delete parts.faults.dataset.mode;
      parts.buttons.hidden = true;
    }
  }

  private showFacts(status: StatusJson | null): void {
    if (status === null) {
      this.facts.replaceChildren(el('dt', { text: 'role' }), el('dd', { text: 'standby: consumes nothing, waits for the leader lease' }));
      return;
    }
    const last = status.last_transition;
    const facts: [string, string][] = [
      ['active engine', status.active_engine ?? 'none (paused)'],
      ['primary', PRIMARY_ENGINE],
      ['failover', status.failover_enabled ? 'enabled' : 'disabled: the primary alone'],
      ['recovery timeout', `${status.recovery_timeout_seconds} s`],
      ['next recovery check', status.next_recovery_check_at === null ? '—' : timeOfDay(status.next_recovery_check_at)],
      ['paused reason', status.paused_reason ?? '—'],
      ['last transition', last === null ? '—' : `${last.from} → ${last.to} (${last.reason}) at ${timeOfDay(last.at)}`],
    ];
    this.facts.replaceChildren(...facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]));
  }

  private showTransitions(snapshot: LiveSnapshot): void {
    const rows = [...snapshot.transitions].reverse().map((transition) =>
      el('tr', {
        children: [
          el('td', { className: 'time', children: [el('time', { text: timeOfDay(transition.at), title: transition.at })] }),
          el('td', {
            children: [
              el('span', { className: 'state-chip', text: transition.from, attributes: { 'data-top': transition.from } }),
              ' → ',
              el('span', { className: 'state-chip', text: transition.to, attributes: { 'data-top': transition.to } }),
            ],
          }),
          el('td', { children: [el('span', { className: `reason reason-${transition.reason}`, text: transition.reason })] }),
        ],
      }),
    );
    this.transitionBody.replaceChildren(...rows);
    this.transitionsEmpty.hidden = rows.length > 0;
  }
}
