/** The text format of server-sent events (WHATWG HTML, "Server-sent events"). */

/** One event of a stream. */
export interface SseMessage {
  /** The event name; the browser's default is `message`. */
  readonly event?: string;
  /** Sent as the event's `id`, so a reader can tell where it stopped. */
  readonly id?: string | number;
  /** The payload, usually JSON text; it may span lines. */
  readonly data: string;
}

/** Headers of a stream: no caching, no proxy buffering. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

function singleLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new RangeError(`an SSE ${field} cannot contain a line break: ${JSON.stringify(value)}`);
  return value;
}

/**
 * The wire text of one event, ending with the blank line that dispatches it. Each line of `data`
 * gets its own `data:` field, as the format requires.
 * @throws RangeError when the event name or id contains a line break.
 */
export function formatSse(message: SseMessage): string {
  const lines: string[] = [];
  if (message.event !== undefined) lines.push(`event: ${singleLine('event name', message.event)}`);
  if (message.id !== undefined) lines.push(`id: ${singleLine('id', String(message.id))}`);
  for (const line of message.data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return `${lines.join('\n')}\n\n`;
}

/** A comment line: ignored by readers, it keeps idle connections open through proxies. */
export function formatSseComment(text: string): string {
  return `: ${singleLine('comment', text)}\n\n`;
}
