/**
 * Property tests of `parseSignal` (contract section 3) on hostile input: every input gets a
 * `ParsedSignal`, the verdict is the contract's (worked out from generated cases whose validity is
 * known by construction), accepted signals obey every rule when re-checked independently, parsing
 * is deterministic, and an accepted signal sent on as JSON parses again to the same signal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSignal, type ParsedSignal } from '../../src/signals/signal.js';
import { expectContractSignal } from './acceptedSignal.js';
import { anyText, jsonValue, nearSignalCase, signalText, validSignalCase, verdictOf, wildSignalCase, type SignalCase } from './signalArbitraries.js';

const RUNS = 400;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * The checks every answer must pass, whatever the input: the shape of a `ParsedSignal`, the same
 * answer twice, the readable signal_id reported, and an accepted signal that obeys the contract and
 * survives being sent on.
 */
function expectWellFormedAnswer(raw: string, parsed: ParsedSignal): void {
  expect(parseSignal(raw), 'parsing is deterministic').toEqual(parsed);
  const json = parseJson(raw);
  if (parsed.ok) {
    expect(json.ok && isJsonObject(json.value), 'only a JSON object is accepted').toBe(true);
    if (json.ok && isJsonObject(json.value)) expectContractSignal(json.value, parsed.signal);
    // What an engine receives is the JSON text; parsed again, it is the same signal and the same text.
    const sent = JSON.stringify(parsed.signal);
    const again = parseSignal(sent);
    expect(again, 'the signal as sent on parses to itself').toEqual({ ok: true, signal: JSON.parse(sent) });
    if (again.ok) expect(JSON.stringify(again.signal)).toBe(sent);
    return;
  }
  expect(typeof parsed.reason).toBe('string');
  expect(parsed.reason.trim()).not.toBe('');
  const readableId = json.ok && isJsonObject(json.value) && typeof json.value.signal_id === 'string' ? json.value.signal_id : '';
  expect(parsed.signalId, 'the signal_id is reported when it can be read').toBe(readableId);
}

/** Parses the case's text and checks the answer against the contract's verdict. */
function expectVerdict(signalCase: SignalCase): void {
  const raw = signalText(signalCase);
  const parsed = parseSignal(raw);
  const verdict = verdictOf(signalCase);
  expect(parsed.ok, `verdict on ${raw}`).toBe(verdict.ok);
  if (!parsed.ok && !verdict.ok) {
    for (const field of verdict.faultyFields) {
      // Extra field names may be quoted (as JSON) in the reason, so an empty or odd name still shows.
      const named = parsed.reason.includes(field) || parsed.reason.includes(JSON.stringify(field));
      expect(named, `the reason ${JSON.stringify(parsed.reason)} names ${JSON.stringify(field)}`).toBe(true);
    }
  }
  expectWellFormedAnswer(raw, parsed);
}

describe('parseSignal: the verdict is the contract’s', () => {
  it('accepts every signal that is valid by construction', () => {
    fc.assert(fc.property(validSignalCase, expectVerdict), { numRuns: RUNS });
  });

  it('judges a valid signal with one field set to another type, null, absent or a bad value as the contract does', () => {
    fc.assert(fc.property(nearSignalCase, expectVerdict), { numRuns: RUNS });
  });

  it('judges signals whose every field is drawn independently as the contract does', () => {
    fc.assert(fc.property(wildSignalCase, expectVerdict), { numRuns: RUNS });
  });
});

describe('parseSignal: any input gets an answer', () => {
  it('on arbitrary text, lone surrogates and control characters included', () => {
    fc.assert(
      fc.property(anyText, (raw) => expectWellFormedAnswer(raw, parseSignal(raw))),
      { numRuns: RUNS },
    );
  });

  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const raw = JSON.stringify(value);
        const parsed = parseSignal(raw);
        if (!isJsonObject(value)) expect(parsed.ok).toBe(false);
        expectWellFormedAnswer(raw, parsed);
      }),
      { numRuns: RUNS },
    );
  });

  it('on a valid signal with one character replaced, inserted or deleted', () => {
    const edit = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete'),
      char: fc.oneof(
        fc.constantFrom('{', '}', '"', ',', ':', '\\', '[', ']', ' ', '0', '-', 'e', 'n'),
        anyText.filter((t) => t.length === 1),
      ),
    });
    fc.assert(
      fc.property(validSignalCase, edit, (signalCase, { at, kind, char }) => {
        const text = signalText(signalCase);
        const cut = at % (text.length + 1);
        const rest = kind === 'insert' ? text.slice(cut) : text.slice(cut + 1);
        const raw = text.slice(0, cut) + (kind === 'delete' ? '' : char) + rest;
        expectWellFormedAnswer(raw, parseSignal(raw));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps prototype keys as ordinary fields and never touches Object.prototype', () => {
    const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const polluting = fc.record({ polluted: jsonValue, toString: jsonValue, valueOf: jsonValue }, { requiredKeys: [] });
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    fc.assert(
      fc.property(validSignalCase, prototypeKeys, polluting, (signalCase, key, payload) => {
        const payloadJson = JSON.stringify(payload);
        const raw = signalText({ ...signalCase, extras: [[key, payloadJson]] });
        const parsed = parseSignal(raw);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) {
          expect(Object.getOwnPropertyDescriptor(parsed.signal, key)?.value).toEqual(JSON.parse(payloadJson));
          expect(JSON.parse(JSON.stringify(parsed.signal))).toHaveProperty([key]);
        }
        expectWellFormedAnswer(raw, parsed);
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseSignal: nesting', () => {
  const BASE = '"signal_id":"deep","symbol":"X","action":"BUY","quantity":1,"order_type":"MARKET"';
  const MAX_DEPTH = 100;

  it('accepts nesting up to 100 levels (the signal itself is one) and refuses deeper, saying why', () => {
    const depth = fc.oneof(fc.integer({ min: 95, max: 105 }), fc.integer({ min: 1, max: 10_000 }));
    // Up to 10 000 levels of the longer opener still fit in 64 KiB, so depth alone decides.
    const opener = fc.constantFrom('[', '{"a":');
    fc.assert(
      fc.property(depth, opener, (levels, open) => {
        const close = open === '[' ? ']' : '}';
        const raw = `{${BASE},"risk_meta":${open.repeat(levels)}0${close.repeat(levels)}}`;
        const parsed = parseSignal(raw);
        // The signal object is level 1; each opener adds one.
        const total = 1 + levels;
        expect(parsed.ok, `${total} levels`).toBe(total <= MAX_DEPTH);
        if (!parsed.ok) {
          expect(parsed.reason).toMatch(/levels deep/);
          expect(parsed.signalId).toBe('deep');
        } else {
          expect(() => JSON.stringify(parsed.signal)).not.toThrow();
        }
      }),
      { numRuns: 150 },
    );
  });
});
