// Verbatim page: the segments table. In: the sidebar filters and the hash key `seg_by`
// (`channel`, `lang` or an attribute key; empty: the first attribute key, else channel).
// Out: /v1/reports/segments as one table, worst score first: n, NPS, CSAT and sentiment with
// 95% intervals, the difference from the rest with its significance, the top three drivers,
// and links to the segment's drivers (reports view) and comments (search view), filtered to it.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function segments(kit) {
  const { el, t, num, fmtSigned, pct, fmtInt } = kit;
  const C = () => kit.charts || (kit.charts = window.VerbatimCharts(kit));

  function by() {
    const s = kit.state();
    if (s.seg_by) return s.seg_by;
    const keys = kit.attrKeys ? kit.attrKeys() : [];
    return keys.length ? keys[0] : 'channel';
  }
  function path() {
    const s = kit.state(); const p = kit.filterParams(s);
    p.set('by', by()); p.set('score', s.score);
    return `v1/reports/segments?${p}`;
  }
  function paths() { return { facets: kit.facetsPath(), seg: path() }; }

  // The filter that narrows to one segment (channel, lang or an attribute).
  function filterFor(dim, value) {
    if (dim === 'channel' || dim === 'lang') return { [dim]: value };
    const key = dim.replace(/^attrs\./, '');
    const rest = (kit.state().attrs || '').split('|').filter((a) => a && !a.startsWith(`${key}=`));
    return { attrs: [...rest, `${key}=${value}`].join('|') };
  }
  const ciText = (m, f) => (m && Array.isArray(m.ci95) ? `[${f(m.ci95[0])}, ${f(m.ci95[1])}]` : '');

  function row(d, sg, rank) {
    const dim = d.by; const f = (v) => fmtSigned(v, 1);
    const name = dim === 'channel' || dim === 'lang' ? kit.optionLabel(dim, sg.value) : sg.value;
    const nps = sg.nps || {}; const vs = nps.vs_rest || {};
    return el('tr', { 'data-testid': 'segment-row', 'data-value': sg.value, 'data-rank': String(rank) },
      el('th', { scope: 'row' }, el('button', { type: 'button', class: 'linkish strong', 'data-testid': 'segment-open', onclick: () => kit.setState({ view: 'reports', ...filterFor(dim, sg.value) }) }, name)),
      el('td', { class: 'r', text: fmtInt(sg.n) }),
      el('td', { class: 'r' }, el('span', { 'data-testid': 'segment-nps', text: num(nps.value) === null ? '—' : f(nps.value) }), el('div', { class: 'dim small', text: ciText(nps, f) })),
      el('td', { class: 'r' }, el('span', { text: num(vs.change) === null ? '—' : f(vs.change) }), ' ', C().sigBadge(vs)),
      el('td', { class: 'r' }, pct((sg.csat || {}).value), el('div', { class: 'dim small', text: ciText(sg.csat, (v) => pct(v, 0)) })),
      el('td', { class: 'r' }, fmtSigned((sg.sentiment || {}).value), el('div', { class: 'dim small', text: ciText(sg.sentiment, (v) => fmtSigned(v)) })),
      el('td', {}, el('div', { class: 'drivers-cell' }, (sg.drivers || []).slice(0, 3).map((x) => el('button', {
        type: 'button', class: `chip ${(num(x.nps_impact) ?? x.impact) < 0 ? 'sent-negative' : 'sent-positive'}`, 'data-testid': 'segment-driver', 'data-id': x.id,
        title: `${kit.driverLabel(x)} · ${t('mean_impact')} ${fmtSigned(x.impact, 3)}`,
        onclick: () => kit.goSearch({ ...filterFor(dim, sg.value), topic: x.sentiment ? `${x.id}:${x.sentiment}` : x.id }),
      }, `${kit.driverLabel(x)} ${num(x.nps_impact) !== null ? fmtSigned(x.nps_impact, 1) : fmtSigned(x.impact, 2)}`)))),
      el('td', {}, el('button', { type: 'button', class: 'linkish', 'data-testid': 'segment-comments', onclick: () => kit.goSearch(filterFor(dim, sg.value)) }, t('comments'))));
  }

  function render() {
    const s = kit.state(); const root = kit.clear(kit.$('#view-segments'));
    const keys = kit.attrKeys ? kit.attrKeys() : [];
    const dims = ['channel', 'lang', ...keys.filter((k) => k !== 'channel' && k !== 'lang')];
    root.appendChild(el('div', { class: 'toolbar' }, el('h2', { class: 'view-title', text: t('nav_segments') }),
      el('label', {}, el('span', { text: t('seg_by') }), el('select', { 'data-testid': 'segments-by', onchange: (ev) => kit.setState({ seg_by: ev.target.value }) },
        dims.map((k) => el('option', { value: k, selected: by() === k, text: kit.attrLabel ? kit.attrLabel(k) : k })))),
      el('label', {}, el('span', { text: t('r_score') }), el('select', { 'data-testid': 'segments-score', onchange: (ev) => kit.setState({ score: ev.target.value }) },
        ['nps', 'csat'].map((v) => el('option', { value: v, selected: s.score === v, text: v.toUpperCase() }))))));
    // The attribute keys arrive after the first request; the default `by` follows them.
    const want = path();
    if (kit.cache.seg && kit.cache.seg.key !== want) Promise.resolve().then(() => kit.load('seg', want, kit.renderAll));
    const r = C().region('seg', 'segments-table');
    root.appendChild(C().card(t('seg_title', kit.attrLabel ? kit.attrLabel(by()) : by()), 'segments-card', C().csvOf(path()), r.box));
    if (!r.data) return;
    const d = r.data; const list = d.segments || [];
    if (!list.length) { r.box.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    r.box.appendChild(el('p', { class: 'hint', text: t('seg_hint') }));
    r.box.appendChild(el('div', { class: 'table-scroll' }, el('table', { class: 'tbl seg-table' },
      el('thead', {}, el('tr', {}, [t('segment'), t('n'), `${t(kit.state().score)} (${t('ci95')})`, t('vs_rest'), t('csat'), t('mean_score'), t('top3'), ''].map((h, i) =>
        el('th', { scope: 'col', class: i > 0 && i < 6 ? 'r' : null, text: h })))),
      el('tbody', {}, list.map((sg, i) => row(d, sg, i))))));
    if (d.unknown) r.box.appendChild(el('p', { class: 'dim small', text: t('seg_unknown', fmtInt(d.unknown)) }));
  }

  const en = {
    seg_by: 'By', seg_title: (k) => `Segments by ${k}, worst first`, segment: 'Segment', vs_rest: 'vs the rest', top3: 'Top drivers (NPS points)',
    seg_hint: 'Worst score first. Click a segment for its drivers, a driver for its comments in that segment.', seg_unknown: (n) => `${n} comments have no value.`,
  };
  const zh = {
    seg_by: '维度', seg_title: (k) => `按${k}细分（最差在前）`, segment: '细分', vs_rest: '与其余对比', top3: '主要驱动因素（NPS 分）',
    seg_hint: '评分最差的在前。点击细分查看其驱动因素，点击驱动因素查看该细分中的评论。', seg_unknown: (n) => `${n} 条评论没有该值。`,
  };
  return { name: 'segments', defaults: { seg_by: '' }, i18n: { en, zh }, paths, render };
});
