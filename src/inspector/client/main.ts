/**
 * The inspector page's script (bundled by the service with esbuild, served at `/inspect/app.js`):
 * connects the live view to the stream, wires the controls, and runs the simulation tab.
 */
import { STREAM_PATH } from '../protocol.js';
import { AdminToken } from './adminToken.js';
import { AuditList } from './auditList.js';
import { Controls } from './controls.js';
import { frameDiagram } from './diagram.js';
import { byId } from './dom.js';
import { EngineWindows } from './engineWindows.js';
import { LiveStream } from './liveStream.js';
import { LiveView } from './liveView.js';
import { PositionsTable } from './positionsTable.js';
import { Refresher } from './refresher.js';
import { SimulationView } from './simulationView.js';

/** The page says in `<body data-auth>` whether the service has an admin token: no data, just that. */
const token = new AdminToken(document.body.dataset.auth === 'token');
const controls = new Controls(token);
const live = new LiveView(controls.faults);
const windows = new EngineWindows(token);
const simulation = new SimulationView();
const audit = new AuditList(token);
const positions = new PositionsTable(token);
// The admin API's lists have no stream: read while live, every 5 s and soon after a change.
const adminLists = new Refresher(
  async () => {
    await Promise.all([audit.refresh(), positions.refresh()]);
  },
  5000,
  1000,
);

const stream = new LiveStream(STREAM_PATH, token, {
  onStatus(status) {
    live.showConnection(status);
    adminLists.setLive(status.kind === 'live');
    if (status.kind === 'unauthorized') controls.showTokenPanel(true, token.get() === null ? null : 'The admin token was refused: enter it again.');
    if (status.kind === 'live') controls.showTokenPanel(false, null);
  },
  onSnapshot: (snapshot) => {
    live.showSnapshot(snapshot);
    windows.show(snapshot);
    // A standby's snapshot (a leader stepping down, as when it stops) changes no list of the lead.
    if (snapshot.role === 'leader') adminLists.changed();
  },
  onLog: (update) => live.showLog(update),
});
token.onChange(() => {
  // A token just forgotten or replaced must not be followed by a list read with the wrong one.
  adminLists.setLive(false);
  stream.restart();
});

const tabs = [
  { tab: byId('tab-live', HTMLButtonElement), panel: byId('panel-live', HTMLElement), note: 'the live service, as it runs', diagram: 'live-diagram' },
  {
    tab: byId('tab-sim', HTMLButtonElement),
    panel: byId('panel-sim', HTMLElement),
    note: 'a scenario on a simulated clock, in this page only',
    diagram: 'sim-diagram',
  },
];
const tabNote = byId('tab-note', HTMLElement);
let simulationStarted = false;

function select(index: number): void {
  tabs.forEach((entry, position) => {
    const selected = position === index;
    entry.tab.setAttribute('aria-selected', String(selected));
    entry.panel.hidden = !selected;
  });
  const chosen = tabs[index];
  if (chosen === undefined) return;
  tabNote.textContent = chosen.note;
  if (chosen.diagram === 'sim-diagram' && !simulationStarted) {
    simulationStarted = true;
    void simulation.start();
  }
  if (location.hash !== (index === 0 ? '' : '#simulation')) history.replaceState(null, '', index === 0 ? location.pathname : '#simulation');
}

tabs.forEach((entry, index) => entry.tab.addEventListener('click', () => select(index)));
for (const entry of tabs) frameDiagram(byId(entry.diagram, HTMLElement));

select(location.hash === '#simulation' ? 1 : 0);
stream.start();
