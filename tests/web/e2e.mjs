// End-to-end test of the analysts' web page in headless Chromium (playwright-core, system Chromium).
//
//   node tests/web/e2e.mjs --base http://127.0.0.1:8080 --out DIR [--xss-id ID] [--key KEY] [--chromium PATH]
//
// Expects a server over the demo corpus (zh + en). Prints one JSON line; exits 1 on a failed check.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def; };
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: node e2e.mjs --base URL --out DIR [--xss-id ID] [--key API_KEY] [--chromium PATH]');
  process.exit(0);
}
const BASE = (opt('base', process.env.VERBATIM_BASE || 'http://127.0.0.1:8080')).replace(/\/+$/, '');
const OUT = path.resolve(opt('out', process.env.VERBATIM_E2E_OUT || path.join(os.tmpdir(), 'verbatim-e2e')));
const XSS_ID = opt('xss-id', '');
const KEY = opt('key', process.env.VERBATIM_E2E_KEY || '');
const CHROMIUM = opt('chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const TOTAL_BUDGET_MS = 55_000;

const t0 = Date.now();
const checks = [];
const screenshots = [];
const info = {};
let context = null;
let page = null;
let userDataDir = null;

class CheckFailed extends Error {}
function check(name, ok, detail) {
  checks.push({ name, ok: !!ok, ...(ok ? {} : { detail: String(detail ?? '') }) });
  if (!ok) throw new CheckFailed(`${name}: ${detail ?? 'failed'}`);
}
function finish(code, error) {
  const failed = checks.filter((c) => !c.ok);
  const summary = {
    ok: code === 0, base: BASE, seconds: +((Date.now() - t0) / 1000).toFixed(1), checks: checks.length,
    passed: checks.filter((c) => c.ok).map((c) => c.name), failed, error: error || undefined, info, screenshots, out: OUT,
  };
  console.log(JSON.stringify(summary));
  if (code !== 0) console.error(`e2e FAILED: ${error || failed.map((f) => `${f.name}: ${f.detail}`).join('; ')}`);
  if (userDataDir) try { fs.rmSync(userDataDir, { recursive: true, force: true }); } catch (_) { /* ignore */ }
  process.exit(code);
}
const watchdog = setTimeout(() => finish(1, `overall time limit of ${TOTAL_BUDGET_MS / 1000}s exceeded`), TOTAL_BUDGET_MS);

async function shot(name, fullPage = true) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage, timeout: 8000 });
  screenshots.push(file);
}
const hash = () => page.evaluate(() => decodeURIComponent(window.location.hash));
const enc = (obj) => new URLSearchParams(obj).toString();

