// End-to-end test of the page's analyst views in headless Chromium: overview, compare, segments,
// attribute filters, discover (copy as topic), the 390 px phone layout, hand-written axe-style
// checks (labels, contrast, focus trap, skip link), From > To, and the zh / zh-Hant UIs.
//
//   node tests/web/views.mjs --base http://127.0.0.1:8080 --out DIR [--chromium PATH]
//
// Expects a server over the demo corpus. Prints one JSON line; exits 1 on a failed check.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a11yLabels, a11yContrast } from './a11y.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def; };
const BASE = opt('base', 'http://127.0.0.1:8080').replace(/\/+$/, '');
const OUT = path.resolve(opt('out', path.join(os.tmpdir(), 'verbatim-views')));
const CHROMIUM = opt('chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const BUDGET_MS = 120_000;

const t0 = Date.now();
const checks = []; const screenshots = []; const info = {};
let browser = null; let page = null;
class CheckFailed extends Error {}
function check(name, ok, detail) {
  checks.push({ name, ok: !!ok, ...(ok ? {} : { detail: String(detail ?? '') }) });
  if (!ok) throw new CheckFailed(`${name}: ${detail ?? 'failed'}`);
}
function finish(code, error) {
  const failed = checks.filter((c) => !c.ok);
  console.log(JSON.stringify({ ok: code === 0, seconds: +((Date.now() - t0) / 1000).toFixed(1), checks: checks.length, failed, error, info, screenshots }));
  if (code) console.error(`views e2e FAILED: ${error}`);
  process.exit(code);
}
const watchdog = setTimeout(() => finish(1, `time limit of ${BUDGET_MS / 1000}s exceeded`), BUDGET_MS);
async function shot(name, full = true) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: full, timeout: 8000 });
  screenshots.push(file);
}
const hash = () => page.evaluate(() => decodeURIComponent(window.location.hash));
// A region (data-state, data-key) has rendered a request whose path contains `part`, and stays so.
async function ready(testid, part = '', timeout = 15000) {
  const sel = `[data-testid="${testid}"]`;
  const ok = () => page.waitForFunction(([s, k]) => {
    const n = document.querySelector(s);
    return n && n.dataset.state === 'ready' && (n.dataset.key || '').includes(k);
  }, [sel, part], { timeout });
  try { await ok(); await page.waitForTimeout(150); await ok(); } catch (_) {
    const st = await page.evaluate((s) => { const n = document.querySelector(s); return n ? `${n.dataset.state} ${n.dataset.key} ${n.textContent.slice(0, 200)}` : 'missing'; }, sel);
    throw new CheckFailed(`${testid} did not render "${part}" (${st})`);
  }
}
const apiJson = (p) => page.evaluate(async (u) => (await fetch(u)).json(), p);
const count = (sel) => page.locator(sel).count();

async function overview() {
  await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
  check('overview is the first screen', await page.isVisible('[data-testid="overview-view"]'), 'overview hidden');
  await ready('overview-compare', 'v1/reports/compare');
  await ready('overview-trend', 'v1/reports/trends');
  await ready('overview-drivers', 'v1/reports/drivers');
  const nps = await page.textContent('[data-testid="ov-nps-value"]');
  check('headline NPS', /^[+-]?\d+(\.\d)?$/.test(nps.trim()), nps);
  check('headline change has significance', (await count('[data-testid="ov-nps"] [data-testid="sig-badge"]')) === 1, 'no badge');
  check('headline CSAT and sentiment', (await count('[data-testid="ov-csat"]')) === 1 && (await count('[data-testid="ov-sentiment"]')) === 1, 'missing');
  const points = await count('[data-testid="line-point"]');
  check('score line: one point per month', points >= 6, points);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="overview-line"] .ci-whisker').length >= 6, null, { timeout: 10000 })
    .catch(() => { throw new CheckFailed('score line: no 95% intervals drawn'); });
  check('score line: interval band', (await count('[data-testid="overview-line"] .ci-band')) === 1, 'no band');
  const rows = await page.$$eval('[data-testid="ov-driver"]', (gs) => gs.map((g) => [g.dataset.id, g.dataset.sentiment]));
  check('drivers: rows in NPS points', rows.length > 0 && rows.some(([id]) => id === 'delivery'), JSON.stringify(rows));
  let top = null; let grouped = true;
  for (const [id, s] of rows) { if (!s) top = id; else if (id !== top) grouped = false; }
  check('drivers: sentiment rows grouped under their topic', grouped && rows.some(([, s]) => s), JSON.stringify(rows));
  const em = await page.$$eval('[data-testid="ov-emerging"]', (ls) => ls.map((l) => l.dataset.id));
  check('emerging topics listed', em.includes('account_security'), JSON.stringify(em));
  await shot('overview');

  // Select October: the other months stay, October is highlighted, the baseline is September.
  await page.click('[data-testid="line-point"][data-start="2026-10-01"]');
  await ready('overview-compare', 'vs_from=2026-09-01');
  const h = await hash();
  check('period click filters the dates', h.includes('from=2026-10-01') && h.includes('to=2026-10-31'), h);
  check('period context kept', (await count('[data-testid="line-point"]')) === points, 'points changed');
  check('period highlighted', (await page.getAttribute('[data-testid="line-point"][data-start="2026-10-01"]', 'data-selected')) === 'true', 'not selected');
  info.october = await page.textContent('[data-testid="overview-periods"]');
  await shot('overview-october');
}

