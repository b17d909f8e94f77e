/**
 * The page's script, style sheet and statechart drawing. The browser gets one script with the
 * simulator and xstate in it, and nothing is fetched from anywhere but this service. A built tree
 * (`npm run build`) has the bundle made ahead of time beside this module; running from the
 * sources, it is bundled from `client/` with esbuild (a development dependency) on first use and
 * kept in memory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readDiagramSvg } from './diagram.js';

/** The entry point of the page's script. */
export const CLIENT_ENTRY = fileURLToPath(new URL('./client/main.ts', import.meta.url));
/** The page's style sheet. */
export const CLIENT_STYLE = fileURLToPath(new URL('./client/inspector.css', import.meta.url));
/** The bundle's file name, beside this module in a built tree. */
export const CLIENT_BUNDLE_NAME = 'client.bundle.js';
const PREBUILT_BUNDLE = fileURLToPath(new URL(`./${CLIENT_BUNDLE_NAME}`, import.meta.url));

/** The script bundle, built from `entry`. @throws Error with esbuild's messages when it does not build. */
export async function bundleClient(entry: string = CLIENT_ENTRY): Promise<string> {
  let result;
  try {
    // Loaded only here: a production install has no esbuild, and needs none with its bundle built.
    const { build } = await import('esbuild');
    result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      // Some libraries read process.env.NODE_ENV; a browser has no `process`.
      define: { 'process.env.NODE_ENV': '"production"' },
    });
  } catch (error) {
    throw new Error(`Could not bundle the inspector's script (${entry})`, { cause: error });
  }
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`Bundling the inspector's script (${entry}) produced no file`);
  return output.text;
}

/** A value computed once on first use; a failure is not kept, so the next use tries again. */
export function cachedOnce<T>(compute: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | null = null;
  return () => {
    cached ??= compute().catch((error: unknown) => {
      cached = null;
      throw error;
    });
    return cached;
  };
}

/** The page's script, style sheet and statechart drawing, each read or built once. */
export interface ClientAssets {
  script(): Promise<string>;
  style(): Promise<string>;
  /** The SVG the page inlines: `statecharts/failover.svg`. */
  diagram(): Promise<string>;
}

/**
 * Assets from `client/` and `statecharts/`: the bundle built on first request, the style sheet
 * and the committed drawing read once.
 */
export function clientAssets(): ClientAssets {
  return {
    script: cachedOnce(() => (existsSync(PREBUILT_BUNDLE) ? readFile(PREBUILT_BUNDLE, 'utf8') : bundleClient())),
    style: cachedOnce(() => readFile(CLIENT_STYLE, 'utf8')),
    diagram: cachedOnce(() => readDiagramSvg()),
  };
}
