/**
 * The fonts and text sizes of the SVG drawing. ELK needs the size of every state name and edge
 * label before it lays them out, and no browser measures them at generation time: labels are set
 * in a monospace font, whose advance is a fixed 0.6 em in every common one, so their width is
 * known; state names are bold sans, estimated a little wide so they never overflow their box.
 */

export const SANS_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const MONO_FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

/** State names (bold sans). */
export const STATE_FONT_SIZE = 14;
/** Edge labels (monospace). */
export const LABEL_FONT_SIZE = 12;
/** The height of one edge label line, with its background. */
export const LABEL_LINE_HEIGHT = 16;
/** Room left and right of a label's text inside its background. */
export const LABEL_PAD = 3;

/** The width `text` takes: monospace advances are 0.6 em; bold sans stays under 0.64 em. */
export function textWidth(text: string, fontSize: number, monospace: boolean): number {
  return [...text].length * fontSize * (monospace ? 0.6 : 0.64);
}

/** The width of an edge label with its background. */
export function labelWidth(text: string): number {
  return textWidth(text, LABEL_FONT_SIZE, true) + 2 * LABEL_PAD;
}