async function compare() {
  await page.click('[data-testid="overview-to-compare"]');
  await ready('compare-report', 'vs_from=2026-09-01');
  check('compare: one click from the overview', (await hash()).includes('view=compare'), await hash());
  const key = await page.getAttribute('[data-testid="compare-report"]', 'data-key');
  const d = await apiJson(key);
  const rows = await page.$$eval('[data-testid="decomp-row"]', (gs) => gs.map((g) => Number(g.dataset.total)));
  check('decomposition bars drawn', rows.length > 0, 'none');
  const sum = (d.decomposition.rows || []).reduce((s, r) => s + r.total, 0);
  check('decomposition adds up to the change', Math.abs(sum - d.decomposition.change) < 0.05, `${sum} vs ${d.decomposition.change}`);
  check('change shows interval and significance', /95% CI \[/.test(await page.textContent('[data-testid="cmp-nps"]')), await page.textContent('[data-testid="cmp-nps"]'));
  info.compare = { change: d.nps.change, significant: d.nps.significant, rising: (d.rising || []).map((m) => m.id), falling: (d.falling || []).map((m) => m.id) };
  check('rising/falling rendered as reported', (await count('[data-testid="rising-item"]')) === (d.rising || []).length && (await count('[data-testid="falling-item"]')) === (d.falling || []).length, 'counts differ');
  await shot('compare');
  await page.click('[data-testid="compare-mode-segment"]');
  await page.waitForFunction(() => document.querySelectorAll('#cmp-segment option').length > 2);
  const [a, b] = await page.$eval('#cmp-segment', (s) => Array.from(s.options).map((o) => o.value).filter((v) => v.startsWith('region=')));
  await page.selectOption('#cmp-segment', a);
  await ready('compare-report', new URLSearchParams({ segment: a }).toString());
  await page.selectOption('#cmp-vs-segment', b);
  await ready('compare-report', new URLSearchParams({ vs_segment: b }).toString());
  const sides = await page.textContent('[data-testid="compare-sides"]');
  check('segment vs segment', sides.includes(`A: ${a}`) && sides.includes(`B: ${b}`), sides);
  check('segment vs segment: decomposition', (await count('[data-testid="decomp-row"]')) > 0, 'none');
}

async function segments() {
  await page.click('[data-testid="clear-filters"]');
  await page.click('[data-testid="view-segments"]');
  await ready('segments-table', 'by=region');
  const key = await page.getAttribute('[data-testid="segments-table"]', 'data-key');
  const d = await apiJson(key);
  const shown = await page.$$eval('[data-testid="segment-row"]', (rs) => rs.map((r) => r.dataset.value));
  check('segments: every region, in the report order (worst first)', shown.length > 3 && JSON.stringify(shown) === JSON.stringify(d.segments.map((s) => s.value)), JSON.stringify(shown));
  check('segments: intervals and drivers', (await count('[data-testid="segment-driver"]')) > 0 && /\[/.test(await page.textContent('[data-testid="segment-row"]')), 'missing');
  info.worst_region = shown[0];
  await shot('segments');
  await page.click('[data-testid="segment-row"] [data-testid="segment-open"]');
  await ready('drivers-chart', 'attrs=region');
  const h = await hash();
  check('segment click: its drivers, filtered in the URL', h.includes('view=reports') && h.includes(`attrs=region=${shown[0]}`), h);
  check('attribute filter shown in the sidebar', (await page.inputValue('[data-testid="filter-attr-region"]')) === shown[0], 'select not set');
  await page.selectOption('[data-testid="filter-attr-region"]', '');
  await page.waitForFunction(() => !window.location.hash.includes('attrs='));
}

async function discover() {
  await page.click('[data-testid="view-discover"]');
  await ready('discover-list', 'v1/reports/discover', 60000);
  const n = await count('[data-testid="cluster"]');
  info.clusters = n;
  check('discover: clusters listed', n > 0, 'no cluster');
  check('discover: terms and stats', (await page.textContent('[data-testid="cluster-terms"]')).trim().length > 0, 'no terms');
  await page.click('[data-testid="cluster"] >> nth=0 >> [data-testid="copy-topic"]');
  await page.waitForSelector('[data-testid="topic-toml"]');
  const toml = await page.inputValue('[data-testid="topic-toml"]');
  check('copy as topic: the [[topic]] block shown', toml.includes('[[topic]]'), toml.slice(0, 80));
  const clip = await page.evaluate(() => navigator.clipboard.readText().catch((e) => `refused: ${e}`));
  check('copy as topic: on the clipboard', clip.includes('[[topic]]'), clip.slice(0, 80));
  await page.click('[data-testid="cluster"] >> nth=0 >> [data-testid="cluster-drill"]');
  await page.waitForFunction(() => { const c = document.querySelectorAll('[data-testid="cluster-comment"]'); return c.length > 0 && Array.from(c).every((b) => b.textContent && b.textContent !== 'Loading…'); }, null, { timeout: 10000 });
  check('discover: drill-down to the comments', (await count('[data-testid="cluster-comment"]')) > 0, 'none');
  await shot('discover', false);
}

async function accessibility() {
  for (const view of ['overview', 'compare', 'segments', 'discover', 'search', 'reports']) {
    await page.click(`[data-testid="view-${view}"]`);
    await page.waitForTimeout(400);
    const bad = await page.evaluate(a11yLabels);
    check(`a11y: every control labelled (${view})`, bad.length === 0, bad.join(', '));
    const low = await page.evaluate(a11yContrast);
    check(`a11y: text contrast ≥ 4.5:1 (${view})`, low.length === 0, low.slice(0, 5).join(' | '));
  }
  // Skip link, focus trap and return (a fresh document, so Tab starts at the top).
  await page.goto('about:blank');
  await page.goto(`${BASE}/#view=search`, { waitUntil: 'domcontentloaded' });
  await ready('search-view', 'v1/search');
  await page.keyboard.press('Tab');
  check('a11y: skip link first', (await page.evaluate(() => document.activeElement.id)) === 'skip-link', await page.evaluate(() => document.activeElement.id));
  await page.keyboard.press('Enter');
  check('a11y: skip link reaches the results', (await page.evaluate(() => document.activeElement.id)) === 'main', await page.evaluate(() => document.activeElement.id));
  const hit = page.locator('[data-testid="hit"]').first(); const id = await hit.getAttribute('data-id');
  await hit.focus(); await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="detail-panel"]', { state: 'visible' });
  for (let i = 0; i < 6; i++) await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
  check('a11y: focus stays in the dialog', await page.evaluate(() => document.getElementById('detail').contains(document.activeElement)), 'focus left');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="detail-panel"]', { state: 'hidden' });
  await page.waitForTimeout(150);
  check('a11y: Escape returns focus to the opener', await page.evaluate((i) => document.activeElement && document.activeElement.dataset.id === i, id), await page.evaluate(() => document.activeElement.outerHTML.slice(0, 80)));
  // From after To.
  await page.fill('[data-testid="filter-from"]', '2026-10-10'); await page.dispatchEvent('[data-testid="filter-from"]', 'change');
  await page.fill('[data-testid="filter-to"]', '2026-10-01'); await page.dispatchEvent('[data-testid="filter-to"]', 'change');
  await page.waitForFunction(() => document.querySelector('[data-testid="date-msg"]').textContent.length > 0);
  check('From > To says so', /after/.test(await page.textContent('[data-testid="results-total"]')), await page.textContent('[data-testid="results-total"]'));
  await page.click('[data-testid="view-overview"]');
  // The view changes with the hashchange event after the click returns: wait for its notice.
  await page.waitForFunction(() => /after/.test((document.querySelector('[data-testid="date-notice"]') || {}).textContent || ''), null, { timeout: 5000 }).catch(() => {});
  check('From > To says so on the other views', /after/.test(await page.textContent('[data-testid="date-notice"]')), 'no notice');
  await page.click('[data-testid="clear-filters"]');
}

