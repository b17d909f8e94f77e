/** The bounded answer reader on streams the test controls: whole bodies, the cap, cancelling, errors. */
import { describe, expect, it } from 'vitest';
import { ANSWER_LIMIT_BYTES, readBoundedText } from '../../src/engines/boundedBody.js';

const encoder = new TextEncoder();

/** A stream of `chunks`, recording whether it was cancelled and why. */
function streamOf(chunks: readonly Uint8Array[]): { stream: ReadableStream<Uint8Array>; cancelled: () => unknown } {
  let reason: unknown = 'not cancelled';
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next];
      next += 1;
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel(why) {
      reason = why;
    },
  });
  return { stream, cancelled: () => reason };
}

function bytes(length: number, fill = 0x61): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe('readBoundedText', () => {
  it('reads a short body whole', async () => {
    const { stream, cancelled } = streamOf([encoder.encode('{"order_id":'), encoder.encode('"o-1"}')]);
    expect(await readBoundedText(stream)).toEqual({ text: '{"order_id":"o-1"}', truncated: false });
    expect(cancelled()).toBe('not cancelled');
  });

  it('reads no body as empty text', async () => {
    expect(await readBoundedText(null)).toEqual({ text: '', truncated: false });
  });

  it('reads a body of exactly the limit whole, in any chunking', async () => {
    const { stream, cancelled } = streamOf([bytes(6), bytes(4)]);
    expect(await readBoundedText(stream, 10)).toEqual({ text: 'a'.repeat(10), truncated: false });
    expect(cancelled()).toBe('not cancelled');
  });

  it('reads a body of exactly 1 MiB whole by default', async () => {
    const { stream } = streamOf([bytes(ANSWER_LIMIT_BYTES - 1), bytes(1)]);
    const read = await readBoundedText(stream);
    expect(read.truncated).toBe(false);
    expect(read.text).toHaveLength(1_048_576);
  });

  it('cuts a body one byte over the limit at the limit, and cancels the rest', async () => {
    const { stream, cancelled } = streamOf([bytes(10), bytes(1, 0x62)]);
    expect(await readBoundedText(stream, 10)).toEqual({ text: 'a'.repeat(10), truncated: true });
    expect(cancelled()).toEqual(new Error('the answer is longer than the 10-byte limit'));
  });

  it('cuts a chunk that straddles the limit', async () => {
    const { stream } = streamOf([encoder.encode('abcdef'), encoder.encode('ghijkl')]);
    expect(await readBoundedText(stream, 8)).toEqual({ text: 'abcdefgh', truncated: true });
  });

  it('leaves out a character that the limit cuts in two, rather than showing it as garbage', async () => {
    // "€" is three bytes in UTF-8; a limit of 5 keeps "abc" and two of them.
    const { stream } = streamOf([encoder.encode('abc€def')]);
    expect(await readBoundedText(stream, 5)).toEqual({ text: 'abc', truncated: true });
  });

  it('decodes as response.text() does: a BOM dropped, malformed bytes replaced', async () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff, 0x21]);
    const { stream } = streamOf([body.subarray(0, 2), body.subarray(2)]);
    const expected = await new Response(body).text();
    expect(await readBoundedText(stream)).toEqual({ text: expected, truncated: false });
    expect(expected).toBe('hi\uFFFD!');
  });

  it('stops pulling an endless body soon after the limit', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 1;
          controller.enqueue(bytes(1024));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const read = await readBoundedText(endless, 64 * 1024);
    expect(read.truncated).toBe(true);
    expect(read.text).toHaveLength(64 * 1024);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(66);
  });

  it('rejects with the stream’s own error when reading fails', async () => {
    const failure = new TypeError('terminated');
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"order'));
        controller.error(failure);
      },
    });
    await expect(readBoundedText(broken)).rejects.toBe(failure);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a limit of %s', async (limit) => {
    await expect(readBoundedText(null, limit)).rejects.toThrow(RangeError);
  });
});
