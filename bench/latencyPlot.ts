/**
 * The latency distributions as a picture: for each contender at 1,000 signals/s, the share of
 * signals (y) that reached the engine within a time (x, log scale), one line each. Written by the
 * benchmark to `bench/latency.svg` and shown in the README.
 */
import type { LatencySummary } from './latency.js';

/** One line of the plot. */
export interface PlotLine {
  readonly label: string;
  readonly colour: string;
  readonly summary: LatencySummary;
}

const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = { left: 60, right: 170, top: 20, bottom: 45 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The SVG text of the plot; the x axis spans the lines' samples, on a log scale. */
export function latencyPlot(title: string, lines: readonly PlotLine[]): string {
  const all = lines.flatMap((line) => line.summary.samples).filter((value) => value > 0);
  const low = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all, 1))));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...all, low * 10)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number): number => MARGIN.left + ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotWidth;
  const y = (share: number): number => MARGIN.top + (1 - share) * plotHeight;
  const round = (value: number): string => value.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(`<line x1="${round(x(decade))}" y1="${MARGIN.top}" x2="${round(x(decade))}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${round(x(decade))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${decade >= 1 ? decade.toFixed(0) : decade.toString()} ms</text>`,
    );
  }
  for (const share of [0, 0.5, 0.9, 0.99, 1]) {
    parts.push(`<line x1="${MARGIN.left}" y1="${round(y(share))}" x2="${MARGIN.left + plotWidth}" y2="${round(y(share))}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${round(y(share) + 4)}" text-anchor="end">${(share * 100).toFixed(0)} %</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 8}" text-anchor="middle">producer's send → engine receives it</text>`);
  lines.forEach((line, index) => {
    const { samples } = line.summary;
    const step = Math.max(1, Math.floor(samples.length / 400));
    const points: string[] = [];
    for (let i = 0; i < samples.length; i += step) points.push(`${round(x(samples[i] ?? 0))},${round(y((i + 1) / samples.length))}`);
    if (samples.length > 0) points.push(`${round(x(samples[samples.length - 1] ?? 0))},${round(y(1))}`);
    parts.push(`<polyline fill="none" stroke="${line.colour}" stroke-width="2" points="${points.join(' ')}"/>`);
    const legendY = MARGIN.top + 16 + index * 40;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 12}" y1="${legendY}" x2="${WIDTH - MARGIN.right + 32}" y2="${legendY}" stroke="${line.colour}" stroke-width="3"/>`,
    );
    parts.push(`<text x="${WIDTH - MARGIN.right + 38}" y="${legendY + 4}">${escape(line.label)}</text>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 38}" y="${legendY + 18}" fill="#555">p99 ${line.summary.p99.toFixed(2)} ms</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
