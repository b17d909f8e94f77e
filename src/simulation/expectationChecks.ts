/** The scenario's expectations, checked in time order, each once, against the state at its time. */
import type { TopState } from '../../machines/engines.js';
import { toMs } from './clock.js';
import type { ExpectationResult } from './entries.js';
import type { Expectation } from './scenario.js';

export class ExpectationChecks {
  private readonly timesMs: readonly number[];
  private readonly checked: ExpectationResult[] = [];
  private nextIndex = 0;

  /** `expectations` in time order, as the scenario keeps them. */
  constructor(private readonly expectations: readonly Expectation[]) {
    this.timesMs = expectations.map((expectation) => toMs(expectation.at));
  }

  /** When the next expectation is due (clock milliseconds), or null when all are checked. */
  get nextAtMs(): number | null {
    return this.timesMs[this.nextIndex] ?? null;
  }

  /** The expectations checked so far, in time order. */
  get results(): readonly ExpectationResult[] {
    return this.checked;
  }

  /** Checks every expectation due at `atMs` against `state`. */
  check(atMs: number, state: TopState): void {
    while (this.timesMs[this.nextIndex] === atMs) {
      const expectation = this.expectations[this.nextIndex];
      this.nextIndex += 1;
      if (expectation === undefined) break;
      this.checked.push({ at: expectation.at, expected: expectation.state, actual: state, met: expectation.state === state });
    }
  }
}
