/**
 * What a person sees: Debian's classic Jupyter notebook server on 127.0.0.1 shows a saved notebook's
 * charts in headless Chromium (driven by playwright-core); and a page with vega-embed and plotly.js
 * served from node_modules renders every kind of chart without a console error. Screenshots are kept
 * in out/test-artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { chromium, Browser, Page } from 'playwright-core';
import {
  accuracyMatrixChart, compareRuns, confusionMatrixChart, learningCurves, bufferClassHistogram, ParametricBuffer,
  SplitMNIST, trackBuffer, sideBySide, PlotlyFigure, toMimeBundle, MetricHistory, setPlotlyJs,
} from 'avalanche-ts';
import { freePort, registerKernel, tempDir } from './helpers';

const root = path.resolve(__dirname, '..');
const artifacts = path.join(root, 'out', 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

async function launch(): Promise<Browser> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (see README)`);
  // playwright starts Chromium headless with a fresh temporary profile of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => { res.resume(); resolve((res.statusCode ?? 500) < 500); }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/**
 * Serves a page from `handler` on 127.0.0.1, opens '/' in Chromium at `viewport`, runs `body` with
 * the tab and the console errors collected so far, then closes the browser and the server.
 */
async function withServedPage(handler: http.RequestListener, viewport: { width: number; height: number }, body: (tab: Page, errors: string[]) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let browser: Browser | null = null;
  try {
    browser = await launch();
    const tab = await browser.newPage({ viewport });
    const errors: string[] = [];
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
    await body(tab, errors);
  } finally {
    await browser?.close();
    server.close();
  }
}

