/**
 * The simulation view: plays a scenario file (the `npm run simulate` format) against the real
 * failover statechart on a simulated clock, in the page, with the very code the CLI runs
 * (`src/simulation/`). It never talks to the live service: only the scenario files come from it.
 */
import { statePath } from '../../policy/status.js';
import type { SimulationResult } from '../../simulation/entries.js';
import { Simulation, SimulationError } from '../../simulation/run.js';
import { ScenarioError, parseScenarioText } from '../../simulation/scenario.js';
import { formatReport, formatSeconds, formatTimeline } from '../../simulation/timeline.js';
import { SCENARIOS_PATH, type ScenarioListing } from '../protocol.js';
import { highlightState } from './diagram.js';
import { byId, el } from './dom.js';

/** How often Play takes a step. */
const PLAY_INTERVAL_MS = 350;

/** The whole report once the run is over (what the CLI prints); the timeline so far before. */
export function simulationText(simulation: Simulation): string {
  if (simulation.done) {
    const result: SimulationResult = {
      scenario: simulation.scenario,
      timeline: simulation.timeline,
      expectations: simulation.expectations,
      finalState: simulation.state,
    };
    return formatReport(result);
  }
  return `Timeline so far (t = ${formatSeconds(simulation.now)}):\n${formatTimeline(simulation.timeline)}`;
}

/**
 * Runs instants until the timeline gets a new entry or the run ends, so that each step shows
 * something happening rather than one more routine signal.
 */
export function stepToNextEntry(simulation: Simulation): void {
  const before = simulation.timeline.length;
  while (!simulation.done && simulation.timeline.length === before) simulation.step();
}

/** The simulation tab. */
export class SimulationView {
  private readonly picker = byId('sim-scenario', HTMLSelectElement);
  /** How many scenario files were asked for: only the latest one's answer is shown. */
  private loads = 0;
  private readonly description = byId('sim-description', HTMLElement);
  private readonly text = byId('sim-text', HTMLTextAreaElement);
  private readonly clock = byId('sim-clock', HTMLElement);
  private readonly stateName = byId('sim-state', HTMLElement);
  private readonly diagram = byId('sim-diagram', HTMLElement);
  private readonly timeline = byId('sim-timeline', HTMLElement);
  private readonly expectations = byId('sim-expectations', HTMLOListElement);
  private readonly message = byId('sim-message', HTMLElement);
  private readonly playButton = byId('sim-play', HTMLButtonElement);
  private readonly stepButton = byId('sim-step', HTMLButtonElement);
  private readonly runButton = byId('sim-run', HTMLButtonElement);
  private simulation: Simulation | null = null;
  private stopPlaying: (() => void) | null = null;
  private listings: ScenarioListing[] = [];

  constructor() {
    this.picker.addEventListener('change', () => void this.load(this.picker.value));
    this.stepButton.addEventListener('click', () => this.act(stepToNextEntry));
    this.runButton.addEventListener('click', () => this.act((simulation) => simulation.runToEnd()));
    this.playButton.addEventListener('click', () => this.togglePlay());
    byId('sim-reset', HTMLButtonElement).addEventListener('click', () => this.reset());
  }

