/**
 * Stream entries as bytes, bounded: what the read scripts answer (`src/redis/scripts/includes/
 * boundedEntry.lua`), the same cut made here of an entry a blocking read delivered whole, and the
 * {@link QueuedSignal} each becomes. Nothing of an entry outlives this step but its text (at most
 * 64 KiB of signal, or a bounded rendering of its fields) and a reason.
 */
import type { QueuedSignal } from './queue.js';
import { MAX_SIGNAL_BYTES } from './signal.js';
import { base64Rendering, decodeSignalBytes, strictText, withoutSplitCharacter } from './signalBytes.js';

/** The field of a stream entry that holds the signal JSON. */
export const SIGNAL_FIELD = 'signal';

/**
 * How much of an entry is read. An entry without a signal field is shown in its dead-letter entry
 * as its fields; these bounds keep that rendering under 64 KiB however it is escaped.
 */
export const ENTRY_BOUNDS = {
  signalBytes: MAX_SIGNAL_BYTES,
  fields: 16,
  nameBytes: 128,
  valueBytes: 512,
} as const;

/** The bounds as the read scripts take them: signal field, signal bytes, fields, name bytes, value bytes. */
export const ENTRY_BOUND_ARGS: readonly (string | number)[] = [
  SIGNAL_FIELD,
  ENTRY_BOUNDS.signalBytes,
  ENTRY_BOUNDS.fields,
  ENTRY_BOUNDS.nameBytes,
  ENTRY_BOUNDS.valueBytes,
];

/** One field of an entry without a signal field, cut; `…Bytes` are the lengths before the cut. */
export interface BoundedField {
  readonly name: Uint8Array;
  readonly nameBytes: number;
  readonly value: Uint8Array;
  readonly valueBytes: number;
}

/** A stream entry cut to bounded size. */
export type BoundedEntry =
  | { readonly kind: 'signal'; readonly id: string; readonly head: Uint8Array; readonly totalBytes: number }
  | { readonly kind: 'fields'; readonly id: string; readonly fieldCount: number; readonly fields: readonly BoundedField[] }
  /** A pending entry deleted from the stream since it was read. */
  | { readonly kind: 'deleted'; readonly id: string };

const SIGNAL_FIELD_BYTES = Buffer.from(SIGNAL_FIELD);

function malformed(what: string, reply: unknown): Error {
  const shown = JSON.stringify(reply, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1').slice(0, 40) : value))?.slice(0, 200);
  return new Error(`Unexpected answer from a stream read script (${what}): ${shown}`);
}

function bytesOf(value: unknown, what: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  // An empty bulk string may come back as text even from a …Buffer command.
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  throw malformed(what, value);
}

function countOf(value: unknown, what: string): number {
  const count = Buffer.isBuffer(value) ? Number(value.toString('latin1')) : value;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw malformed(what, value);
  return count;
}

function fieldsOf(flat: unknown): BoundedField[] {
  if (!Array.isArray(flat) || flat.length % 4 !== 0) throw malformed('fields', flat);
  const fields: BoundedField[] = [];
  for (let index = 0; index < flat.length; index += 4) {
    fields.push({
      name: bytesOf(flat[index], 'field name'),
      nameBytes: countOf(flat[index + 1], 'field name length'),
      value: bytesOf(flat[index + 2], 'field value'),
      valueBytes: countOf(flat[index + 3], 'field value length'),
    });
  }
  return fields;
}

/** Reads a read script's answer, called through the command's `…Buffer` variant. */
export function boundedEntriesOf(reply: unknown): BoundedEntry[] {
  if (!Array.isArray(reply)) throw malformed('not a list', reply);
  return reply.map((item: unknown): BoundedEntry => {
    if (!Array.isArray(item)) throw malformed('entry', item);
    const id = bytesOf(item[0], 'id').toString('latin1');
    const kind = bytesOf(item[1], 'kind').toString('latin1');
    if (kind === 'signal') return { kind, id, head: bytesOf(item[2], 'signal'), totalBytes: countOf(item[3], 'signal length') };
    if (kind === 'fields') return { kind, id, fieldCount: countOf(item[2], 'field count'), fields: fieldsOf(item[3]) };
    if (kind === 'deleted') return { kind, id };
    throw malformed('kind', item);
  });
}

/**
 * The cut the scripts make, for an entry a blocking read delivered whole. Its parts are views of
 * the reply: they must not outlive the step to a {@link QueuedSignal}.
 */
export function boundEntry(id: string, fields: readonly Buffer[] | null): BoundedEntry {
  if (fields === null) return { kind: 'deleted', id };
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const value = fields[index + 1];
    if (value !== undefined && fields[index]?.equals(SIGNAL_FIELD_BYTES) === true) {
      return { kind: 'signal', id, head: value.subarray(0, ENTRY_BOUNDS.signalBytes), totalBytes: value.length };
    }
  }
  const kept: BoundedField[] = [];
  for (let index = 0; index + 1 < fields.length && kept.length < ENTRY_BOUNDS.fields; index += 2) {
    const name = fields[index] ?? Buffer.alloc(0);
    const value = fields[index + 1] ?? Buffer.alloc(0);
    kept.push({
      name: name.subarray(0, ENTRY_BOUNDS.nameBytes),
      nameBytes: name.length,
      value: value.subarray(0, ENTRY_BOUNDS.valueBytes),
      valueBytes: value.length,
    });
  }
  return { kind: 'fields', id, fieldCount: Math.floor(fields.length / 2), fields: kept };
}

