/**
 * Reads an engine's answer up to a cap (contract section 4: answers are read up to 1 MiB). A bridge
 * that answers with a huge or endless body must not make the service buffer it: `response.text()`
 * would hold all of it, so the body is read chunk by chunk and, once over the cap, the stream is
 * cancelled, which makes fetch drop the connection instead of reading on.
 */

/** 1 MiB: the longest answer the service reads from an engine. */
export const ANSWER_LIMIT_BYTES = 1_048_576;

/** An answer's body as read, at most the cap. */
export interface BoundedText {
  /**
   * The body as UTF-8 text (malformed bytes as U+FFFD, a leading BOM dropped, as `response.text()`
   * does). When truncated: the first `limitBytes` bytes, less a character the cap cut in two.
   */
  readonly text: string;
  /** True when the body was longer than the cap: the rest was never read. */
  readonly truncated: boolean;
}

/**
 * Reads `body` to its end or to `limitBytes`, whichever comes first; a body of exactly
 * `limitBytes` is read whole and not truncated. Rejects with the stream's own error when reading
 * fails (a timeout or a dropped connection), so the caller can classify it.
 */
export async function readBoundedText(body: ReadableStream<Uint8Array> | null, limitBytes: number = ANSWER_LIMIT_BYTES): Promise<BoundedText> {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) {
    throw new RangeError(`The answer limit must be a whole number of bytes ≥ 0, got ${limitBytes}`);
  }
  if (body === null) return { text: '', truncated: false };
  const reader = body.getReader();
  // Decoding as the chunks come keeps at most the text, never the text and all its chunks.
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let kept = 0;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        parts.push(decoder.decode());
        return { text: parts.join(''), truncated: false };
      }
      const room = limitBytes - kept;
      if (chunk.value.byteLength > room) {
        // `stream: true` and no final flush: a character cut at the cap is left out, not shown as U+FFFD.
        parts.push(decoder.decode(chunk.value.subarray(0, room), { stream: true }));
        await stopReading(reader, limitBytes);
        return { text: parts.join(''), truncated: true };
      }
      kept += chunk.value.byteLength;
      parts.push(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
}

async function stopReading(reader: ReadableStreamDefaultReader<Uint8Array>, limitBytes: number): Promise<void> {
  try {
    await reader.cancel(new Error(`the answer is longer than the ${limitBytes}-byte limit`));
  } catch {
    // What was wanted is already read; a source that fails to cancel has nothing more to give us.
  }
}
