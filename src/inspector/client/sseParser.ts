/**
 * Reads the text of a server-sent event stream as it arrives in chunks (WHATWG HTML,
 * "Server-sent events", interpretation of the event stream). The page reads its stream with
 * `fetch` so that it can send the admin token as a header, which `EventSource` cannot.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The event name; `message` when the stream gave none. */
  readonly event: string;
  readonly data: string;
  /** The last id the stream set, if any. */
  readonly id: string | null;
}

/** A parser for one stream: push text chunks, get the events they complete. */
export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | null = null;

  /** Takes the next chunk of text; returns the events it completes, in order. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (match === null) break;
      // A lone CR at the end may be the first half of a CRLF still in flight.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields: the page decides its own reconnection delay.
        break;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const name = this.eventName;
    const data = this.dataLines;
    this.eventName = '';
    this.dataLines = [];
    if (data.length === 0) return null;
    return { event: name === '' ? 'message' : name, data: data.join('\n'), id: this.lastId };
  }
}