async function languages() {
  await page.goto(`${BASE}/#view=reports`, { waitUntil: 'domcontentloaded' });
  await ready('summary-body', 'v1/reports/summary');
  await page.click('[data-testid="lang-toggle"]');
  check('zh: overview tab', (await page.textContent('[data-testid="view-overview"]')) === '总览', await page.textContent('[data-testid="view-overview"]'));
  const english = await page.$$eval('[data-i18n]', (ns) => ns.filter((n) => n.offsetParent !== null && n.textContent.trim() && !/[\u4e00-\u9fff]/.test(n.textContent)).map((n) => n.textContent.trim()));
  check('zh: every visible label translated', english.length === 0, JSON.stringify(english));
  const caption = await page.textContent('[data-testid="summary-by-attrs.region"] caption');
  check('zh: attribute names translated (按地区, not 按 region)', caption === '按地区', caption);
  await page.click('[data-testid="lang-toggle"]');
  check('zh-Hant: a third UI language', (await page.textContent('[data-testid="view-overview"]')) === '總覽' && (await page.getAttribute('html', 'lang')) === 'zh-Hant', await page.textContent('[data-testid="view-overview"]'));
  check('zh-Hant: the button does not wrap', (await page.textContent('[data-testid="lang-toggle"]')) === 'English', 'label');
  // No Simplified-only character left in the Traditional UI's labels (topic names included).
  const simplified = new Set(fs.readFileSync(new URL('../../src/text/data/s_only.txt', import.meta.url), 'utf8').replace(/\s/g, ''));
  const labels = await page.$$eval('[data-i18n], .tabs a, .card h2, .driver .label, .tbl th, .opt .name', (ns) => ns.map((n) => n.textContent).join(''));
  const left = Array.from(new Set(Array.from(labels).filter((c) => simplified.has(c))));
  check('zh-Hant: no Simplified-only characters in the labels', left.length === 0, left.join(''));
  await shot('reports-zh-hant');
  await page.click('[data-testid="lang-toggle"]');
}

