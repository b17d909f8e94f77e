/** How the benchmark reports as it goes. */

/** Progress goes to stderr, so stdout carries the table alone. */
export function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

/** A rate for people: 12,345/s. */
export function rate(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}
