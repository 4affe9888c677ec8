// Verbatim page: the compare view. In: the sidebar filters (A's dates are `from`/`to`) and the
// hash keys `cmp` (period | segment), `vs_from`/`vs_to` (B's dates) and `segment`/`vs_segment`
// (`key=value`). Out: /v1/reports/compare drawn as the NPS/CSAT/sentiment changes with 95%
// intervals and significance, the change split per topic into volume and score effects (bars
// that add up to the change), and the rising and falling topics and keywords with an example.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function compare(kit) {
  const { el, t, fmtSigned, pct, fmtInt } = kit;
  const C = () => kit.charts || (kit.charts = window.VerbatimCharts(kit));

  function path() {
    const s = kit.state(); const p = kit.filterParams(s);
    p.set('score', s.score); p.set('interval', s.oi || 'month');
    if (s.cmp === 'segment') {
      if (s.segment) p.set('segment', s.segment);
      if (s.vs_segment) p.set('vs_segment', s.vs_segment);
    } else {
      if (s.vs_from) p.set('vs_from', s.vs_from);
      if (s.vs_to) p.set('vs_to', s.vs_to);
    }
    return `v1/reports/compare?${p}`;
  }
  function paths() { return { facets: kit.facetsPath(), cmp: path() }; }

  const side = (x) => [x.segment, x.from || x.to ? `${x.from || '…'} – ${x.to || '…'}` : null].filter(Boolean).join(' · ') || t('all');

  function dateInput(id, key, label) {
    const s = kit.state();
    return el('label', {}, el('span', { text: label }), el('input', {
      type: 'date', id, 'data-testid': id, value: s[key] || '', onchange: (ev) => kit.setState({ [key]: ev.target.value }),
    }));
  }
  function segmentSelect(id, key, label) {
    const s = kit.state(); const opts = kit.segmentOptions ? kit.segmentOptions() : [];
    if (s[key] && !opts.some((o) => o.value === s[key])) opts.unshift({ value: s[key], label: s[key] });
    return el('label', {}, el('span', { text: label }), el('select', { id, 'data-testid': id, onchange: (ev) => kit.setState({ [key]: ev.target.value }) },
      el('option', { value: '', text: key === 'vs_segment' ? t('rest_same_dates') : t('choose') }),
      opts.map((o) => el('option', { value: o.value, selected: s[key] === o.value, text: o.label }))));
  }

  function controls() {
    const s = kit.state(); const seg = s.cmp === 'segment';
    const mode = el('div', { class: 'seg-toggle', role: 'group', 'aria-label': t('compare_what') },
      ['period', 'segment'].map((m) => el('button', {
        type: 'button', 'aria-pressed': String((s.cmp || 'period') === m), 'data-testid': `compare-mode-${m}`, onclick: () => kit.setState({ cmp: m }),
      }, t(`cmp_${m}`))));
    const inputs = seg
      ? [segmentSelect('cmp-segment', 'segment', 'A'), segmentSelect('cmp-vs-segment', 'vs_segment', 'B')]
      : [dateInput('cmp-from', 'from', `A ${t('from')}`), dateInput('cmp-to', 'to', `A ${t('to')}`),
        dateInput('cmp-vs-from', 'vs_from', `B ${t('from')}`), dateInput('cmp-vs-to', 'vs_to', `B ${t('to')}`)];
    return el('div', { class: 'toolbar compare-controls' }, el('h2', { class: 'view-title', text: t('nav_compare') }), mode, inputs,
      seg ? null : el('span', { class: 'hint', text: t('cmp_default') }));
  }

  function decomposition(d, box) {
    const dec = d.decomposition;
    if (!dec || !(dec.rows || []).length) { box.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    const nps = dec.metric === 'nps';
    const f = (v) => (nps ? fmtSigned(v, 1) : fmtSigned(v, 3));
    box.appendChild(el('p', { 'data-testid': 'decomposition-sum' },
      `${t('change')} ${f(dec.change)} = ${t('volume_effect')} ${f(dec.volume)} + ${t('score_effect')} ${f(dec.score)}`));
    const rows = dec.rows.slice(0, 14).map((r) => ({
      label: r.topic === '(no topic)' ? t('no_topic') : kit.topicName(r.topic), stack: true, total: r.total,
      parts: [{ v: r.volume_effect, cls: 'vol' }, { v: r.score_effect, cls: 'scoreeff' }],
      attrs: { 'data-testid': 'decomp-row', 'data-topic': r.topic, 'data-total': String(r.total) },
      title: [kit.topicName(r.topic), `${t('share')} ${pct(r.share_b)} → ${pct(r.share_a)}`, `${t('mean')} ${f(r.mean_b)} → ${f(r.mean_a)}`,
        `${t('volume_effect')} ${f(r.volume_effect)}`, `${t('score_effect')} ${f(r.score_effect)}`, `${t('total')} ${f(r.total)}`].join('\n'),
      onClick: r.topic === '(no topic)' ? null : () => kit.goSearch({ topic: r.topic, from: d.a.from || '', to: d.a.to || '' }),
    }));
    box.appendChild(C().barChart(rows, { width: C().width(box.closest('.card'), 700) - 34, label: t('h_decomp'), testid: 'decomposition-chart', tick: f, rowH: 24 }));
    box.appendChild(el('div', { class: 'legend' }, el('span', {}, el('i', { class: 'sw vol' }), t('volume_effect')),
      el('span', {}, el('i', { class: 'sw scoreeff' }), t('score_effect')), el('span', {}, el('i', { class: 'sw total-mark' }), t('total'))));
    box.appendChild(el('p', { class: 'hint', text: t('decomp_hint') }));
  }

  function moves(list, testid, box, d) {
    if (!list.length) { box.appendChild(el('p', { class: 'dim', text: t('none_moved') })); return; }
    box.appendChild(el('ul', { class: 'moves' }, list.map((m) => el('li', { 'data-testid': testid, 'data-id': m.id, 'data-kind': m.kind },
      el('button', {
        type: 'button', class: 'linkish strong',
        onclick: () => kit.goSearch(m.kind === 'keyword' ? { q: m.id, from: d.a.from || '', to: d.a.to || '' } : { topic: m.id, from: d.a.from || '', to: d.a.to || '' }),
      }, m.kind === 'keyword' ? `“${m.id}”` : kit.topicName(m.id)),
      m.kind === 'keyword' ? el('span', { class: 'tag', text: t('keyword') }) : null,
      el('span', { class: 'dim small', text: ` ${pct(m.share_b)} → ${pct(m.share_a)} · n ${fmtInt(m.n_b)} → ${fmtInt(m.n_a)} · q=${Number(m.q).toPrecision(2)}` }),
      m.example ? el('div', {}, el('button', { type: 'button', class: 'example', 'data-testid': 'move-example', onclick: () => kit.setState({ detail: String(m.example.id) }) },
        `“${m.example.text}”`)) : null))));
  }

  function render() {
    const root = kit.clear(kit.$('#view-compare'));
    root.appendChild(controls());
    const r = C().region('cmp', 'compare-report');
    root.appendChild(r.box);
    if (!r.data) return;
    const d = r.data;
    r.box.appendChild(el('p', { class: 'period-line', 'data-testid': 'compare-sides' },
      el('strong', { text: `A: ${side(d.a)} (n=${fmtInt(d.a.n)})` }), ` ${t('vs')} B: ${side(d.b)} (n=${fmtInt(d.b.n)})`));
    r.box.appendChild(el('div', { class: 'change-cards' },
      C().changeCard('nps', d.nps, 'cmp-nps'), C().changeCard('csat', d.csat, 'cmp-csat'), C().changeCard('sentiment', d.sentiment, 'cmp-sentiment')));
    const dec = el('div', {});
    r.box.appendChild(C().card(t('h_decomp'), 'decomposition', C().csvOf(path()), dec));
    decomposition(d, dec);
    const up = el('div', {}); const down = el('div', {});
    r.box.appendChild(el('div', { class: 'two-col' }, C().card(t('rising'), 'rising', null, up), C().card(t('falling'), 'falling', null, down)));
    moves(d.rising || [], 'rising-item', up, d);
    moves(d.falling || [], 'falling-item', down, d);
  }

  const en = {
    compare_what: 'Compare', cmp_period: 'Period vs period', cmp_segment: 'Segment vs segment', choose: '— choose —',
    rest_same_dates: 'the same segment, period before', cmp_default: 'Empty dates: the latest full month against the one before.',
    h_decomp: 'What moved the score: volume vs score effect per topic', change: 'Change', volume_effect: 'Volume effect',
    score_effect: 'Score effect', total: 'Total', no_topic: '(no topic)', rising: 'Rising', falling: 'Falling',
    none_moved: 'Nothing moved significantly.',
    decomp_hint: 'Volume effect: the topic’s share changed, times its distance from the mean. Score effect: the topic’s own score moved. The rows add up to the change.',
  };
  const zh = {
    compare_what: '对比', cmp_period: '周期对比', cmp_segment: '细分对比', choose: '— 请选择 —',
    rest_same_dates: '同一细分的上一周期', cmp_default: '日期留空：最近一个完整月与上一个月对比。',
    h_decomp: '评分变化的来源：各主题的数量效应与评分效应', change: '变化', volume_effect: '数量效应',
    score_effect: '评分效应', total: '合计', no_topic: '（无主题）', rising: '上升', falling: '下降',
    none_moved: '没有显著变化。',
    decomp_hint: '数量效应：主题占比的变化乘以其与均值的差距。评分效应：主题自身评分的变化。各行之和等于总变化。',
  };
  return { name: 'compare', defaults: { cmp: 'period', vs_from: '', vs_to: '', segment: '', vs_segment: '' }, i18n: { en, zh }, paths, render };
});
