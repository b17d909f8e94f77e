/**
 * Where a signal's bytes become text: the strict decoder decides, the reason says where the bytes
 * broke, an oversized signal keeps its first 64 KiB on a character boundary, and nothing that is
 * not UTF-8 leaves as text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNAL_BYTES } from '../../src/signals/signal.js';
import { BASE64_PREFIX, decodeSignalBytes, firstInvalidByte, strictText, withoutSplitCharacter } from '../../src/signals/signalBytes.js';

/** Bytes biased towards the awkward: valid text, lone continuation bytes, overlongs, surrogates, cut sequences. */
const awkwardBytes = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }).map((text) => Buffer.from(text, 'utf8')),
      fc
        .constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xef, 0xbb, 0xbf])
        .map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
    ),
    { maxLength: 12 },
  )
  .map((parts) => Buffer.concat(parts));

describe('strict UTF-8', () => {
  it('finds a first broken byte exactly when the strict decoder refuses the bytes', () => {
    fc.assert(
      fc.property(awkwardBytes, (bytes) => {
        const offset = firstInvalidByte(bytes);
        expect(offset === -1).toBe(strictText(bytes) !== null);
        if (offset !== -1) expect(strictText(bytes.subarray(0, offset))).not.toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a leading byte-order mark', () => {
    expect(strictText(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('\ufeff{}');
  });

  it('renders bytes that are not UTF-8 in base64, losslessly, with a reason that says where', () => {
    fc.assert(
      fc.property(awkwardBytes, (bytes) => {
        const decoded = decodeSignalBytes(bytes, bytes.length);
        if (strictText(bytes) !== null) {
          expect(decoded).toEqual({ raw: strictText(bytes) });
          return;
        }
        expect(decoded.raw.startsWith(BASE64_PREFIX)).toBe(true);
        expect(Buffer.from(decoded.raw.slice(BASE64_PREFIX.length), 'base64')).toEqual(bytes);
        expect(decoded.invalid).toContain(`at offset ${firstInvalidByte(bytes)}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a signal over 64 KiB', () => {
  it('keeps the longest start of at most 64 KiB that splits no character, and gives its size', () => {
    const character = fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1f600}');
    fc.assert(
      fc.property(character, fc.integer({ min: 1, max: 8 }), (char, extra) => {
        const text = char.repeat(Math.ceil((MAX_SIGNAL_BYTES + extra) / Buffer.byteLength(char)));
        const bytes = Buffer.from(text);
        // The queues pass at most the first 64 KiB and the whole length.
        const decoded = decodeSignalBytes(bytes.subarray(0, MAX_SIGNAL_BYTES), bytes.length);
        const width = Buffer.byteLength(char);
        expect(Buffer.byteLength(decoded.raw)).toBe(Math.floor(MAX_SIGNAL_BYTES / width) * width);
        expect(text.startsWith(decoded.raw)).toBe(true);
        expect(decoded.invalid).toContain(`signal is ${bytes.length} bytes, larger than the ${MAX_SIGNAL_BYTES}-byte (64 KiB) limit`);
      }),
    );
  });

  it('is exactly 64 KiB at most: a signal of 65 536 bytes is read', () => {
    const bytes = Buffer.alloc(MAX_SIGNAL_BYTES, 'a');
    expect(decodeSignalBytes(bytes, bytes.length)).toEqual({ raw: 'a'.repeat(MAX_SIGNAL_BYTES) });
  });

  it('keeps its first 64 KiB in base64 when even those are not UTF-8', () => {
    const bytes = Buffer.alloc(MAX_SIGNAL_BYTES + 10, 0xff);
    const decoded = decodeSignalBytes(bytes.subarray(0, MAX_SIGNAL_BYTES), bytes.length);
    expect(decoded.raw).toBe(`${BASE64_PREFIX}${bytes.subarray(0, MAX_SIGNAL_BYTES).toString('base64')}`);
    expect(decoded.invalid).toMatch(/larger than .* and is not valid UTF-8 \(byte 0xFF at offset 0/);
  });

  it('drops only a character the cut split', () => {
    expect(withoutSplitCharacter(Buffer.from('ab\u20ac').subarray(0, 4))).toEqual(Buffer.from('ab'));
    expect(withoutSplitCharacter(Buffer.from('ab\u20ac'))).toEqual(Buffer.from('ab\u20ac'));
    expect(withoutSplitCharacter(Buffer.from('\u{1f600}\u{1f600}').subarray(0, 7))).toEqual(Buffer.from('\u{1f600}'));
    expect(withoutSplitCharacter(Buffer.from([0xff, 0xff]))).toEqual(Buffer.from([0xff, 0xff]));
    expect(withoutSplitCharacter(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });
});
