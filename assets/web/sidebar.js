// Verbatim page: the sidebar's attribute filters, the phone layout and the accessibility
// helpers. In: the state after each render, and /v1/reports/summary once (the attribute keys
// and values). Out: one select per attribute key (hash key `attrs`, `key=value` joined by `|`,
// sent as repeated `attrs` parameters); the filters collapsed behind a button on narrow screens
// so results start in the first screen; a skip link to the results; the comment dialog keeping
// focus inside while open and giving it back to what opened it; and "From is after To" said
// in place of an empty result.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function sidebar(kit) {
  const { el, t, $ } = kit;
  const ATTR_NAMES = { region: ['Region', '地区'], country: ['Country', '国家'], city: ['City', '城市'], tier: ['Tier', '等级'], plan: ['Plan', '套餐'], product: ['Product', '产品'], store: ['Store', '门店'] };

  // Attribute keys and values, from one unfiltered summary.
  let summary = null; let asked = false;
  function ensureSummary() {
    if (asked) return;
    asked = true;
    kit.api('v1/reports/summary').then((d) => { summary = d; kit.renderAll(); }).catch(() => { asked = false; });
  }
  function attrKeys() {
    return Object.keys((summary && summary.by) || {}).filter((k) => k.startsWith('attrs.')).map((k) => k.slice(6));
  }
  function attrValues(key) {
    const g = (summary && summary.by && summary.by[`attrs.${key}`]) || {};
    return Object.keys(g).sort((a, b) => (g[b].n || 0) - (g[a].n || 0));
  }
  function attrLabel(key) {
    if (key === 'channel') return t('f_channel');
    if (key === 'lang') return t('f_lang');
    const k = key.replace(/^attrs\./, ''); const names = ATTR_NAMES[k];
    return names ? (kit.lang() === 'en' ? names[0] : names[1]) : k;
  }
  // key=value choices for compare's segments: channels, languages, then every attribute value.
  function segmentOptions() {
    const by = (summary && summary.by) || {}; const out = [];
    for (const [dim, groups] of Object.entries(by)) {
      const key = dim.startsWith('attrs.') ? dim.slice(6) : dim;
      const name = ['channel', 'lang'].includes(key) && dim.startsWith('attrs.') ? dim : key;
      for (const v of Object.keys(groups || {})) out.push({ value: `${name}=${v}`, label: `${attrLabel(dim)}: ${dim === 'channel' || dim === 'lang' ? kit.optionLabel(dim, v) : v}` });
    }
    return out;
  }
  Object.assign(kit, { attrKeys, attrLabel, segmentOptions });

  let attrSig = '';
  function renderAttrs() {
    const s = kit.state(); const fs = $('#filter-attrs'); const keys = attrKeys();
    const chosen = new Map((s.attrs || '').split('|').filter((a) => a.includes('=')).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
    const sig = JSON.stringify([keys, s.attrs, kit.lang(), keys.map(attrValues)]);
    fs.hidden = !keys.length && !chosen.size;
    if (sig === attrSig) return;
    attrSig = sig;
    const box = kit.clear($('.attr-selects', fs));
    for (const k of new Set([...keys, ...chosen.keys()])) {
      const vals = attrValues(k); const cur = chosen.get(k) || '';
      if (cur && !vals.includes(cur)) vals.unshift(cur);
      const id = `attr-${k.replace(/[^\w-]/g, '_')}`;
      box.appendChild(el('div', { class: 'attr-row' }, el('label', { for: id, text: attrLabel(k) }),
        el('select', { id, 'data-testid': `filter-attr-${k}`, 'data-key': k, onchange: onAttr },
          el('option', { value: '', text: t('all') }), vals.map((v) => el('option', { value: v, selected: v === cur, text: v })))));
    }
  }
  function onAttr() {
    const parts = kit.$$('#filter-attrs select').filter((x) => x.value).map((x) => `${x.dataset.key}=${x.value}`);
    kit.setState({ attrs: parts.join('|'), offset: '0' });
  }

  // Phone layout: the filters fold behind a button, folded by default, so results come first.
  const narrow = window.matchMedia('(max-width: 800px)');
  let folded = narrow.matches;
  function renderFold() {
    const reversed = isReversed();
    const f = folded && narrow.matches && !reversed;
    $('#filters').classList.toggle('collapsed', f);
    $('#filters-toggle').setAttribute('aria-expanded', String(!f));
  }
  $('#filters-toggle').addEventListener('click', () => { folded = !folded; renderFold(); });
  narrow.addEventListener('change', () => { folded = narrow.matches; renderFold(); });

  // From after To: say so (the search answers an empty result).
  function isReversed() { const s = kit.state(); return !!(s.from && s.to && s.from > s.to); }
  function renderDates() {
    const bad = isReversed();
    $('#date-msg').textContent = bad ? t('date_reversed') : '';
    for (const id of ['#from', '#to']) $(id).setAttribute('aria-invalid', String(bad));
    if (bad && kit.state().view === 'search') $('#results-total').textContent = t('date_reversed');
    // Every other view says it above its (empty) figures.
    let note = $('#date-notice');
    if (!note) { note = el('p', { id: 'date-notice', class: 'date-notice', role: 'status', 'data-testid': 'date-notice' }); $('#main').prepend(note); }
    note.textContent = bad && kit.state().view !== 'search' ? t('date_reversed') : '';
    note.hidden = !note.textContent;
  }

  // The dialog: Tab stays inside; closing gives focus back to what opened it.
  // A re-render replaces the list the opener was in, so it is found again by test id and id,
  // and focused again after later re-renders until the user moves on.
  let opener = null; let wasOpen = false; let restore = null;
  document.addEventListener('focusin', (ev) => {
    const n = ev.target;
    if ($('#detail').contains(n)) return;
    opener = { node: n, testid: n.dataset && n.dataset.testid, id: n.dataset && n.dataset.id };
  });
  for (const type of ['mousedown', 'keydown']) document.addEventListener(type, () => { if (wasOpen === false) restore = null; }, true);
  document.addEventListener('keydown', (ev) => {
    const panel = $('#detail');
    if (ev.key !== 'Tab' || panel.hidden) return;
    const items = kit.$$('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])', panel).filter((n) => !n.disabled && n.offsetParent !== null);
    if (!items.length) return;
    const first = items[0]; const last = items[items.length - 1];
    if (!panel.contains(document.activeElement)) { ev.preventDefault(); first.focus(); } else if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); } else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  });
  function renderFocus() {
    const open = !$('#detail').hidden;
    if (wasOpen && !open && opener) restore = opener;
    wasOpen = open;
    // Focus still on the hidden dialog's button counts as lost (the browser moves it to <body> later).
    const ae = document.activeElement;
    if (open || !restore || (ae && ae !== document.body && !$('#detail').contains(ae))) return;
    let n = restore.node;
    if (!n.isConnected && restore.testid) n = document.querySelector(`[data-testid="${CSS.escape(restore.testid)}"]${restore.id ? `[data-id="${CSS.escape(restore.id)}"]` : ''}`);
    if (n && n.isConnected) { n.focus(); restore.node = n; }
  }
  $('#skip-link').addEventListener('click', (ev) => { ev.preventDefault(); const m = $('#main'); m.focus(); m.scrollIntoView(); });

  // Server-side CSV (the API's format=csv, whose header rows record the filters) beside the
  // comment list and each report card; the links follow the request each one last made.
  function csvLink(anchorAfter, testid, key) {
    let a = document.querySelector(`[data-testid="${testid}"]`);
    if (!a) { a = el('a', { class: 'csv', download: '', 'data-testid': testid, text: t('csv_server') }); anchorAfter.after(a); }
    a.hidden = !key;
    if (key) a.href = `${key}${key.includes('?') ? '&' : '?'}format=csv`;
    a.textContent = t('csv_server');
  }
  function renderCsv() {
    const s = kit.state(); const key = (name) => (kit.cache[name] ? kit.cache[name].key : '');
    if (s.view === 'search') csvLink($('#results-total'), 'csv-api-search', key('search').replace(/([?&])(limit|offset)=\d+/g, '$1').replace(/&&+/g, '&'));
    if (s.view === 'reports') for (const b of kit.$$('button.csv[data-csv]')) csvLink(b, `csv-api-${b.dataset.csv}`, key(b.dataset.csv));
  }

  function afterRender() { ensureSummary(); renderAttrs(); renderFold(); renderDates(); renderFocus(); renderCsv(); }

  const en = {
    f_attrs: 'Attributes', filters: 'Filters', skip: 'Skip to results', q_label: 'Search comments',
    date_reversed: '“From” is after “To”: no comment can match. Swap the dates.', by_attr: (k) => `By ${attrLabel(k)}`,
    csv_server: 'CSV (all rows)',
  };
  const zh = {
    f_attrs: '属性', filters: '筛选', skip: '跳到结果', q_label: '搜索评论',
    date_reversed: '“从”晚于“至”：没有评论能匹配，请对调日期。', by_attr: (k) => `按${attrLabel(k)}`,
    csv_server: 'CSV（全部行）',
  };
  return { i18n: { en, zh }, afterRender };
});
