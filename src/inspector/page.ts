/**
 * The inspector page: a static shell (no data in it, so it can be public) with the statechart
 * inlined twice, once for the live view and once, with prefixed ids, for the simulation view.
 * The script fills it in from the live stream and the scenario files.
 */
import { ENGINE_IDS } from '../../machines/engines.js';
import { prefixSvgIds } from './diagram.js';
import { PAGE_PATH, SCRIPT_PATH, STYLE_PATH } from './protocol.js';

/** The id prefix of the simulation view's copy of the diagram. */
export const SIMULATION_DIAGRAM_PREFIX = 'sim-';

/**
 * The page's Content-Security-Policy: everything from this origin only, so the page cannot reach
 * another host even by mistake. Inline styles are allowed because the SVG carries its own.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pages = new Map<boolean, { readonly diagram: string; readonly html: string }>();

/**
 * The page's HTML with `diagram` (the SVG text) inlined. `tokenRequired` only tells the page to
 * ask for the admin token before it connects (so its first request is not a refused one); the
 * page holds no data either way. Rendered once per kind and kept while the drawing is the same.
 */
export function pageHtml(tokenRequired: boolean, diagram: string): string {
  const kept = pages.get(tokenRequired);
  if (kept !== undefined && kept.diagram === diagram) return kept.html;
  const html = render(tokenRequired, diagram);
  pages.set(tokenRequired, { diagram, html });
  return html;
}

