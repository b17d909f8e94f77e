/**
 * Where a signal's bytes become text (contract section 3, bad input). Queues read entries as bytes
 * and bounded (at most {@link MAX_SIGNAL_BYTES} of a signal reach this process, see the README's
 * "Bad input"); this module decides, before any parsing, whether those bytes can be a signal at
 * all, and what the dead-letter `signal` field holds when they cannot.
 *
 * - Not UTF-8: invalid; the dead-letter `signal` is `base64:` and the bytes in base64. Lossless,
 *   so a person can tell which encoding the producer used; the text with replacement characters
 *   would lose exactly the bytes that matter.
 * - Over 64 KiB: invalid without parsing; the dead-letter `signal` keeps the first 64 KiB, cut on
 *   a character boundary (base64 as above when even those are not UTF-8).
 */
import { MAX_SIGNAL_BYTES } from './signal.js';

/** The prefix of a dead-letter `signal` that holds bytes which are not UTF-8, in base64. */
export const BASE64_PREFIX = 'base64:';

// ignoreBOM keeps a leading U+FEFF in the text: the text must be the bytes as received, or a list
// item could not be named by it again (LREM) and the dead-letter entry would not show the BOM.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What a queue hands the manager for one signal read: its text, or why it is no signal. */
export interface DecodedSignal {
  /** The text as received; for an invalid one, the safe rendering the dead-letter `signal` holds. */
  readonly raw: string;
  /** Set when the bytes cannot be a signal; the reason recorded with the `invalid` outcome. */
  readonly invalid?: string;
}

/** The text of `bytes`, or null when they are not UTF-8. */
export function strictText(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Bytes that are not UTF-8 as the dead-letter `signal` holds them. */
export function base64Rendering(bytes: Uint8Array): string {
  return `${BASE64_PREFIX}${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** The length of the UTF-8 sequence a lead byte starts; 0 for a byte that starts none. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The allowed range of the second byte after a lead byte (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * The offset of the first byte that breaks UTF-8 in `bytes`, or -1 when they are UTF-8. A
 * sequence cut off by the end counts as broken at its lead byte. For the reason text only: the
 * decision is the strict decoder's.
 */
export function firstInvalidByte(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    const length = sequenceLength(lead);
    if (length === 0) return index;
    if (length > 1) {
      if (index + length > bytes.length) return index;
      const [low, high] = secondByteRange(lead);
      const second = bytes[index + 1] ?? 0;
      if (second < low || second > high) return index;
      for (let next = index + 2; next < index + length; next++) {
        if (((bytes[next] ?? 0) & 0xc0) !== 0x80) return index;
      }
    }
    index += length;
  }
  return -1;
}

/**
 * `bytes`, the start of a longer text, without a character the cut split: a multi-byte sequence
 * that the end of `bytes` leaves incomplete is dropped whole.
 */
export function withoutSplitCharacter(bytes: Uint8Array): Uint8Array {
  let start = bytes.length - 1;
  // A character is at most four bytes: its lead byte is at most three back from the end.
  while (start > 0 && bytes.length - start < 4 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
  if (start < 0) return bytes;
  const length = sequenceLength(bytes[start] ?? 0);
  return length > 1 && start + length > bytes.length ? bytes.subarray(0, start) : bytes;
}

function describeInvalid(bytes: Uint8Array): string {
  const offset = firstInvalidByte(bytes);
  if (offset === -1) return 'signal is not valid UTF-8';
  const byte = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return `signal is not valid UTF-8 (byte 0x${byte} at offset ${offset} starts no valid character)`;
}

/**
 * Decides what `head`, the first bytes of a signal `totalBytes` long, can be. `head` must hold
 * the whole signal when it is at most {@link MAX_SIGNAL_BYTES}, else at least that many bytes.
 * Never throws.
 */
export function decodeSignalBytes(head: Uint8Array, totalBytes: number): DecodedSignal {
  if (totalBytes > MAX_SIGNAL_BYTES) {
    const kept = withoutSplitCharacter(head.subarray(0, MAX_SIGNAL_BYTES));
    const size = `signal is ${totalBytes} bytes, larger than the ${MAX_SIGNAL_BYTES}-byte (64 KiB) limit`;
    const text = strictText(kept);
    if (text !== null) return { raw: text, invalid: `${size}; the dead-letter signal keeps its first ${kept.length} bytes` };
    const cut = head.subarray(0, MAX_SIGNAL_BYTES);
    return {
      raw: base64Rendering(cut),
      invalid: `${size}, and ${describeInvalid(cut).replace(/^signal is/, 'is')}; the dead-letter signal keeps its first ${cut.length} bytes in base64 after "${BASE64_PREFIX}"`,
    };
  }
  const text = strictText(head);
  if (text !== null) return { raw: text };
  return {
    raw: base64Rendering(head),
    invalid: `${describeInvalid(head)}; the dead-letter signal holds its ${head.length} bytes in base64 after "${BASE64_PREFIX}"`,
  };
}
