/** Reads a live stream in the background, parsed as the page parses it. */
import { SseParser, type SseEvent } from '../../src/inspector/client/sseParser.js';

/** The events of a stream so far, and whether it ended. */
export interface SseRecording {
  readonly events: SseEvent[];
  /** The data of every event named `name`, parsed as JSON. */
  data<T>(name: string): T[];
  ended(): boolean;
  /** Lets the background reader take whatever the stream has queued. */
  settle(): Promise<void>;
  cancel(): Promise<void>;
}

/** One turn of the event loop: queued chunks reach the reader, and no time passes on any clock. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Starts reading `stream`. */
export function recordSse(stream: ReadableStream<Uint8Array>): SseRecording {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let done = false;
  const reading = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        events.push(...parser.push(decoder.decode(chunk.value, { stream: true })));
      }
    } catch {
      // Cancelled or errored: `ended()` says so either way.
    } finally {
      done = true;
    }
  })();
  return {
    events,
    data: <T>(name: string) => events.filter((event) => event.event === name).map((event) => JSON.parse(event.data) as T),
    ended: () => done,
    async settle() {
      await nextTurn();
      await nextTurn();
    },
    async cancel() {
      await reader.cancel();
      await reading;
    },
  };
}