async function mobile() {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('about:blank');
  await page.goto(`${BASE}/#view=search`, { waitUntil: 'domcontentloaded' });
  await ready('search-view', 'v1/search');
  check('390 px: filters folded', (await page.getAttribute('[data-testid="filters-toggle"]', 'aria-expanded')) === 'false', 'expanded');
  const top = await page.$eval('[data-testid="hit"]', (n) => n.getBoundingClientRect().top);
  check('390 px: results start in the first screen', top < 844 - 60, top);
  const lines = await page.$eval('[data-testid="lang-toggle"]', (b) => { const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length; });
  check('390 px: language button on one line', lines === 1, lines);
  await shot('mobile-search', false);
  await page.click('[data-testid="view-overview"]');
  await ready('overview-trend', 'v1/reports/trends');
  await ready('overview-drivers', 'v1/reports/drivers');
  const small = await page.$$eval('#view-overview svg text', (ts) => ts.map((tx) => parseFloat(getComputedStyle(tx).fontSize) * tx.getScreenCTM().a).filter((px) => px < 10.99));
  check('390 px: chart text ≥ 11 px (overview)', small.length === 0, JSON.stringify(small.slice(0, 5)));
  await shot('mobile-overview', false);
  await page.click('[data-testid="view-reports"]');
  await ready('drivers-chart', 'v1/reports/drivers');
  await ready('trends-chart', 'v1/reports/trends');
  const small2 = await page.$$eval('#view-reports svg text', (ts) => ts.map((tx) => parseFloat(getComputedStyle(tx).fontSize) * tx.getScreenCTM().a).filter((px) => px < 10.99));
  check('390 px: chart text ≥ 11 px (reports)', small2.length === 0, JSON.stringify(small2.slice(0, 5)));
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(`CSP: ${m.text()}`); });
  for (const step of [overview, compare, segments, discover, accessibility, languages, mobile]) {
    const s0 = Date.now();
    await step();
    info[`${step.name}_s`] = +((Date.now() - s0) / 1000).toFixed(1);
  }
  check('no JavaScript errors or CSP violations', errors.length === 0, errors.join(' | '));
}

main().then(async () => { clearTimeout(watchdog); await browser.close(); finish(0); }).catch(async (e) => {
  clearTimeout(watchdog);
  if (page) await shot('views-failure').catch(() => {});
  if (browser) await browser.close().catch(() => {});
  finish(1, e instanceof CheckFailed ? e.message : String(e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : e));
});