test('classic Jupyter notebook (untrusted, as from git) shows every saved chart of 04-looking-inside-the-buffer as a PNG, the Plotly figure too, in Chromium', { timeout: 180_000 }, async () => {
  const version = spawnSync('jupyter', ['notebook', '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'the classic notebook server is missing: apt-get install jupyter-notebook (see README)');
  fs.mkdirSync(artifacts, { recursive: true });
  const port = await freePort();
  const jupyterDir = registerKernel();
  const server: ChildProcess = spawn('jupyter', [
    'notebook', '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
    '--NotebookApp.token=', '--NotebookApp.password=', `--notebook-dir=${path.join(root, 'notebooks')}`,
  ], { env: { ...process.env, JUPYTER_DATA_DIR: jupyterDir, JUPYTER_RUNTIME_DIR: tempDir('clnb-rt-') }, stdio: 'ignore' });
  let browser: Browser | null = null;
  try {
    await waitFor(`http://127.0.0.1:${port}/api`, 30_000);
    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/04-looking-inside-the-buffer.ipynb`, { waitUntil: 'load' });
    // The classic notebook drops untrusted SVG and shows PNG: charts and the Plotly figure are
    // output_png images; the exemplar grid is sanitised HTML holding PNG rows.
    await page.waitForSelector('.output_png img', { timeout: 30_000 });
    // Browser-side callbacks: the test's TypeScript has no DOM library, so elements are typed loosely.
    type Img = { complete: boolean; naturalWidth: number; naturalHeight: number };
    const images = await page.$$eval('.output_png img', (imgs) =>
      (imgs as unknown as Img[]).map((img) => ({ complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })));
    assert.ok(images.length >= 10, `${images.length} charts shown (9 Vega-Lite, 1 Plotly)`);
    for (const img of images) assert.ok(img.complete && img.width > 100 && img.height > 100, `a chart drawn at ${img.width}x${img.height}`);
    assert.equal(await page.$$eval('.output_svg', (els) => els.length), 0, 'no untrusted SVG output');
    const exemplars = await page.$$eval('.output_html img[src^="data:image/png"]', (imgs) => (imgs as unknown as Img[]).filter((i) => i.naturalWidth > 0).length);
    assert.ok(exemplars >= 10, `${exemplars} exemplar rows drawn`);
    await page.locator('.output_png img').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'classic-notebook-04.png'), fullPage: false });
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
  }
});

test('vega-embed and plotly.js from node_modules render every chart kind with no console error', { timeout: 180_000 }, async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  const h = (v: number[]): MetricHistory => ({ x: v.map((_, i) => i * 10), values: v, trainedExperience: v.map((_, i) => i) });
  const history = {
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000': h([0.9, 0.5, 0.3]),
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001': h([0.1, 0.8, 0.4]),
    'Top1_Acc_Stream/eval_phase/test_stream/Task000': h([0.3, 0.6, 0.5]),
  };
  const benchmark = await SplitMNIST(5, { seed: 1, source: 'bundled' });
  const buffer = new ParametricBuffer({ maxSize: 50, groupby: 'class', seed: 1 });
  const tracked = trackBuffer(buffer);
  benchmark.trainStream.forEach((experience) => buffer.update({ experience }));
  const specs = [
    learningCurves(history, { metric: 'Top1_Acc_Exp' }),
    accuracyMatrixChart({ trainedOn: [0, 1], evaluatedOn: [0, 1], values: [[0.9, 0.1], [0.5, 0.8]] }),
    confusionMatrixChart([[3, 1], [0, 4]], { classNames: ['a', 'b'] }),
    compareRuns({ A: history, B: history }),
    sideBySide(bufferClassHistogram(buffer), tracked.compositionChart()),
  ];
  setPlotlyJs('inline');
  const plotly = await toMimeBundle(new PlotlyFigure([{ y: [1, 3, 2], type: 'scatter' }])).finally(() => setPlotlyJs('none'));
  const nm = path.join(root, 'node_modules');
  const page = `<!doctype html><html><head>
<script src="/nm/vega/build/vega.min.js"></script><script src="/nm/vega-lite/build/vega-lite.min.js"></script>
<script src="/nm/vega-embed/build/vega-embed.min.js"></script></head><body>
${specs.map((_, i) => `<div id="chart${i}"></div>`).join('\n')}
${plotly['text/html']}
<script>
const specs = ${JSON.stringify(specs)};
window.rendered = Promise.all(specs.map((s, i) => vegaEmbed('#chart' + i, s, { renderer: 'svg', actions: false }))).then(() => true);
</script></body></html>`;
  const serve: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    if (url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (url === '/favicon.ico') return void res.writeHead(204).end();
    const file = path.join(nm, path.normalize(url.replace(/^\/nm\//, '')));
    if (!url.startsWith('/nm/') || !file.startsWith(nm) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(file));
  };
  await withServedPage(serve, { width: 1000, height: 1600 }, async (tab, errors) => {
    await tab.evaluate(() => (globalThis as unknown as { rendered: Promise<unknown> }).rendered);
    for (let i = 0; i < specs.length; i++) {
      const marks = await tab.$$eval(`#chart${i} svg .role-mark`, (els) => els.length);
      assert.ok(marks > 0, `chart ${i} has marks`);
    }
    assert.ok((await tab.$$eval('.main-svg', (els) => els.length)) > 0, 'plotly drew its figure');
    await tab.screenshot({ path: path.join(artifacts, 'vega-embed-and-plotly.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

/** JupyterLab 4's own output code (`@jupyterlab/rendermime` and the Vega 5 extension) bundled for the browser. */
async function jupyterLabBundle(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    stdin: {
      contents: "export { RenderMimeRegistry, standardRendererFactories, MimeModel } from '@jupyterlab/rendermime';\nexport { default as vega } from '@jupyterlab/vega5-extension';\n",
      resolveDir: root,
    },
    bundle: true, platform: 'browser', format: 'iife', globalName: 'JupyterLabRendermime', write: false,
    loader: { '.css': 'empty', '.svg': 'text' }, define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'error',
  });
  return result.outputFiles[0].text;
}

test('JupyterLab 4 (its rendermime registry and Vega 5 renderer, in Chromium) picks and draws every saved output of every notebook, trusted and untrusted', { timeout: 300_000 }, async () => {
  const code = await jupyterLabBundle();
  type Output = { output_type: string; data?: Record<string, unknown> };
  const outputs: Array<{ where: string; data: Record<string, unknown> }> = [];
  for (const name of fs.readdirSync(path.join(root, 'notebooks')).filter((n) => n.endsWith('.ipynb')).sort()) {
    const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', name), 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
    nb.cells.forEach((cell, i) => (cell.outputs ?? []).forEach((o) => {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return;
      // nbformat stores multi-line strings as lists of lines.
      const data = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join('') : v]));
      outputs.push({ where: `${name} cell ${i}`, data });
    }));
  }
  assert.ok(outputs.filter((o) => o.data['application/vnd.vegalite.v5+json']).length >= 17, 'the notebooks hold their Vega-Lite charts');
  const serve: http.RequestListener = (req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><div id="out"></div></body></html>');
    if (req.url === '/rendermime.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    res.writeHead(204).end();
  };
  await withServedPage(serve, { width: 1000, height: 800 }, async (tab, errors) => {
    await tab.addScriptTag({ url: '/rendermime.js' });
    // Browser-side code: the test's TypeScript has no DOM library, so the page is typed loosely.
    const results = await tab.evaluate(async (list) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const g = globalThis as any;
      const { RenderMimeRegistry, standardRendererFactories, MimeModel, vega } = g.JupyterLabRendermime;
      // As JupyterLab starts: the standard factories, then each mime extension at its rank.
      const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
      for (const ext of Array.isArray(vega) ? vega : [vega]) registry.addFactory(ext.rendererFactory, ext.rank);
      const out = [];
      for (const { where, data } of list) {
        const row: Record<string, unknown> = { where, types: Object.keys(data), text: String(data['text/plain'] ?? '') };
        for (const trusted of [true, false]) {
          const mime = registry.preferredMimeType(data, trusted ? 'any' : 'ensure');
          const renderer = registry.createRenderer(mime);
          const host = g.document.createElement('div');
          g.document.getElementById('out').appendChild(host);
          host.appendChild(renderer.node);
          await renderer.renderModel(new MimeModel({ data, trusted }));
          const imgs = [...renderer.node.querySelectorAll('img')];
          await Promise.all(imgs.map((img: { decode(): Promise<void> }) => img.decode().catch(() => undefined)));
          row[trusted ? 'trusted' : 'untrusted'] = {
            mime,
            drawn: renderer.node.querySelectorAll('svg .role-mark, canvas').length + imgs.filter((i: { naturalWidth: number }) => i.naturalWidth > 0).length,
            text: String(renderer.node.textContent ?? '').trim().length,
          };
          host.remove();
        }
        out.push(row);
      }
      return out;
    }, outputs);
    for (const r of results as Array<{ where: string; types: string[]; text: string; trusted: { mime: string; drawn: number; text: number }; untrusted: { mime: string; drawn: number; text: number } }>) {
      for (const mode of ['trusted', 'untrusted'] as const) {
        const { mime, drawn, text } = r[mode];
        if (r.types.includes('application/vnd.vegalite.v5+json')) {
          assert.equal(mime, 'application/vnd.vegalite.v5+json', `${r.where} (${mode}): the interactive chart is chosen`);
          assert.ok(drawn > 0, `${r.where} (${mode}): the chart is drawn`);
        } else if (r.types.includes('application/vnd.plotly.v1+json')) {
          // No Plotly renderer in a stock JupyterLab: the static picture shows, never an empty box.
          assert.equal(mime, 'image/png', `${r.where} (${mode}): the Plotly figure's picture is chosen`);
          assert.ok(drawn > 0, `${r.where} (${mode}): the picture is drawn`);
        } else if (r.text.startsWith('<exemplar grid')) {
          assert.ok(drawn >= 2, `${r.where} (${mode}): the exemplar images are kept (${drawn})`);
        } else {
          assert.ok(drawn > 0 || text > 0, `${r.where} (${mode}): ${mime} shows something`);
        }
      }
    }
    assert.deepEqual(errors, []);
  });
});
