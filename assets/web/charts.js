// Verbatim page: chart and card helpers shared by the overview, compare, segments and discover
// views. In: the kit app.js hands every view (DOM and format helpers). Out: SVG and card
// elements. Charts are drawn at the container's pixel width (viewBox = pixels), so their text
// stays at its CSS size (≥ 11 px) on a 390 px phone instead of being scaled down.
'use strict';
window.VerbatimCharts = function charts(kit) {
  const { el, svg, t, num, fmt, fmtSigned, pct } = kit;

  // The metrics of compare and segments: NPS in points, CSAT as a share, sentiment in [-1, 1].
  const METRICS = {
    nps: { label: () => t('nps'), value: (v) => fmtSigned(v, 1), delta: (v) => fmtSigned(v, 1), unit: () => t('points') },
    csat: { label: () => t('csat'), value: (v) => pct(v), delta: (v) => (num(v) === null ? '—' : `${fmtSigned(v * 100, 1)} ${t('pp')}`), unit: () => '' },
    sentiment: { label: () => t('mean_score'), value: (v) => fmtSigned(v, 2), delta: (v) => fmtSigned(v, 2), unit: () => '' },
  };

  function width(node, fallback) {
    const w = node && node.clientWidth;
    return Math.max(300, Math.min(1000, w > 0 ? w - 4 : fallback || 720));
  }

  function sigBadge(ch) {
    if (!ch || num(ch.change) === null) return el('span', { class: 'sig-badge none', text: t('no_data_short') });
    const dir = ch.change > 0 ? 'up' : ch.change < 0 ? 'down' : 'flat';
    return el('span', {
      class: `sig-badge ${ch.significant ? `sig ${dir}` : 'nonsig'}`, 'data-testid': 'sig-badge', 'data-significant': String(!!ch.significant),
      title: ch.p != null ? `p=${Number(ch.p).toPrecision(2)}` : null,
    }, ch.significant ? t('significant') : t('not_significant'));
  }

  // A headline card: A's value, the change against B with its 95% interval, and significance.
  function changeCard(metric, ch, testid) {
    const m = METRICS[metric];
    const ci = ch && Array.isArray(ch.ci95) ? ch.ci95 : null;
    return el('div', { class: 'change-card', 'data-testid': testid, 'data-metric': metric, 'data-change': ch && num(ch.change) !== null ? String(ch.change) : '' },
      el('div', { class: 'kpi-label', text: m.label() }),
      el('div', { class: 'kpi-value', 'data-testid': `${testid}-value`, text: ch ? m.value(ch.a) : '—' }),
      el('div', { class: 'change-line' },
        el('span', { class: `delta ${ch && ch.change < 0 ? 'down' : 'up'}`, text: ch ? `${m.delta(ch.change)} ${t('vs')} ${m.value(ch.b)}` : '—' }),
        ' ', sigBadge(ch)),
      el('div', { class: 'kpi-sub dim', text: ci ? `${t('ci95')} [${m.delta(ci[0])}, ${m.delta(ci[1])}] · n ${kit.fmtInt(ch.n_a)} / ${kit.fmtInt(ch.n_b)}` : '' }));
  }

  // A line of values per period with a 95% band; `points` = [{label, v, lo, hi, selected, onClick, title}].
  function lineChart(points, opts) {
    const W = opts.width; const H = opts.height || 220; const L = 48; const R = 12; const T = 14; const B = 30;
    const vals = points.flatMap((p) => [p.v, p.lo, p.hi]).filter((v) => num(v) !== null);
    let lo = Math.min(0, ...vals); let hi = Math.max(0, ...vals);
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.06; lo -= pad; hi += pad;
    const step = (W - L - R) / Math.max(1, points.length);
    const X = (i) => L + step * (i + 0.5);
    const Y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'line-chart', role: 'img', 'aria-label': opts.label, 'data-testid': opts.testid });
    for (const tk of kit.niceTicks(lo, hi, 4)) {
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: Y(tk), y2: Y(tk), class: tk === 0 ? 'zero' : 'grid' }));
      root.appendChild(svg('text', { x: L - 6, y: Y(tk) + 4, 'text-anchor': 'end', class: 'tick' }, opts.tick(tk)));
    }
    points.forEach((p, i) => {
      if (p.selected) root.appendChild(svg('rect', { x: X(i) - step / 2, y: T, width: step, height: H - T - B, class: 'sel-band' }));
    });
    const band = points.map((p, i) => (num(p.lo) === null ? null : [X(i), Y(p.hi), Y(p.lo)])).filter(Boolean);
    if (band.length > 1) {
      const d = `M${band.map((b) => `${b[0]},${b[1]}`).join(' L')} L${band.slice().reverse().map((b) => `${b[0]},${b[2]}`).join(' L')} Z`;
      root.appendChild(svg('path', { d, class: 'ci-band' }));
    }
    const line = points.map((p, i) => (num(p.v) === null ? null : `${X(i)},${Y(p.v)}`)).filter(Boolean);
    root.appendChild(svg('polyline', { points: line.join(' '), class: 'value-line' }));
    const every = Math.ceil(points.length / Math.max(2, Math.floor((W - L - R) / 64)));
    points.forEach((p, i) => {
      const g = svg('g', {
        class: `pt${p.selected ? ' selected' : ''}`, 'data-testid': 'line-point', 'data-start': p.key, 'data-selected': String(!!p.selected),
        tabindex: p.onClick ? '0' : null, role: p.onClick ? 'button' : null, 'aria-label': p.title.replace(/\n/g, ', '),
      }, svg('title', {}, p.title),
      svg('rect', { x: X(i) - step / 2, y: T, width: step, height: H - T - B, class: 'hit-area' }),
      num(p.lo) !== null ? svg('line', { x1: X(i), x2: X(i), y1: Y(p.lo), y2: Y(p.hi), class: 'ci-whisker' }) : null,
      num(p.v) !== null ? svg('circle', { cx: X(i), cy: Y(p.v), r: p.selected ? 5 : 3.5, class: 'dot' }) : null);
      if (p.onClick) {
        g.addEventListener('click', p.onClick);
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); p.onClick(); } });
      }
      root.appendChild(g);
      if (i % every === 0 || p.selected) root.appendChild(svg('text', { x: X(i), y: H - B + 16, 'text-anchor': 'middle', class: `tick${p.selected ? ' strong' : ''}` }, p.label));
    });
    return root;
  }

  // Horizontal bars around zero; rows = [{label, sub, parts: [{v, cls}], total, lo, hi, title, onClick, attrs}].
  function barChart(rows, opts) {
    const W = opts.width; const narrow = W < 560;
    const labelW = narrow ? Math.round(W * 0.38) : 220; const valW = 64; const rowH = opts.rowH || 26; const top = 20;
    const plotW = W - labelW - valW - 8; const H = top + rows.length * rowH + 6;
    let lo = 0; let hi = 0;
    for (const r of rows) {
      let pos = 0; let neg = 0;
      for (const p of r.parts) { if (p.v > 0) pos += p.v; else neg += p.v; }
      lo = Math.min(lo, neg, num(r.lo) ?? 0, num(r.total) ?? 0); hi = Math.max(hi, pos, num(r.hi) ?? 0, num(r.total) ?? 0);
    }
    const pad = (hi - lo) * 0.05 || 0.5; lo -= pad; hi += pad;
    const X = (v) => labelW + ((v - lo) / (hi - lo)) * plotW;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'bar-chart', role: 'img', 'aria-label': opts.label, 'data-testid': opts.testid });
    for (const tk of kit.niceTicks(lo, hi, narrow ? 3 : 5)) {
      root.appendChild(svg('line', { x1: X(tk), x2: X(tk), y1: top - 4, y2: H - 4, class: tk === 0 ? 'zero' : 'grid' }));
      root.appendChild(svg('text', { x: X(tk), y: 12, class: 'tick', 'text-anchor': 'middle' }, opts.tick(tk)));
    }
    rows.forEach((r, i) => {
      const y = top + i * rowH; const cy = y + rowH / 2;
      const parts = []; let pos = 0; let neg = 0;
      const h = r.parts.length > 1 ? (rowH - 8) / r.parts.length : rowH - 10;
      r.parts.forEach((p, k) => {
        const y0 = r.stack ? y + 5 : y + 4 + k * h;
        const from = r.stack ? (p.v >= 0 ? pos : neg) : 0; const to = from + p.v;
        if (r.stack) { if (p.v >= 0) pos = to; else neg = to; }
        parts.push(svg('rect', { x: Math.min(X(from), X(to)), y: y0, width: Math.max(1, Math.abs(X(to) - X(from))), height: r.stack ? rowH - 10 : h, class: `bar ${p.cls}`, rx: 1.5 }));
      });
      const g = svg('g', { class: `brow${r.onClick ? ' clickable' : ''} ${r.cls || ''}`, tabindex: r.onClick ? '0' : null, role: r.onClick ? 'button' : null, 'aria-label': r.title.replace(/\n/g, ', '), ...(r.attrs || {}) },
        svg('title', {}, r.title),
        svg('rect', { x: 0, y, width: W, height: rowH, class: 'hover' }),
        svg('text', { x: labelW - 6, y: cy + 4, 'text-anchor': 'end', class: `label${r.sub ? ' sub' : ''}` }, kit.truncate(r.label, narrow ? 16 : 30)),
        parts,
        num(r.lo) !== null ? [svg('line', { x1: X(r.lo), x2: X(r.hi), y1: cy, y2: cy, class: 'whisker' }),
          svg('line', { x1: X(r.lo), x2: X(r.lo), y1: cy - 4, y2: cy + 4, class: 'whisker' }),
          svg('line', { x1: X(r.hi), x2: X(r.hi), y1: cy - 4, y2: cy + 4, class: 'whisker' })] : null,
        num(r.total) !== null && r.parts.length > 1 ? svg('line', { x1: X(r.total), x2: X(r.total), y1: y + 2, y2: y + rowH - 2, class: 'total-mark' }) : null,
        svg('text', { x: W - valW + 4, y: cy + 4, class: 'val' }, opts.tick(num(r.total) ?? r.parts[0].v)));
      if (r.onClick) {
        g.addEventListener('click', r.onClick);
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); r.onClick(); } });
      }
      root.appendChild(g);
    });
    return root;
  }

  // A card with a heading, an optional CSV link (the API's format=csv) and a body.
  function card(title, testid, csvHref, ...body) {
    return el('article', { class: 'card', 'data-testid': testid },
      el('header', {}, el('h2', { text: title }),
        csvHref ? el('a', { class: 'csv', href: csvHref, download: '', 'data-testid': `${testid}-csv`, text: 'CSV' }) : null),
      body);
  }

  // Wraps a region whose data is `cache[name]`: data-state/data-key for tests, errors shown.
  function region(name, testid) {
    const c = kit.cache[name];
    const st = !c ? 'idle' : c.pending ? 'loading' : c.err ? 'error' : 'ready';
    const box = el('div', { class: 'region', 'data-testid': testid, 'data-state': st, 'data-key': c ? c.key : '' });
    if (c && c.err) box.appendChild(el('p', { class: 'error-inline', text: c.err.message }));
    else if (!c || !c.data) box.appendChild(el('p', { class: 'dim', text: t('loading') }));
    return { box, data: c && c.data };
  }

  // The CSV form of a report path (another helper adds format=csv to the report routes).
  const csvOf = (path) => `${path}${path.includes('?') ? '&' : '?'}format=csv`;

  let resizeTimer = null;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(kit.renderAll, 200); });

  return { METRICS, width, sigBadge, changeCard, lineChart, barChart, card, region, csvOf, fmt };
};
