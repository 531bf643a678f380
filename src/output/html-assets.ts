/**
 * What the HTML report inlines so that it needs no network when it is viewed: uPlot's minified script and
 * stylesheet (MIT, https://github.com/leeoniya/uPlot), read from the installed package once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface HtmlAssets {
  uplotJs: string;
  uplotCss: string;
}

let cached: HtmlAssets | undefined;

export function htmlAssets(): HtmlAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const read = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
  const uplotJs = read('uPlot.iife.min.js');
  const uplotCss = read('uPlot.min.css');
  // Inlined inside <script>/<style>: a closing tag in them would end the element early.
  if (/<\/script/i.test(uplotJs) || /<\/style/i.test(uplotCss)) throw new Error('uPlot assets contain a closing tag and cannot be inlined');
  cached = { uplotJs, uplotCss };
  return cached;
}