function render(tokenRequired: boolean, diagram: string): string {
  const engineOptions = ENGINE_IDS.map((id) => `<option value="${id}">${id}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Execution failover · inspector</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLE_PATH}">
<script type="module" src="${SCRIPT_PATH}"></script>
</head>
<body data-auth="${tokenRequired ? 'token' : 'none'}">
<header class="top">
  <a class="brand" href="${PAGE_PATH}"><span class="logo" aria-hidden="true">⇄</span> Execution failover <span class="muted">inspector</span></a>
  <div class="current" aria-live="polite">
    <span class="label">State</span>
    <span id="state-name" class="state-name">…</span>
    <span id="state-path" class="state-path"></span>
  </div>
  <div id="connection" class="connection" data-status="connecting" role="status">
    <span class="dot" aria-hidden="true"></span><span id="connection-text">connecting…</span>
  </div>
  <button type="button" id="token-clear" class="small header-button" title="forget the admin token this tab holds" hidden>forget token</button>
</header>
<nav class="tabs" role="tablist">
  <button type="button" role="tab" id="tab-live" aria-controls="panel-live" aria-selected="true">Live</button>
  <button type="button" role="tab" id="tab-sim" aria-controls="panel-sim" aria-selected="false">Simulation</button>
  <span class="tab-note" id="tab-note">the live service, as it runs</span>
</nav>

<section id="token-panel" class="card token-panel" hidden>
  <form id="token-form" class="inline-form">
    <label for="token-input">Admin token</label>
    <input type="password" id="token-input" autocomplete="off" spellcheck="false" placeholder="ADMIN_TOKEN">
    <button type="submit" class="primary">Use token</button>
    <button type="button" id="token-forget" class="quiet">Forget</button>
  </form>
  <p id="token-message" class="hint">This service is protected by <code>ADMIN_TOKEN</code>. Enter it to see live data and use the controls.
  It stays in this browser tab (session storage) and is sent only as an <code>Authorization</code> header, never in a URL.</p>
  <p id="token-problem" class="problem" role="alert" hidden></p>
</section>

<main id="panel-live" role="tabpanel" aria-labelledby="tab-live">
  <div class="layout">
    <section class="card diagram-card">
      <div class="card-head"><h2>Statechart</h2>
        <span class="hint">hover an arrow's label for its guard's params</span></div>
      <div class="diagram" id="live-diagram">${diagram}</div>
    </section>
    <aside class="side">
      <section class="card">
        <div class="card-head"><h2>Engines</h2><span class="hint" id="threshold"></span></div>
        <table class="engines" id="engines"><thead><tr><th>engine</th><th>failures</th><th>available</th><th>faults (sim)</th></tr></thead><tbody></tbody></table>
      </section>
      <section class="card">
        <div class="card-head"><h2>Controls</h2><span class="hint">through <code>/admin/execution/*</code></span></div>
        <form id="pause-form" class="inline-form">
          <input type="text" id="pause-reason" placeholder="reason (optional)" maxlength="500">
          <button type="submit" id="pause-button">Pause</button>
          <button type="button" id="resume-button">Resume</button>
        </form>
        <form id="switch-form" class="inline-form">
          <select id="switch-engine" aria-label="engine to switch to">${engineOptions}</select>
          <button type="submit" id="switch-button">Switch</button>
        </form>
        <p id="control-message" class="message" role="status"></p>
      </section>
      <section class="card">
        <div class="card-head"><h2>Policy</h2></div>
        <dl class="facts" id="facts"></dl>
      </section>
      <section class="card windows-card">
        <div class="card-head"><h2>Call windows &amp; maintenance</h2><span class="hint" id="window-rules"></span></div>
        <table class="engines" id="engine-windows"><thead><tr><th>engine</th><th>calls</th><th>failed</th><th>slow</th><th>maintenance</th></tr></thead><tbody></tbody></table>
        <form id="maintenance-form" class="inline-form">
          <select id="maintenance-engine" aria-label="engine to put into maintenance">${engineOptions}</select>
          <input type="text" id="maintenance-reason" placeholder="reason" maxlength="500">
          <input type="datetime-local" id="maintenance-until" aria-label="until (optional)" title="until (optional): it ends by itself then">
          <button type="submit" id="maintenance-button">Maintenance</button>
        </form>
        <p id="maintenance-message" class="message" role="status"></p>
      </section>
    </aside>
  </div>
  <div class="columns">
    <section class="card">
      <div class="card-head"><h2>Recent transitions</h2><span class="hint">newest first</span></div>
      <table class="transitions" id="transitions"><thead><tr><th>time</th><th>from → to</th><th>reason</th></tr></thead><tbody></tbody></table>
      <p class="empty" id="transitions-empty">No transition yet.</p>
    </section>
    <section class="card">
      <div class="card-head"><h2>Event log</h2><span class="hint">the actor's inspection events, newest first; repeats counted</span></div>
      <ol class="event-log" id="event-log"></ol>
    </section>
  </div>
  <div class="columns">
    <section class="card">
      <div class="card-head"><h2>Operator actions</h2><span class="hint">the audit stream, newest first</span></div>
      <table class="audit" id="audit"><thead><tr><th>time</th><th>action</th><th>result</th><th>from</th><th>details</th></tr></thead><tbody></tbody></table>
      <p class="empty" id="audit-note">Not read yet.</p>
    </section>
    <section class="card">
      <div class="card-head"><h2>Positions</h2><span class="hint">net per engine (position affinity)</span></div>
      <table class="positions" id="positions"><thead></thead><tbody></tbody></table>
      <p class="empty" id="positions-note">Not read yet.</p>
    </section>
  </div>
</main>

<main id="panel-sim" role="tabpanel" aria-labelledby="tab-sim" hidden>
  <div class="layout">
    <section class="card diagram-card">
      <div class="card-head"><h2>Simulated statechart</h2>
        <span class="sim-clock"><span class="label">t =</span> <span id="sim-clock">0 s</span> · <span id="sim-state" class="state-name small">…</span></span></div>
      <div class="diagram" id="sim-diagram">${prefixSvgIds(diagram, SIMULATION_DIAGRAM_PREFIX)}</div>
    </section>
    <aside class="side">
      <section class="card">
        <div class="card-head"><h2>Scenario</h2><span class="hint">the <code>npm run simulate</code> files, run in this page</span></div>
        <div class="inline-form">
          <select id="sim-scenario" aria-label="scenario"></select>
        </div>
        <p id="sim-description" class="hint"></p>
        <div class="button-row">
          <button type="button" id="sim-step">Step</button>
          <button type="button" id="sim-play">Play</button>
          <button type="button" id="sim-run" class="primary">Run to end</button>
          <button type="button" id="sim-reset" class="quiet">Reset</button>
        </div>
        <p id="sim-message" class="message" role="status"></p>
        <details>
          <summary>Edit the scenario</summary>
          <textarea id="sim-text" spellcheck="false" rows="14" aria-label="scenario JSON"></textarea>
          <p class="hint">Reset runs the text above. Nothing here reaches the live service.</p>
        </details>
      </section>
      <section class="card">
        <div class="card-head"><h2>Expectations</h2></div>
        <ol class="expectations" id="sim-expectations"></ol>
      </section>
    </aside>
  </div>
  <section class="card">
    <div class="card-head"><h2>Timeline</h2><span class="hint">as <code>npm run simulate</code> prints it</span></div>
    <pre class="timeline" id="sim-timeline"></pre>
  </section>
</main>
</body>
</html>
`;
}
