// Verbatim page: the landing overview. In: the sidebar filters and the hash keys `oi` (period
// length) and `score`. Out: headline NPS, CSAT and sentiment of the latest period (or the one
// selected) against the period before, with 95% intervals and significance (/v1/reports/compare);
// the score per period as a line with the trend's 95% intervals (one trends call); the top
// drivers in NPS points, grouped by topic; the emerging topics; and the compare view one click
// away. A selected period keeps its
// neighbours on the line: the trend ignores the date filter and highlights the selection.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function overview(kit) {
  const { el, t, num, fmtSigned, pct, fmtInt } = kit;
  const C = () => kit.charts || (kit.charts = window.VerbatimCharts(kit));

  // The last day of the period starting on `start` (YYYY-MM-DD), UTC.
  function periodEnd(start, interval) {
    const d = new Date(`${start}T00:00:00Z`);
    if (interval === 'month') { d.setUTCMonth(d.getUTCMonth() + 1); d.setUTCDate(0); } else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 6);
    return d.toISOString().slice(0, 10);
  }
  function periodLabel(start, interval) { return interval === 'month' ? start.slice(0, 7) : start.slice(5); }

  function withParams(base, extra, dropDates) {
    const p = kit.filterParams(kit.state());
    if (dropDates) { p.delete('from'); p.delete('to'); }
    for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
    return `${base}?${p}`;
  }
  // The selected period (from/to equal to one of the trend's periods) and the one before it.
  function selection(s, trends) {
    const ps = (trends && trends.periods) || [];
    const i = ps.findIndex((p) => p.start === s.from && periodEnd(p.start, s.oi) === s.to);
    return { index: i, prev: i > 0 ? ps[i - 1] : null };
  }
  function comparePath() {
    const s = kit.state(); const tr = kit.cache.ov_trends && kit.cache.ov_trends.data;
    const { prev } = selection(s, tr);
    const extra = { score: s.score, interval: s.oi };
    if (prev) Object.assign(extra, { vs_from: prev.start, vs_to: periodEnd(prev.start, s.oi) });
    return withParams('v1/reports/compare', extra);
  }
  function paths() {
    const s = kit.state();
    return {
      facets: kit.facetsPath(),
      ov_trends: withParams('v1/reports/trends', { interval: s.oi, score: s.score }, true),
      ov_compare: comparePath(),
      ov_drivers: withParams('v1/reports/drivers', { score: s.score, by: 'topic', limit: '60' }),
    };
  }

  // The period's 95% interval of the score, as the trends report gives it.
  function interval(score, p) {
    const ci = score === 'csat' ? p.csat_ci95 : p.nps_ci95;
    return Array.isArray(ci) && num(ci[0]) !== null && num(ci[1]) !== null ? ci : null;
  }

  function renderLine(box) {
    const s = kit.state(); const r = C().region('ov_trends', 'overview-trend');
    box.appendChild(r.box);
    if (!r.data) return;
    const ps = r.data.periods || [];
    if (!ps.length) { r.box.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    const sel = selection(s, r.data);
    const points = ps.map((p, i) => {
      const ci = interval(s.score, p);
      const v = s.score === 'csat' ? p.csat : p.nps;
      const end = periodEnd(p.start, s.oi);
      return {
        key: p.start, label: periodLabel(p.start, s.oi), v, lo: ci && ci[0], hi: ci && ci[1], selected: i === sel.index,
        title: `${p.start} – ${end}\n${s.score === 'csat' ? `CSAT ${pct(v)}` : `NPS ${fmtSigned(v, 1)}`}${ci ? ` [${C().METRICS[s.score].value(ci[0])}, ${C().METRICS[s.score].value(ci[1])}]` : ''}\nn=${fmtInt(p.n)}`,
        onClick: () => kit.setState(i === sel.index ? { from: '', to: '' } : { from: p.start, to: end }),
      };
    });
    const w = C().width(box.closest('.view'), 720) - 36;
    r.box.appendChild(C().lineChart(points, {
      width: w, label: t('score_over_time', s.score.toUpperCase()), testid: 'overview-line',
      tick: (v) => (s.score === 'csat' ? pct(v, 0) : fmtSigned(v, 0)),
    }));
    r.box.appendChild(el('p', { class: 'hint', text: sel.index >= 0 ? t('period_selected') : t('click_period') }));
  }

  // Drivers in NPS points (mean-score impact in the tooltip); each topic followed by its sentiment rows.
  function driversChart(d, box, limitTopics) {
    const nps = d.score === 'nps';
    const val = (x) => (nps && num(x.nps_impact) !== null ? x.nps_impact : x.impact);
    const ci = (x) => (nps && Array.isArray(x.nps_ci95) ? x.nps_ci95 : x.ci95 || [null, null]);
    const all = (d.drivers || []).filter((x) => x.kind === 'topic' && num(val(x)) !== null);
    const tops = all.filter((x) => !x.sentiment).sort((a, b) => Math.abs(val(b)) - Math.abs(val(a))).slice(0, limitTopics);
    const rows = [];
    for (const top of tops) {
      for (const x of [top, ...all.filter((y) => y.id === top.id && y.sentiment)]) {
        rows.push({
          label: x.sentiment ? `· ${t(x.sentiment)}` : kit.topicName(x.id), sub: !!x.sentiment,
          parts: [{ v: val(x), cls: `${x.significant ? 'sig' : 'nonsig'} ${val(x) < 0 ? 'neg' : 'pos'}` }], lo: ci(x)[0], hi: ci(x)[1],
          cls: x.sentiment ? 'subrow' : 'toprow',
          attrs: { 'data-testid': 'ov-driver', 'data-id': x.id, 'data-sentiment': x.sentiment || '', 'data-significant': String(!!x.significant) },
          title: [kit.driverLabel(x), `n=${fmtInt(x.n)}`, nps ? `${t('nps_points')} ${fmtSigned(x.nps_impact, 1)}` : null,
            `${t('mean_impact')} ${fmtSigned(x.impact, 3)} [${kit.fmt((x.ci95 || [])[0], 3)}, ${kit.fmt((x.ci95 || [])[1], 3)}]`,
            x.q != null ? `q=${Number(x.q).toPrecision(2)}` : null, x.significant ? t('significant') : t('not_significant')].filter(Boolean).join('\n'),
          onClick: () => kit.goSearch({ topic: x.sentiment ? `${x.id}:${x.sentiment}` : x.id }),
        });
      }
    }
    if (!rows.length) { box.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    box.appendChild(C().barChart(rows, {
      width: C().width(box.closest('.card') || box, 600) - 34, label: t('h_drivers'), testid: 'drivers-nps-chart',
      tick: (v) => (nps ? fmtSigned(v, 1) : fmtSigned(v, 2)),
    }));
    box.appendChild(el('p', { class: 'hint', text: nps ? t('drivers_nps_hint') : t('drivers_hint') }));
  }
  kit.driversChart = driversChart;

  function renderHead(box) {
    // Once the periods are known, the compare's baseline is the period before the selected one.
    const want = comparePath();
    if (kit.cache.ov_compare && kit.cache.ov_compare.key !== want) Promise.resolve().then(() => kit.load('ov_compare', want, kit.renderAll));
    const r = C().region('ov_compare', 'overview-compare');
    box.appendChild(r.box);
    if (!r.data) return;
    const d = r.data;
    const span = (x) => (x.from || x.to ? `${x.from || '…'} – ${x.to || '…'}` : t('all'));
    r.box.appendChild(el('p', { class: 'period-line', 'data-testid': 'overview-periods' },
      el('strong', { text: span(d.a) }), ` ${t('vs')} ${span(d.b)}`));
    r.box.appendChild(el('div', { class: 'change-cards' },
      C().changeCard('nps', d.nps, 'ov-nps'), C().changeCard('csat', d.csat, 'ov-csat'), C().changeCard('sentiment', d.sentiment, 'ov-sentiment')));
    r.box.appendChild(el('button', {
      type: 'button', class: 'primary', 'data-testid': 'overview-to-compare',
      onclick: () => kit.setState({ view: 'compare', cmp: 'period', from: d.a.from || '', to: d.a.to || '', vs_from: d.b.from || '', vs_to: d.b.to || '' }),
    }, t('why_changed')));
  }

  function renderEmerging(box) {
    const r = kit.cache.ov_trends && kit.cache.ov_trends.data;
    const em = (r && r.emerging) || [];
    if (!em.length) { box.appendChild(el('p', { class: 'dim', text: r ? t('none_emerging') : t('loading') })); return; }
    box.appendChild(el('ul', { class: 'emerging-list' }, em.map((e) => el('li', { 'data-testid': 'ov-emerging', 'data-id': e.id },
      el('button', { type: 'button', class: 'linkish strong', onclick: () => kit.goSearch(e.kind === 'keyword' ? { q: e.id, from: e.since } : { topic: e.id, from: e.since }) },
        e.kind === 'keyword' ? `“${e.id}”` : kit.topicName(e.id)),
      ` ${t('since')} ${e.since}: ${pct(e.share_before)} → ${pct(e.share_after)}`))));
  }

  function render() {
    const s = kit.state(); const root = kit.clear(kit.$('#view-overview'));
    root.appendChild(el('div', { class: 'toolbar' },
      el('h2', { class: 'view-title', text: t('nav_overview') }),
      el('label', {}, el('span', { text: t('r_score') }), el('select', { 'data-testid': 'overview-score', onchange: (ev) => kit.setState({ score: ev.target.value }) },
        ['nps', 'csat'].map((v) => el('option', { value: v, selected: s.score === v, text: v.toUpperCase() })))),
      el('label', {}, el('span', { text: t('r_interval') }), el('select', { 'data-testid': 'overview-interval', onchange: (ev) => kit.setState({ oi: ev.target.value, from: '', to: '' }) },
        ['week', 'month'].map((v) => el('option', { value: v, selected: s.oi === v, text: t(v) }))))));
    const head = el('div', { class: 'card' }); root.appendChild(head); renderHead(head);
    const line = C().card(t('score_over_time', s.score.toUpperCase()), 'overview-trend-card', null);
    root.appendChild(line); renderLine(line);
    const drv = C().region('ov_drivers', 'overview-drivers');
    const em = el('div', {});
    root.appendChild(el('div', { class: 'two-col' },
      C().card(t('top_drivers'), 'overview-drivers-card', null, drv.box),
      C().card(t('emerging'), 'overview-emerging-card', null, em)));
    if (drv.data) driversChart(drv.data, drv.box, 6);
    renderEmerging(em);
  }

  const en = {
    nav_overview: 'Overview', nav_compare: 'Compare', nav_segments: 'Segments', nav_discover: 'Discover',
    score_over_time: (s) => `${s} over time (95% interval)`, click_period: 'Click a period to focus on it; the others stay visible. Click it again to clear.',
    period_selected: 'The highlighted period is the date filter; click it again to clear.', why_changed: 'What changed? Compare →',
    top_drivers: 'Top drivers (NPS points)', none_emerging: 'No topic is rising significantly.', vs: 'vs', points: 'points', pp: 'pp',
    nps_points: 'NPS points', mean_impact: 'Mean-score impact', no_data_short: 'n/a', ci95: '95% CI',
    drivers_nps_hint: 'Leave-one-out impact in NPS points with 95% interval; each topic is followed by its sentiment rows. Hover for the mean-score impact; click for the comments.',
  };
  const zh = {
    nav_overview: '总览', nav_compare: '对比', nav_segments: '细分', nav_discover: '发现',
    score_over_time: (s) => `${s} 走势（95% 置信区间）`, click_period: '点击某个周期以聚焦，其他周期仍然可见；再次点击取消。',
    period_selected: '高亮的周期即日期筛选；再次点击取消。', why_changed: '发生了什么变化？对比 →',
    top_drivers: '主要驱动因素（NPS 分）', none_emerging: '没有显著上升的主题。', vs: '对比', points: '分', pp: '个百分点',
    nps_points: 'NPS 分', mean_impact: '平均分影响', no_data_short: '无数据', ci95: '95% 置信区间',
    drivers_nps_hint: '留一法影响（NPS 分）及 95% 置信区间；每个主题下列出其情感行。悬停查看平均分影响，点击查看评论。',
  };
  return { name: 'overview', defaults: { oi: 'month' }, i18n: { en, zh }, paths, render };
});
