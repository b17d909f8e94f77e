/**
 * The operator controls: pause, resume and switch through the admin API, fault injection into
 * `sim://` engines, and the admin token form. Every answer, good or bad, is said in the page.
 */
import type { EngineId } from '../../../machines/engines.js';
import type { SimFaults } from '../../engines/simFaults.js';
import { FAULTS_PATH } from '../protocol.js';
import { postJson, type AdminToken, type JsonAnswer } from './adminToken.js';
import { byId } from './dom.js';

/** The admin API's operator commands (contract section 5). */
const ADMIN = {
  pause: '/admin/execution/pause',
  resume: '/admin/execution/resume',
  switch: '/admin/execution/switch',
} as const;

/** Wires the control forms and the token panel; `faults` is what the engines table's buttons call. */
export class Controls {
  private readonly message = byId('control-message', HTMLElement);
  private readonly tokenPanel = byId('token-panel', HTMLElement);
  private readonly tokenProblem = byId('token-problem', HTMLElement);
  private readonly tokenInput = byId('token-input', HTMLInputElement);

  constructor(private readonly token: AdminToken) {
    byId('pause-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = byId('pause-reason', HTMLInputElement).value.trim();
      void this.send('pause', ADMIN.pause, reason === '' ? {} : { reason });
    });
    byId('resume-button', HTMLButtonElement).addEventListener('click', () => void this.send('resume', ADMIN.resume, {}));
    byId('switch-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const engine = byId('switch-engine', HTMLSelectElement).value;
      void this.send(`switch to ${engine}`, ADMIN.switch, { engine });
    });
    byId('token-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const value = this.tokenInput.value.trim();
      if (value === '') return;
      this.tokenInput.value = '';
      this.token.set(value);
    });
    for (const id of ['token-forget', 'token-clear']) byId(id, HTMLButtonElement).addEventListener('click', () => this.token.clear());
    this.token.onChange(() => this.showTokenHeld());
    this.showTokenHeld();
    this.showTokenPanel(this.token.required && !this.token.ready(), null);
  }

  /** Shows or hides the token form, with why when it is shown. */
  showTokenPanel(visible: boolean, problem: string | null): void {
    this.tokenPanel.hidden = !visible;
    this.tokenProblem.textContent = problem ?? '';
    this.tokenProblem.hidden = problem === null;
    if (visible) this.tokenInput.focus();
  }

  /** Offers to forget the token while the tab holds one. */
  private showTokenHeld(): void {
    byId('token-clear', HTMLButtonElement).hidden = !(this.token.required && this.token.get() !== null);
  }

  /** Changes a `sim://` engine's faults. */
  readonly faults = (engine: EngineId, patch: Partial<SimFaults>): void => {
    void this.send(`faults of ${engine}: ${JSON.stringify(patch)}`, `${FAULTS_PATH}/${encodeURIComponent(engine)}`, patch);
  };

  private async send(what: string, path: string, body: object): Promise<JsonAnswer> {
    this.say('pending', `${what}…`);
    const answer = await postJson(path, body, this.token);
    if (answer.ok) {
      const state = typeof answer.body === 'object' && answer.body !== null && 'state' in answer.body ? ` → ${String(answer.body.state)}` : '';
      this.say('ok', `${what}: done${state}`);
    } else {
      this.say('error', `${what}: ${answer.error}`);
      if (answer.status === 401) this.showTokenPanel(true, 'The admin token was refused: enter it again.');
    }
    return answer;
  }

  private say(kind: 'pending' | 'ok' | 'error', text: string): void {
    this.message.dataset.kind = kind;
    this.message.textContent = text;
  }
}