/** A field's name or value as text: UTF-8 (a cut one without its split character), else base64. */
function fieldText(bytes: Uint8Array, fullBytes: number): string {
  const whole = fullBytes > bytes.length ? withoutSplitCharacter(bytes) : bytes;
  return strictText(whole) ?? base64Rendering(bytes);
}

/** An entry without a signal field: its fields as a JSON object, and a reason that says what is shown. */
function fieldsSignal(id: string, fieldCount: number, fields: readonly BoundedField[]): QueuedSignal {
  // Written by hand, not JSON.stringify of an object: a stream entry may repeat a field name, and
  // each occurrence is shown.
  const members = fields.map(
    (field) => `${JSON.stringify(fieldText(field.name, field.nameBytes))}:${JSON.stringify(fieldText(field.value, field.valueBytes))}`,
  );
  const notes: string[] = [];
  if (fieldCount > fields.length) notes.push(`only its first ${fields.length} of ${fieldCount} fields`);
  const cutNames = fields.filter((field) => field.nameBytes > field.name.length).length;
  const cutValues = fields.filter((field) => field.valueBytes > field.value.length).length;
  if (cutNames > 0) notes.push(`${cutNames} field name(s) cut to ${ENTRY_BOUNDS.nameBytes} bytes`);
  if (cutValues > 0) notes.push(`${cutValues} value(s) cut to ${ENTRY_BOUNDS.valueBytes} bytes`);
  const shown = notes.length === 0 ? '' : ` (${notes.join('; ')})`;
  return {
    id,
    raw: `{${members.join(',')}}`,
    invalid: `the stream entry has no "${SIGNAL_FIELD}" field; the dead-letter signal holds the entry's fields as a JSON object${shown}; values that are not UTF-8 are shown in base64 after "base64:"`,
  };
}

/** The entry as the manager gets it: its signal text, or already known invalid. */
export function queuedSignalOf(entry: BoundedEntry): QueuedSignal {
  switch (entry.kind) {
    case 'signal':
      return { id: entry.id, ...decodeSignalBytes(entry.head, entry.totalBytes) };
    case 'fields':
      return fieldsSignal(entry.id, entry.fieldCount, entry.fields);
    case 'deleted':
      return {
        id: entry.id,
        raw: '',
        invalid: `the stream entry ${entry.id} was deleted from the stream before its outcome was recorded: there is nothing to execute`,
      };
  }
}