// Wait until a region (data-state on it) has rendered the request whose path contains `keyPart`.
// The state must hold for a moment: a click changes the URL hash, and the load it starts comes
// with the hashchange event, after the click returns; without the pause, the region's previous
// answer (same key part, e.g. '') would be taken and then found loading.
async function waitRegion(testid, keyPart, timeout = 10000) {
  const sel = `[data-testid="${testid}"]`;
  const deadline = Date.now() + timeout;
  let state = null;
  while (state !== 'ready' && state !== 'error') {
    try {
      await page.waitForFunction(([s, k]) => {
        const n = document.querySelector(s);
        return n && (n.dataset.state === 'ready' || n.dataset.state === 'error') && (!k || (n.dataset.key || '').includes(k));
      }, [sel, keyPart || ''], { timeout: Math.max(1, deadline - Date.now()) });
    } catch (e) {
      const st = await page.evaluate((s) => { const n = document.querySelector(s); return n ? `${n.dataset.state} ${n.dataset.key}` : 'missing'; }, sel);
      throw new CheckFailed(`${testid} did not render ${keyPart ? `a request with "${keyPart}"` : ''} in ${timeout} ms (state: ${st})`);
    }
    await page.waitForTimeout(150);
    state = await page.getAttribute(sel, 'data-state');
  }
  if (state !== 'ready' && await page.isVisible('[data-testid="key-box"]')) {
    check(`${testid} loaded`, false, `the server answered 401 and the page asks for an API key${KEY ? ' (the --key given was rejected)' : '; pass --key KEY'}`);
  }
  if (state !== 'ready') {
    const err = (await page.textContent('[data-testid="error"]').catch(() => '')) || '';
    check(`${testid} loaded`, false, `request failed: ${err.trim()}`);
  }
}
async function total() { return Number(await page.getAttribute('[data-testid="results-total"]', 'data-total')); }
async function facetCount(dim, value) {
  const s = await page.textContent(`[data-testid="facet-${dim}-${value}"] .count`).catch(() => null);
  return s === null || s === '' ? null : Number(s.replace(/[^\d]/g, ''));
}
async function search(q) {
  await page.fill('[data-testid="search-input"]', q);
  await page.click('[data-testid="search-button"]');
  await waitRegion('search-view', enc({ q }));
}
async function noXss(where) {
  const v = await page.evaluate(() => [typeof window.__xss, window.__xss]);
  check(`no script ran (${where})`, v[0] === 'undefined', `window.__xss = ${v[1]}`);
  const scripts = await page.evaluate(() => Array.from(document.querySelectorAll('script')).filter((s) => !/^(app|web\/[a-z]+)\.js$/.test(s.getAttribute('src') || '')).length);
  check(`no injected <script> element (${where})`, scripts === 0, `${scripts} extra script elements`);
  const imgs = await page.evaluate(() => document.querySelectorAll('img, iframe, object, embed').length);
  check(`no injected media elements (${where})`, imgs === 0, `${imgs} injected elements`);
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-e2e-profile-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    acceptDownloads: true,
    timeout: 15000,
  });
  page = context.pages()[0] || await context.newPage();
  info.browser = context.browser() ? context.browser().version() : await page.evaluate(() => navigator.userAgent);
  console.error(`e2e: browser ${info.browser} (${CHROMIUM})`);
  page.setDefaultTimeout(8000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`); });
  page.on('dialog', (d) => { pageErrors.push(`unexpected dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
  // Every request must stay on the page's origin (no CDN, no external fonts).
  const foreign = [];
  page.on('request', (r) => { const u = r.url(); if (!u.startsWith(BASE) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u); });

  // --- load, API key if the server needs one
  const resp = await page.goto(`${BASE}/#view=search`, { waitUntil: 'domcontentloaded', timeout: 10000 });
  check('page served', resp && resp.ok(), `GET / → ${resp && resp.status()}`);
  check('page is text/html', /text\/html/.test(resp.headers()['content-type'] || ''), resp.headers()['content-type']);
  if (KEY) {
    await page.waitForSelector('[data-testid="key-box"]', { state: 'visible', timeout: 8000 })
      .catch(() => { throw new CheckFailed('key box: --key was given but the page did not ask for a key (server answered without 401?)'); });
    check('key box shown on 401', true);
    await page.fill('[data-testid="api-key-input"]', KEY);
    await page.click('[data-testid="api-key-save"]');
    check('key stored in localStorage', await page.evaluate(() => localStorage.getItem('verbatim.apiKey') !== null), 'not stored');
  }
  await waitRegion('search-view', '');
  check('browse: hits without a query', (await page.locator('[data-testid="hit"]').count()) > 0, 'no hits for an empty query');
  check('UI defaults to English for locale en-US', (await page.textContent('[data-testid="view-search"]')).trim() === 'Search', await page.textContent('[data-testid="view-search"]'));

  // --- English search
  await search('refund');
  const enHits = await page.locator('[data-testid="hit"]').count();
  check('en search: hits', enHits > 0, 'no hits for "refund"');
  const enMarks = await page.$$eval('[data-testid="hit-snippet"] mark', (ms) => ms.map((m) => m.textContent.toLowerCase()));
  check('en search: <mark> highlighting', enMarks.some((m) => m.includes('refund')), `marks: ${JSON.stringify(enMarks.slice(0, 5))}`);
  info.en_total = await total();

  // --- Chinese search
  await search('配送');
  const zhHits = await page.locator('[data-testid="hit"]').count();
  check('zh search: hits', zhHits > 0, 'no hits for 配送');
  const zhMarks = await page.$$eval('[data-testid="hit-snippet"] mark', (ms) => ms.map((m) => m.textContent));
  check('zh search: <mark> highlighting', zhMarks.some((m) => m.includes('配送') || m.includes('配') || m.includes('送')), `marks: ${JSON.stringify(zhMarks.slice(0, 5))}`);
  check('zh search: query in URL hash', (await hash()).includes('q=配送'), await hash());
  const before = { total: await total(), topicFacets: await page.$$eval('[data-testid="filter-topic"] .count', (n) => n.map((x) => x.textContent).join(',')) };
  info.zh_total = before.total;
  await shot('search');

  // --- filter sentiment=negative: total, facets and hash change
  await page.check('[data-testid="filter-sentiment-negative"]');
  await waitRegion('search-view', 'sentiment=negative');
  const negTotal = await total();
  info.zh_negative_total = negTotal;
  check('filter: hash has sentiment=negative', (await hash()).includes('sentiment=negative'), await hash());
  check('filter: total changed', negTotal > 0 && negTotal < before.total, `before ${before.total}, after ${negTotal}`);
  const negFacet = await facetCount('sentiment', 'negative');
  check('filter: facet count matches total', negFacet === negTotal, `facet negative=${negFacet}, total=${negTotal}`);
  const afterFacets = await page.$$eval('[data-testid="filter-topic"] .count', (n) => n.map((x) => x.textContent).join(','));
  check('filter: topic facet counts updated', afterFacets !== before.topicFacets, 'topic facets unchanged');
  const labels = await page.$$eval('[data-testid="hit"] [data-testid="hit-sentiment"]', (ns) => ns.map((n) => n.dataset.label));
  check('filter: every hit is negative', labels.length > 0 && labels.every((l) => l === 'negative'), JSON.stringify(labels));

  // --- reload from the URL restores the state
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitRegion('search-view', 'sentiment=negative');
  check('reload: query restored', (await page.inputValue('[data-testid="search-input"]')) === '配送', await page.inputValue('[data-testid="search-input"]'));
  check('reload: filter restored', await page.isChecked('[data-testid="filter-sentiment-negative"]'), 'checkbox not checked');
  check('reload: same total', (await total()) === negTotal, `${await total()} vs ${negTotal}`);

  // --- detail with evidence spans (byte offsets → characters, checked against an independent Buffer-based mapping)
  const first = page.locator('[data-testid="hit"]').first();
  const id = await first.getAttribute('data-id');
  await first.click();
  await waitRegion('detail-panel', '');
  check('detail: panel visible', await page.isVisible('[data-testid="detail-panel"]'), 'hidden');
  check('detail: id in hash', (await hash()).includes(`detail=${id}`), await hash());
  const api = await page.evaluate(async ([cid, key]) => {
    const r = await fetch(`v1/comments/${encodeURIComponent(cid)}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
    return { status: r.status, body: await r.json() };
  }, [id, KEY]);
  check('GET /v1/comments/{id}', api.status === 200 && api.body && (api.body.comment || api.body.text), `status ${api.status}`);
  const cm = api.body.comment || api.body; const an = api.body.analysis || cm.analysis || {};
  const shown = await page.textContent('[data-testid="detail-text"]');
  check('detail: full text shown', shown === cm.text, `${JSON.stringify(shown)} vs ${JSON.stringify(cm.text)}`);
  const buf = Buffer.from(cm.text, 'utf8');
  const covered = new Set();
  for (const tp of an.topics || []) {
    for (const ev of tp.evidence || []) {
      const s = buf.subarray(0, ev.start).toString('utf8').length; const e = buf.subarray(0, ev.end).toString('utf8').length;
      for (let i = s; i < e; i++) covered.add(i);
    }
  }
  const expected = Array.from(cm.text).length === cm.text.length
    ? [...covered].sort((a, b) => a - b).map((i) => cm.text[i]).join('') : null;
  const marked = (await page.$$eval('[data-testid="detail-text"] mark', (ms) => ms.map((m) => m.textContent))).join('');
  if (covered.size) check('detail: evidence spans highlighted', marked.length > 0, 'no <mark> in the detail text');
  if (expected !== null) check('detail: evidence spans at the right characters', marked === expected, `marked ${JSON.stringify(marked)} expected ${JSON.stringify(expected)}`);
  await shot('detail', false);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="detail-panel"]', { state: 'hidden' });
  check('detail: closes', !(await hash()).includes('detail='), await hash());

  // --- reports (filters cleared)
  await page.click('[data-testid="clear-filters"]');
  await waitRegion('search-view', '');
  await page.click('[data-testid="view-reports"]');
  check('reports: hash has view=reports', (await hash()).includes('view=reports'), await hash());
  await page.waitForSelector('[data-testid="reports-view"]', { state: 'visible' });
  await waitRegion('drivers-chart', 'v1/reports/drivers');
  await waitRegion('pain-points', 'v1/reports/pain-points');
  await waitRegion('trends-chart', 'v1/reports/trends');
  await waitRegion('summary-body', 'v1/reports/summary');
  const bars = await page.$$eval('[data-testid="driver-bar"]', (gs) => gs.map((g) => `${g.dataset.id}${g.dataset.sentiment ? `:${g.dataset.sentiment}` : ''}`));
  info.drivers = bars.slice(0, 6);
  check('drivers: bars drawn', bars.length > 0, 'no driver bars');
  check('drivers: delivery among them', bars.some((b) => b.startsWith('delivery')), JSON.stringify(bars));
  check('drivers: CI whiskers drawn', (await page.locator('[data-testid="driver-bar"] .whisker').count()) > 0, 'no whiskers');
  const nps = (await page.textContent('[data-testid="summary-nps"]')).trim();
  info.nps = nps;
  check('summary: NPS shown', /^[+\-−]?\d+(\.\d+)?$/.test(nps), JSON.stringify(nps));
  const summaryN = Number((await page.textContent('[data-testid="summary-n"]')).replace(/[^\d]/g, ''));
  check('summary: comment count', summaryN > 0, summaryN);
  check('pain points: listed', (await page.locator('[data-testid="pain-point"]').count()) > 0, 'none');
  check('pain points: examples', (await page.locator('[data-testid="pain-example"]').count()) > 0, 'no examples');
  check('trends: periods drawn', (await page.locator('[data-testid="trend-period"]').count()) > 1, 'fewer than 2 periods');
  const emerging = await page.$$eval('[data-testid="emerging-marker"]', (gs) => gs.map((g) => g.dataset.id));
  info.emerging = emerging;
  check('trends: emerging topic account_security marked', emerging.includes('account_security'), JSON.stringify(emerging));
  check('hash still has view=reports', (await hash()).includes('view=reports'), await hash());

  // CSV download, built client-side
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 5000 }), page.click('[data-testid="csv-drivers"]')]);
  const csvPath = path.join(OUT, 'drivers.csv');
  await dl.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, '');
  check('drivers CSV: header', csv.startsWith('score,kind,id,name,sentiment,n,'), csv.slice(0, 80));
  check('drivers CSV: rows', csv.trim().split(/\r?\n/).length === bars.length + 1 && csv.includes(',delivery,'), `${csv.trim().split(/\r?\n/).length - 1} rows vs ${bars.length} bars`);
  await shot('reports');

  // A filter change updates every chart
  await page.check('[data-testid="filter-lang-en"]');
  await waitRegion('drivers-chart', 'lang=en');
  await waitRegion('pain-points', 'lang=en');
  await waitRegion('trends-chart', 'lang=en');
  await waitRegion('summary-body', 'lang=en');
  const enN = Number((await page.textContent('[data-testid="summary-n"]')).replace(/[^\d]/g, ''));
  check('reports: filter updates summary', enN > 0 && enN < summaryN, `${enN} vs ${summaryN}`);
  await page.uncheck('[data-testid="filter-lang-en"]');
  await waitRegion('drivers-chart', '');
  await page.waitForFunction(() => !document.querySelector('[data-testid="drivers-chart"]').dataset.key.includes('lang=en'));
  await waitRegion('drivers-chart', '');

  // --- language toggle (on the reports view, so topic names switch too)
  const enLabel = await page.textContent('[data-testid="driver-bar"][data-id="delivery"] .label');
  await page.click('[data-testid="lang-toggle"]');
  check('lang toggle: html lang zh', (await page.getAttribute('html', 'lang')) === 'zh-CN', await page.getAttribute('html', 'lang'));
  check('lang toggle: Chinese labels', (await page.textContent('[data-testid="view-search"]')).trim() === '搜索', await page.textContent('[data-testid="view-search"]'));
  const zhLabel = await page.textContent('[data-testid="driver-bar"][data-id="delivery"] .label');
  check('lang toggle: topic names in Chinese', zhLabel !== enLabel && /[\u4e00-\u9fff]/.test(zhLabel), `${enLabel} → ${zhLabel}`);
  await shot('reports-zh');
  await page.click('[data-testid="lang-toggle"]'); // zh-Hant
  await page.click('[data-testid="lang-toggle"]');
  check('lang toggle: back to English', (await page.textContent('[data-testid="view-search"]')).trim() === 'Search', await page.textContent('[data-testid="view-search"]'));

  // --- a driver opens search filtered to it
  await page.click('[data-testid="driver-bar"][data-id="delivery"]');
  await waitRegion('search-view', 'topic=delivery');
  const h = await hash();
  check('driver click: search view filtered to the driver', h.includes('topic=delivery') && !h.includes('view=reports'), h);
  check('driver click: hits', (await page.locator('[data-testid="hit"]').count()) > 0, 'no hits');
  check('driver click: hits mention the topic', (await page.locator('[data-testid="hit"]').first().locator('[data-testid="hit-topic"][data-id="delivery"]').count()) > 0, 'first hit has no delivery chip');

  // --- XSS: crafted API answers (always) and an ingested comment (with --xss-id)
  const evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> 配送很慢';
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const evilHit = {
    id: 'xss-probe"><img src=x onerror=window.__xss=3>', text: evil,
    snippet: `${esc('<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> ')}<mark>配送</mark>很慢<img src=x onerror="window.__xss=4">`,
    analysis: {
      lang: '<b onmouseover=window.__xss=5>zh</b>', sentiment: { label: 'negative', score: -0.9, probs: { negative: 0.9, neutral: 0.05, positive: 0.05 } },
      topics: [{ id: '<img src=x onerror=window.__xss=6>', name: '<img src=x onerror=window.__xss=7>', confidence: 0.9, sentiment: 'negative', evidence: [{ start: 0, end: 8 }] }],
      keywords: [{ term: '<img src=x onerror=window.__xss=8>', weight: 1 }],
    },
    created_at: '2026-10-30', nps: 1, csat: 1, channel: '<img src=x onerror=window.__xss=9>', customer_id: '<script>window.__xss=10</script>',
    attrs: { '<img src=x onerror=window.__xss=11>': '<img src=x onerror=window.__xss=12>' },
  };
  await page.route(/\/v1\/search\?.*q=xss-probe/, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ total: 1, hits: [evilHit], facets: { sentiment: { negative: 1 }, topic: { [evilHit.analysis.topics[0].id]: 1 }, lang: {}, channel: { [evilHit.channel]: 1 } } }) }));
  await page.route(/\/v1\/comments\/xss-probe/, (r) => { const { snippet, analysis, ...comment } = evilHit; return r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ comment, analysis }) }); });
  await page.click('[data-testid="clear-filters"]');
  await search('xss-probe');
  check('xss (crafted): hit shown', (await page.locator('[data-testid="hit"]').count()) === 1, 'hit missing');
  check('xss (crafted): snippet keeps only <mark>', (await page.$$eval('[data-testid="hit-snippet"] *', (ns) => ns.map((n) => n.nodeName))).every((n) => n === 'MARK'), 'other elements in snippet');
  check('xss (crafted): snippet shows the tags as text', (await page.textContent('[data-testid="hit-snippet"]')).includes('<script>window.__xss=1</script>'), await page.textContent('[data-testid="hit-snippet"]'));
  await page.locator('[data-testid="hit"]').first().click();
  await waitRegion('detail-panel', '');
  check('xss (crafted): detail text literal', (await page.textContent('[data-testid="detail-text"]')) === evil, await page.textContent('[data-testid="detail-text"]'));
  await page.waitForTimeout(200); // let any injected <img onerror> fire
  await noXss('crafted API answers');
  await page.keyboard.press('Escape');
  await page.unroute(/\/v1\/search\?.*q=xss-probe/);
  await page.unroute(/\/v1\/comments\/xss-probe/);

  if (XSS_ID) {
    await page.goto(`${BASE}/#${enc({ view: 'search', q: 'script', detail: XSS_ID })}`, { waitUntil: 'domcontentloaded' });
    await waitRegion('detail-panel', '');
    const txt = await page.textContent('[data-testid="detail-text"]');
    check('xss (ingested): detail shows the text literally', txt.includes('<script>') && txt.includes('</script>'), JSON.stringify(txt));
    await waitRegion('search-view', 'q=script');
    const hit = page.locator(`[data-testid="hit"][data-id="${XSS_ID.replace(/"/g, '\\"')}"]`);
    check('xss (ingested): found by searching "script"', (await hit.count()) === 1, `no hit with id ${XSS_ID}`);
    check('xss (ingested): snippet shows <script> as text', (await hit.locator('[data-testid="hit-snippet"]').textContent()).includes('<script>'), await hit.locator('[data-testid="hit-snippet"]').textContent());
    await page.waitForTimeout(200);
    await noXss('ingested comment');
    await shot('xss', false);
  }

  check('no JavaScript errors or CSP violations on the page', pageErrors.length === 0, pageErrors.join(' | '));
  check('no requests off the page origin', foreign.length === 0, foreign.slice(0, 3).join(' '));
}

main().then(async () => {
  clearTimeout(watchdog);
  await context.close().catch(() => {});
  finish(0);
}).catch(async (e) => {
  clearTimeout(watchdog);
  const msg = e instanceof CheckFailed ? e.message : `${e && e.name}: ${e && e.message ? e.message.split('\n')[0] : e}`;
  if (page) { try { await shot('failure'); } catch (_) { /* ignore */ } }
  if (context) await context.close().catch(() => {});
  finish(1, msg);
});
