// Verbatim page: the Discover view (themes the taxonomy misses). In: the sidebar filters and
// the hash key `cluster` (the cluster whose comments are open). Out: /v1/reports/discover's
// clusters: distinctive terms, size, sentiment, NPS impact, a "probably <topic>" mark when one
// sits close to an existing topic, medoid quotes; a drill-down to the cluster's comments
// (fetched by id, shown as text); and "copy as topic", which puts the proposed `[[topic]]` TOML
// block on the clipboard and shows it in a text box to copy by hand where the clipboard is
// refused.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function discover(kit) {
  const { el, t, num, fmtSigned, pct, fmtInt } = kit;
  const C = () => kit.charts || (kit.charts = window.VerbatimCharts(kit));
  const DRILL = 20;

  function path() {
    const s = kit.state(); const p = kit.filterParams(s);
    p.set('score', s.score);
    return `v1/reports/discover?${p}`;
  }
  function paths() { return { facets: kit.facetsPath(), disc: path() }; }

  // Comments of an open cluster, fetched once per id.
  const comments = new Map();
  function fetchComments(ids) {
    for (const id of ids) {
      if (comments.has(id)) continue;
      comments.set(id, null);
      kit.api(`v1/comments/${encodeURIComponent(id)}`).then((d) => { comments.set(id, d.comment || d); kit.renderAll(); })
        .catch((e) => { comments.set(id, { failed: e.message }); kit.renderAll(); });
    }
  }

  // "Copy as topic": the clipboard when allowed; the block is shown selected either way.
  const copied = new Map(); // cluster id → message
  function copyTopic(c) {
    const done = (msg) => { copied.set(c.id, msg); kit.renderAll(); const ta = document.querySelector(`textarea[data-cluster="${CSS.escape(c.id)}"]`); if (ta) { ta.focus(); ta.select(); } };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(c.toml).then(() => done(t('copied')), () => done(t('copy_by_hand')));
    } else done(t('copy_by_hand'));
  }

  function drill(c, box) {
    const ids = (c.ids || []).slice(0, DRILL);
    fetchComments(ids);
    box.appendChild(el('ol', { class: 'drill', 'data-testid': 'cluster-comments' }, ids.map((id) => {
      const cm = comments.get(id);
      return el('li', {}, el('button', { type: 'button', class: 'example', 'data-testid': 'cluster-comment', 'data-id': id, onclick: () => kit.setState({ detail: id }) },
        !cm ? t('loading') : cm.failed ? `${id}: ${cm.failed}` : String(cm.text || '')));
    })));
    if ((c.ids || []).length > DRILL) box.appendChild(el('p', { class: 'dim small', text: t('more_ids', fmtInt(c.ids.length - DRILL)) }));
  }

  function clusterCard(c, s) {
    const open = s.cluster === c.id;
    const imp = c.impact || {};
    const terms = (c.terms || []).slice(0, 8).map((x) => x.term);
    const body = el('article', { class: 'card cluster', 'data-testid': 'cluster', 'data-id': c.id },
      el('header', {}, el('h3', { 'data-testid': 'cluster-terms', text: terms.join(' · ') || c.id }),
        c.probably ? el('span', { class: 'probably', 'data-testid': 'cluster-probably', title: c.probably, text: c.nearest ? t('probably', kit.topicName(c.nearest.topic)) : c.probably }) : el('span', { class: 'new-theme', text: t('new_theme') })),
      el('p', { class: 'dim small', 'data-testid': 'cluster-stats' }, [
        `${t('size')} ${fmtInt(c.size)} (≈ ${fmtInt(c.estimated)})`, `${t('mean_score')} ${fmtSigned(c.sentiment)}`,
        `${t('negative_share')} ${pct(c.negative_share, 0)}`,
        num(imp.nps_impact) !== null ? `${t('nps_points')} ${fmtSigned(imp.nps_impact, 1)}` : num(imp.impact) !== null ? `${t('impact')} ${fmtSigned(imp.impact, 3)}` : null,
        c.nearest ? `${t('nearest')} ${kit.topicName(c.nearest.topic)} (${kit.fmt(c.nearest.similarity)})` : null,
      ].filter(Boolean).join(' · ')),
      el('ul', { class: 'examples' }, (c.examples || []).map((ex) => el('li', {},
        el('button', { type: 'button', class: 'example', 'data-testid': 'cluster-example', onclick: () => kit.setState({ detail: String(ex.id) }) }, String(ex.text || ''))))),
      el('div', { class: 'cluster-actions' },
        el('button', { type: 'button', class: 'btn', 'aria-expanded': String(open), 'data-testid': 'cluster-drill', onclick: () => kit.setState({ cluster: open ? '' : c.id }) },
          open ? t('hide_comments') : t('show_comments', fmtInt((c.ids || []).length))),
        el('button', { type: 'button', class: 'btn', 'data-testid': 'copy-topic', onclick: () => copyTopic(c) }, t('copy_topic'))));
    if (copied.has(c.id)) {
      const id = `toml-${c.id}`;
      body.appendChild(el('div', { class: 'toml-box' },
        el('label', { for: id, text: `${t('toml_label')} — ${copied.get(c.id)}`, 'data-testid': 'copy-status' }),
        el('textarea', { id, readonly: true, rows: String(Math.min(16, c.toml.split('\n').length + 1)), 'data-cluster': c.id, 'data-testid': 'topic-toml', spellcheck: 'false', text: c.toml })));
    }
    if (open) drill(c, body);
    return body;
  }

  function render() {
    const s = kit.state(); const root = kit.clear(kit.$('#view-discover'));
    root.appendChild(el('div', { class: 'toolbar' }, el('h2', { class: 'view-title', text: t('nav_discover') }),
      el('span', { class: 'hint', text: t('discover_hint') })));
    const r = C().region('disc', 'discover-list');
    root.appendChild(r.box);
    if (!r.data) return;
    const d = r.data;
    r.box.appendChild(el('p', { class: 'dim small', 'data-testid': 'discover-counts' },
      t('discover_counts', fmtInt(d.candidates), fmtInt(d.sampled), fmtInt(d.clustered), fmtInt((d.clusters || []).length)),
      ' ', el('a', { class: 'csv', href: C().csvOf(path()), download: '', 'data-testid': 'discover-csv', text: 'CSV' })));
    if (!(d.clusters || []).length) { r.box.appendChild(el('p', { class: 'dim', text: t('no_clusters') })); return; }
    for (const c of d.clusters) r.box.appendChild(clusterCard(c, s));
  }

  const en = {
    discover_hint: 'Themes among comments no topic catches (or catches weakly). Copy one as a topic to add it to the taxonomy.',
    discover_counts: (c, s, k, n) => `${c} uncategorised comments, ${s} sampled, ${k} clustered into ${n} themes.`,
    no_clusters: 'No theme is large enough for these filters.', probably: (x) => `probably ${x}: consider more examples`, new_theme: 'new theme',
    size: 'Size', nearest: 'nearest', show_comments: (n) => `Comments (${n})`, hide_comments: 'Hide comments', copy_topic: 'Copy as topic',
    copied: 'copied to the clipboard', copy_by_hand: 'select it and copy (Ctrl+C)', toml_label: 'Paste into your taxonomy file',
    more_ids: (n) => `${n} more in this theme.`,
  };
  const zh = {
    discover_hint: '未被任何主题（或仅被弱匹配）覆盖的评论中的主题。可复制为主题加入分类体系。',
    discover_counts: (c, s, k, n) => `${c} 条未分类评论，抽样 ${s} 条，聚为 ${n} 个主题（${k} 条）。`,
    no_clusters: '当前筛选下没有足够大的主题。', probably: (x) => `可能是「${x}」：建议补充示例`, new_theme: '新主题',
    size: '规模', nearest: '最接近', show_comments: (n) => `评论（${n}）`, hide_comments: '收起评论', copy_topic: '复制为主题',
    copied: '已复制到剪贴板', copy_by_hand: '请选中后复制（Ctrl+C）', toml_label: '粘贴到分类文件中',
    more_ids: (n) => `该主题还有 ${n} 条。`,
  };
  return { name: 'discover', defaults: { cluster: '' }, i18n: { en, zh }, paths, render };
});