  /** Loads the list of shipped scenarios and the first of them. */
  async start(): Promise<void> {
    try {
      const response = await fetch(SCENARIOS_PATH, { cache: 'no-store' });
      if (!response.ok) throw new Error(`the service answered HTTP ${response.status}`);
      this.listings = (await response.json()) as ScenarioListing[];
    } catch (error) {
      this.say('error', `Could not load the scenario list: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.picker.replaceChildren(
      ...this.listings.map((listing) => el('option', { text: `${listing.name} (${listing.file})`, attributes: { value: listing.file } })),
    );
    const first = this.listings[0];
    if (first !== undefined) await this.load(first.file);
  }

  private async load(file: string): Promise<void> {
    this.pause();
    // A slower answer for an earlier pick must not replace the file picked since.
    const load = ++this.loads;
    const listing = this.listings.find((candidate) => candidate.file === file);
    this.picker.value = file;
    this.description.textContent = listing?.description ?? '';
    let text: string;
    try {
      const response = await fetch(`${SCENARIOS_PATH}/${encodeURIComponent(file)}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`the service answered HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      if (load === this.loads) this.say('error', `Could not load ${file}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (load !== this.loads) return;
    this.text.value = text;
    this.reset();
  }

  /** Starts the scenario in the text box again from time 0. */
  private reset(): void {
    this.pause();
    try {
      this.simulation = new Simulation(parseScenarioText(this.text.value));
      this.say('ok', 'Ready at t = 0 s. Step, play or run to the end.');
    } catch (error) {
      this.simulation = null;
      if (error instanceof ScenarioError || error instanceof SimulationError) this.say('error', error.message);
      else throw error;
    }
    this.render();
  }

  private act(action: (simulation: Simulation) => void): void {
    const simulation = this.simulation;
    if (simulation === null) return;
    try {
      action(simulation);
    } catch (error) {
      this.pause();
      if (!(error instanceof SimulationError)) throw error;
      this.say('error', error.message);
    }
    if (simulation.done) {
      this.pause();
      const met = simulation.expectations.filter((result) => result.met).length;
      this.say(
        met === simulation.expectations.length ? 'ok' : 'error',
        `Done at ${formatSeconds(simulation.now)}: ${met}/${simulation.expectations.length} expectations met.`,
      );
    } else {
      const next = simulation.nextAt;
      this.say('ok', `At t = ${formatSeconds(simulation.now)}${next === null ? '' : `; next instant at ${formatSeconds(next)}`}.`);
    }
    this.render();
  }

  private togglePlay(): void {
    if (this.stopPlaying !== null) {
      this.pause();
      return;
    }
    if (this.simulation === null || this.simulation.done) return;
    const timer = setInterval(() => this.act(stepToNextEntry), PLAY_INTERVAL_MS);
    this.stopPlaying = () => clearInterval(timer);
    this.playButton.textContent = 'Pause';
    this.act(stepToNextEntry);
  }

  private pause(): void {
    this.stopPlaying?.();
    this.stopPlaying = null;
    this.playButton.textContent = 'Play';
  }

  private render(): void {
    const simulation = this.simulation;
    const finished = simulation === null || simulation.done;
    this.stepButton.disabled = finished;
    this.runButton.disabled = finished;
    this.playButton.disabled = finished;
    if (simulation === null) {
      this.timeline.textContent = '';
      this.expectations.replaceChildren();
      this.stateName.textContent = '…';
      return;
    }
    const path = statePath(simulation.snapshot.value);
    this.clock.textContent = formatSeconds(simulation.now);
    this.stateName.textContent = path;
    this.stateName.dataset.top = simulation.state;
    highlightState(this.diagram, path);
    this.timeline.textContent = simulationText(simulation);
    this.timeline.scrollTop = this.timeline.scrollHeight;
    this.renderExpectations(simulation);
  }

  private renderExpectations(simulation: Simulation): void {
    const checked = simulation.expectations;
    const items = simulation.scenario.expect.map((expectation, index) => {
      const result = checked[index];
      const outcome = result === undefined ? 'pending' : result.met ? 'met' : 'not-met';
      const verdict = result === undefined ? 'pending' : result.met ? 'met' : `NOT MET: was ${result.actual}`;
      return el('li', {
        className: `expectation ${outcome}`,
        children: [
          el('span', { className: 'at', text: formatSeconds(expectation.at) }),
          el('span', { className: 'state-chip', text: expectation.state, attributes: { 'data-top': expectation.state } }),
          el('span', { className: 'verdict', text: verdict }),
        ],
      });
    });
    this.expectations.replaceChildren(...items);
  }

  private say(kind: 'ok' | 'error', text: string): void {
    this.message.dataset.kind = kind;
    this.message.textContent = text;
  }
}
