/**
 * The live stream's wire format: what the server writes (`formatSse`) and what the page reads
 * (`SseParser`), including text split at any byte, CRLF line ends and comments.
 */
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/inspector/client/sseParser.js';
import { formatSse, formatSseComment } from '../../src/inspector/sse.js';

describe('formatSse', () => {
  it('writes the event name, the id and the data, ending with a blank line', () => {
    expect(formatSse({ event: 'snapshot', id: 7, data: '{"a":1}' })).toBe('event: snapshot\nid: 7\ndata: {"a":1}\n\n');
  });

  it('gives each line of multi-line data its own data field', () => {
    expect(formatSse({ data: 'one\ntwo\r\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });

  it('refuses an event name or id with a line break, which would break the stream', () => {
    expect(() => formatSse({ event: 'a\nb', data: '' })).toThrow(RangeError);
    expect(() => formatSse({ id: 'x\ry', data: '' })).toThrow(RangeError);
  });

  it('writes comments that readers skip', () => {
    const parser = new SseParser();
    expect(parser.push(formatSseComment('heartbeat'))).toEqual([]);
    expect(parser.push(formatSse({ event: 'log', data: '1' }))).toEqual([{ event: 'log', data: '1', id: null }]);
  });
});

describe('SseParser', () => {
  const wire =
    formatSse({ event: 'hello', data: '{"instance":"a"}' }) +
    formatSseComment('heartbeat') +
    formatSse({ event: 'snapshot', id: 1, data: '{"seq":1}' }) +
    formatSse({ data: 'first\nsecond' });
  const expected = [
    { event: 'hello', data: '{"instance":"a"}', id: null },
    { event: 'snapshot', data: '{"seq":1}', id: '1' },
    { event: 'message', data: 'first\nsecond', id: '1' },
  ];

  it('reads what formatSse writes, however the text is split into chunks', () => {
    for (let split = 0; split <= wire.length; split += 1) {
      const parser = new SseParser();
      const events = [...parser.push(wire.slice(0, split)), ...parser.push(wire.slice(split))];
      expect(events, `split at ${split}`).toEqual(expected);
    }
  });

  it('reads CRLF and CR line ends, even with a CRLF split across chunks', () => {
    const parser = new SseParser();
    const events = [...parser.push('event: a\r\ndata: 1\r'), ...parser.push('\n\r\n'), ...parser.push('data:2\r\r\n')];
    expect(events).toEqual([
      { event: 'a', data: '1', id: null },
      { event: 'message', data: '2', id: null },
    ]);
  });

  it('dispatches nothing for an event without data, and forgets its name', () => {
    const parser = new SseParser();
    expect(parser.push('event: lonely\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x', id: null }]);
  });
});
