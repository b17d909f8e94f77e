/** Keeps engine credentials out of logs, status answers and error messages. */

/** The URL as text without its `user:password@` part. */
export function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/**
 * Masks a `user:password@` part in text that may not parse as a URL, so that even the message
 * about a malformed engine URL never leaks a secret.
 */
export function redactUrlText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/**
 * A configuration error about one engine's URL, naming the engine and the URL (credentials masked)
 * so that start-up fails with a message an operator can act on.
 */
export function engineUrlError(id: string, url: string, problem: string, cause?: unknown): Error {
  const message = `Engine ${id} ("${redactUrlText(url)}"): ${problem}`;
  return cause === undefined ? new Error(message) : new Error(message, { cause });
}
