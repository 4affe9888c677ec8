// Verbatim analysts' page: search and reports over /v1. No framework, no external resources.
// Security rule: text that comes from comments is only ever inserted as text nodes; the one
// exception is a search hit's `snippet` (HTML-escaped by the API, with <mark>), which is
// split on its <mark> tags and entity-decoded by hand into text nodes: no HTML parser ever
// sees comment text.
'use strict';
(function () {
  // ---------------------------------------------------------------- i18n
  const I18N = {
    en: {
      title: 'Verbatim', nav_search: 'Search', nav_reports: 'Reports', api_key: 'API key',
      key_prompt: 'This server needs an API key.', key_save: 'Save key', key_forget: 'Forget key',
      key_rejected: 'The key was not accepted', q_placeholder: 'Search comments (中文 or English)…',
      search: 'Search', f_sentiment: 'Sentiment', f_topic: 'Topic', f_channel: 'Channel', f_lang: 'Language',
      f_date: 'Date', from: 'From', to: 'To', f_score: 'Sentiment score', min: 'Min', max: 'Max',
      clear: 'Clear filters', sort: 'Sort', sort_relevance: 'Relevance', sort_date: 'Newest', per_page: 'Per page',
      mode: 'Match', mode_hybrid: 'Words and meaning', mode_keyword: 'Words only', mode_semantic: 'Meaning only',
      similar_meaning: 'similar meaning', suggested: (n, name) => `${n} comments in ${name}`,
      prev: '‹ Previous', next: 'Next ›', r_score: 'Score', r_by: 'Drivers by', by_topic: 'Topic', by_keyword: 'Keyword',
      r_interval: 'Period', day: 'Day', week: 'Week', month: 'Month', h_summary: 'Summary', h_drivers: 'Key drivers',
      h_pain: 'Pain points', h_trends: 'Trends', h_detail: 'Comment',
      drivers_hint: 'Impact in NPS points (CSAT: on the mean score) with 95% interval, each topic followed by its sentiment rows; solid bars are significant. Hover for the mean-score impact; click a driver to see its comments.',
      n_results: (n) => `${n} comment${n === 1 ? '' : 's'}`, no_results: 'No comments match.',
      loading: 'Loading…', err_network: 'The server could not be reached.', comments: 'Comments',
      negative: 'Negative', neutral: 'Neutral', positive: 'Positive',
      'zh-Hans': 'Simplified Chinese', 'zh-Hant': 'Traditional Chinese', en: 'English', mixed: 'Mixed', other: 'Other',
      nps: 'NPS', csat: 'CSAT', mean_score: 'Mean sentiment', promoters: 'Promoters', passives: 'Passives',
      detractors: 'Detractors', mean: 'mean', share: 'Share', topic: 'Topic', n: 'n', sentiment_split: 'Sentiment',
      by_channel: 'By channel', by_lang: 'By language', by_attr: (k) => `By ${k}`, negative_share: 'Negative share',
      weight: 'Weight', impact: 'Impact', examples: 'Examples', keyword: 'keyword', significant: 'significant',
      not_significant: 'not significant', emerging: 'Emerging', since: 'since', no_data: 'No data for these filters.',
      volume: 'Volume', legend_mean: 'Mean sentiment score (right axis)', evidence: 'Evidence is highlighted',
      topics: 'Topics', keywords: 'Keywords', details: 'Details', created_at: 'Date', channel: 'Channel',
      customer_id: 'Customer', lang: 'Language', confidence: 'confidence', score: 'score', close: 'Close',
      breakdown: 'By channel, language and attributes', z: 'z', period: 'Period', drivers_of: (s) => `Drivers of ${s}`, all: 'all',
    },
    zh: {
      title: 'Verbatim', nav_search: '搜索', nav_reports: '报告', api_key: 'API 密钥',
      key_prompt: '此服务器需要 API 密钥。', key_save: '保存密钥', key_forget: '清除密钥',
      key_rejected: '密钥未被接受', q_placeholder: '搜索评论（中文或英文）…',
      search: '搜索', f_sentiment: '情感', f_topic: '主题', f_channel: '渠道', f_lang: '语言',
      f_date: '日期', from: '从', to: '至', f_score: '情感分数', min: '最小', max: '最大',
      clear: '清除筛选', sort: '排序', sort_relevance: '相关度', sort_date: '最新', per_page: '每页',
      mode: '匹配', mode_hybrid: '词语和语义', mode_keyword: '仅词语', mode_semantic: '仅语义',
      similar_meaning: '语义相近', suggested: (n, name) => `${name}中有 ${n} 条评论`,
      prev: '‹ 上一页', next: '下一页 ›', r_score: '评分', r_by: '驱动因素', by_topic: '按主题', by_keyword: '按关键词',
      r_interval: '周期', day: '日', week: '周', month: '月', h_summary: '概览', h_drivers: '关键驱动因素',
      h_pain: '痛点', h_trends: '趋势', h_detail: '评论',
      drivers_hint: '影响以 NPS 分计（CSAT 为平均分），附 95% 置信区间，每个主题下列出其情感行；实心条表示显著。悬停查看平均分影响，点击查看相关评论。',
      n_results: (n) => `共 ${n} 条评论`, no_results: '没有匹配的评论。',
      loading: '加载中…', err_network: '无法连接服务器。', comments: '评论',
      negative: '负面', neutral: '中性', positive: '正面',
      'zh-Hans': '简体中文', 'zh-Hant': '繁體中文', en: '英文', mixed: '混合', other: '其他',
      nps: 'NPS', csat: 'CSAT', mean_score: '平均情感', promoters: '推荐者', passives: '中立者',
      detractors: '贬损者', mean: '均值', share: '占比', topic: '主题', n: '数量', sentiment_split: '情感分布',
      by_channel: '按渠道', by_lang: '按语言', by_attr: (k) => `按 ${k}`, negative_share: '负面占比',
      weight: '权重', impact: '影响', examples: '示例', keyword: '关键词', significant: '显著',
      not_significant: '不显著', emerging: '新兴主题', since: '自', no_data: '当前筛选条件下没有数据。',
      volume: '数量', legend_mean: '平均情感分数（右轴）', evidence: '证据已高亮',
      topics: '主题', keywords: '关键词', details: '详情', created_at: '日期', channel: '渠道',
      customer_id: '客户', lang: '语言', confidence: '置信度', score: '分数', close: '关闭',
      breakdown: '按渠道、语言和属性', z: 'z', period: '周期', drivers_of: (s) => `${s} 驱动因素`, all: '全部',
    },
  };
  const CHANNELS_ZH = { app: '应用', web: '网站', email: '邮件', phone: '电话', store: '门店', chat: '在线客服', survey: '问卷', social: '社交媒体' };
  const LANG_STORE = 'verbatim.lang';
  const KEY_STORE = 'verbatim.apiKey';

  const store = {
    get(k) { try { return window.localStorage.getItem(k); } catch (_) { return null; } },
    set(k, v) { try { window.localStorage.setItem(k, v); } catch (_) { /* private mode */ } },
    del(k) { try { window.localStorage.removeItem(k); } catch (_) { /* private mode */ } },
  };
  const UI_LANGS = ['en', 'zh', 'zh-Hant'];
  const navLang = (navigator.language || 'en').toLowerCase();
  let uiLang = store.get(LANG_STORE) || (/^zh-(hant|tw|hk|mo)/.test(navLang) ? 'zh-Hant' : navLang.startsWith('zh') ? 'zh' : 'en');
  if (!UI_LANGS.includes(uiLang)) uiLang = 'en';
  const isZh = () => uiLang !== 'en';
  function t(key, ...args) {
    const v = (I18N[uiLang] && I18N[uiLang][key]) ?? I18N.en[key];
    if (typeof v === 'function') return v(...args);
    return v === undefined ? key : v;
  }

  // ---------------------------------------------------------------- DOM helpers
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    setAttrs(n, attrs);
    append(n, kids);
    return n;
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...kids) {
    const n = document.createElementNS(SVGNS, tag);
    setAttrs(n, attrs);
    append(n, kids);
    return n;
  }
  function setAttrs(n, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') n.textContent = String(v);
      else if (k === 'style') Object.assign(n.style, v); // CSSOM, not the style attribute: allowed under CSP style-src 'self'
      else if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function append(n, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      n.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    }
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }

  // The API's snippet is HTML-escaped text with <mark>…</mark>: exactly five entities
  // (&amp; &lt; &gt; &quot; &#39;) and the literal tags <mark> and </mark>, nothing else.
  // It is split on those tags and its entities decoded here, and every piece becomes a text
  // node: no HTML parser (not even an inert DOMParser document) ever sees comment text.
  const SNIPPET_ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  function decodeSnippetText(s) { return s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => SNIPPET_ENTITIES[e]); }
  function snippetNodes(snippet) {
    const frag = document.createDocumentFragment();
    let marked = false;
    for (const part of String(snippet).split(/(<mark>|<\/mark>)/)) {
      if (part === '<mark>') { marked = true; continue; }
      if (part === '</mark>') { marked = false; continue; }
      if (!part) continue;
      const textNode = document.createTextNode(decodeSnippetText(part));
      if (marked) frag.appendChild(document.createElement('mark')).appendChild(textNode);
      else frag.appendChild(textNode);
    }
    return frag;
  }

  // UTF-8 byte offsets (as the API gives evidence spans) → JS string (UTF-16) indices.
  function byteOffsetMapper(text) {
    const starts = new Map(); // byte offset of each char boundary → UTF-16 index
    let b = 0; let i = 0;
    for (const ch of text) {
      starts.set(b, i);
      const cp = ch.codePointAt(0);
      b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; // lone surrogates: 3 (U+FFFD), as TextEncoder
      i += ch.length;
    }
    starts.set(b, i);
    const total = b; // equals new TextEncoder().encode(text).length
    return function toIndex(byte, roundUp) {
      let x = Math.max(0, Math.min(total, Math.floor(Number(byte) || 0)));
      while (!starts.has(x)) x += roundUp ? 1 : -1; // a span edge inside a character: widen the span
      return starts.get(x);
    };
  }

  // ---------------------------------------------------------------- formatting
  const num = (x) => (typeof x === 'number' && isFinite(x) ? x : null);
  function fmt(x, d = 2) { const v = num(x); return v === null ? '—' : v.toFixed(d); }
  function fmtSigned(x, d = 2) { const v = num(x); return v === null ? '—' : (v > 0 ? '+' : '') + v.toFixed(d); }
  function pct(x, d = 1) { const v = num(x); return v === null ? '—' : (v * 100).toFixed(d) + '%'; }
  function fmtInt(x) { const v = num(x); return v === null ? '—' : v.toLocaleString(isZh() ? 'zh-CN' : 'en-US'); }

  // ---------------------------------------------------------------- taxonomy & labels
  let taxonomy = null; // id → topic
  let taxonomyLoading = null;
  function topicName(id, fallback) {
    const tp = taxonomy && taxonomy.get(id);
    const name = tp ? (isZh() ? tp.name_zh : tp.name_en) || tp.name_en || tp.name_zh || id : fallback || id;
    return uiLang === 'zh-Hant' && kit.toHant ? kit.toHant(name) : name;
  }
  function topicDesc(id) {
    const tp = taxonomy && taxonomy.get(id);
    return tp ? (isZh() ? tp.description_zh : tp.description_en) || '' : '';
  }
  function optionLabel(dim, value) {
    if (dim === 'sentiment') return t(value);
    if (dim === 'lang') return ['zh-Hans', 'zh-Hant', 'en', 'mixed', 'other'].includes(value) ? t(value) : value;
    if (dim === 'channel') return isZh() && CHANNELS_ZH[value] ? (uiLang === 'zh-Hant' && kit.toHant ? kit.toHant(CHANNELS_ZH[value]) : CHANNELS_ZH[value]) : value;
    if (dim === 'topic') {
      const [id, s] = value.split(':');
      return s ? `${topicName(id)} · ${t(s)}` : topicName(id);
    }
    return value;
  }
  function driverLabel(d) {
    if (d.kind === 'keyword') return `“${d.id}”`;
    return d.sentiment ? `${topicName(d.id)} · ${t(d.sentiment)}` : topicName(d.id);
  }
  function loadTaxonomy() {
    if (taxonomy || taxonomyLoading) return;
    taxonomyLoading = api('v1/taxonomy').then((d) => {
      taxonomy = new Map((d.topics || []).map((tp) => [tp.id, tp]));
      renderAll();
    }).catch(() => { /* names fall back to ids */ }).finally(() => { taxonomyLoading = null; });
  }

  // ---------------------------------------------------------------- state in the URL hash
  const FILTERS = ['q', 'sentiment', 'topic', 'lang', 'channel', 'from', 'to', 'score_min', 'score_max', 'attrs'];
  const DEFAULTS = {
    view: 'overview', attrs: '', q: '', sentiment: '', topic: '', lang: '', channel: '', from: '', to: '', score_min: '',
    score_max: '', limit: '10', offset: '0', sort: 'relevance', mode: 'hybrid', detail: '', score: 'nps', by: 'topic', interval: 'week',
  };
  let state = { ...DEFAULTS };
  function parseHash() {
    const p = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    const s = { ...DEFAULTS };
    for (const k of Object.keys(DEFAULTS)) { const v = p.get(k); if (v !== null) s[k] = v.trim(); }
    if (!['search', 'reports', ...Object.keys(views)].includes(s.view)) s.view = DEFAULTS.view;
    if (!['relevance', 'date'].includes(s.sort)) s.sort = 'relevance';
    if (!['hybrid', 'keyword', 'semantic'].includes(s.mode)) s.mode = 'hybrid';
    if (!['nps', 'csat'].includes(s.score)) s.score = 'nps';
    if (!['topic', 'keyword'].includes(s.by)) s.by = 'topic';
    if (!['day', 'week', 'month'].includes(s.interval)) s.interval = 'week';
    const lim = parseInt(s.limit, 10); s.limit = String(lim > 0 && lim <= 100 ? lim : 10);
    const off = parseInt(s.offset, 10); s.offset = String(off > 0 ? off : 0);
    return s;
  }
  function hashOf(s) {
    const p = new URLSearchParams();
    for (const k of Object.keys(DEFAULTS)) if (s[k] !== undefined && s[k] !== '' && s[k] !== DEFAULTS[k]) p.set(k, s[k]);
    return p.toString();
  }
  function setState(patch) {
    const next = { ...state, ...patch };
    const h = hashOf(next);
    if (h === window.location.hash.replace(/^#/, '')) route();
    else window.location.hash = h; // → hashchange → route()
  }
  function filterParams(s) {
    const p = new URLSearchParams();
    for (const k of FILTERS) if (s[k] && k !== 'attrs') p.set(k, s[k]);
    for (const a of (s.attrs || '').split('|')) if (a.includes('=')) p.append('attrs', a);
    return p;
  }

  // ---------------------------------------------------------------- API access
  class ApiError extends Error { constructor(code, message, status) { super(message); this.code = code; this.status = status; } }
  let needKey = false;
  async function api(path) {
    const headers = { Accept: 'application/json' };
    const key = store.get(KEY_STORE);
    if (key) headers.Authorization = `Bearer ${key}`;
    let res;
    try { res = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' }); } catch (_) {
      throw new ApiError('network', t('err_network'), 0);
    }
    let body = null;
    try { body = await res.json(); } catch (_) { body = null; }
    const e = body && body.error;
    if (res.status === 401) {
      showKeyBox(key ? `${t('key_rejected')}: ${(e && e.message) || res.statusText}` : ((e && e.message) || ''));
      throw new ApiError('unauthorized', (e && e.message) || 'unauthorized', 401);
    }
    if (!res.ok) throw new ApiError((e && e.code) || `http_${res.status}`, (e && e.message) || `${res.status} ${res.statusText}`, res.status);
    if (body === null) throw new ApiError('bad_response', `${path}: not JSON`, res.status);
    return body;
  }
  function showKeyBox(msg) {
    needKey = true;
    $('#keybox').hidden = false;
    $('#key-button').hidden = false;
    $('#key-msg').textContent = msg || '';
    if (document.activeElement === document.body) $('#key-input').focus();
  }
  function showError(err) {
    const box = $('#error');
    if (!err || err.code === 'unauthorized') { box.hidden = true; box.textContent = ''; return; }
    box.hidden = false;
    box.textContent = err.message || String(err);
  }

  // ---------------------------------------------------------------- loaders (cached by request key)
  const cache = {}; // name → {key, data, err}
  const seq = {};
  function load(name, path, after) {
    const c = cache[name];
    if (c && c.key === path && (c.data || c.pending)) { after(); return; }
    const my = (seq[name] = (seq[name] || 0) + 1);
    cache[name] = { key: path, data: null, err: null, pending: true };
    after();
    api(path).then((data) => {
      if (seq[name] !== my) return;
      cache[name] = { key: path, data, err: null, pending: false };
      showError(null);
      if (name === 'search' || name === 'facets') rememberFacets(data.facets);
      after();
    }).catch((err) => {
      if (seq[name] !== my) return;
      cache[name] = { key: path, data: null, err, pending: false };
      showError(err);
      after();
    });
  }
  function invalidate() { for (const k of Object.keys(cache)) delete cache[k]; }

  // ---------------------------------------------------------------- filters sidebar
  const known = { sentiment: new Set(['negative', 'neutral', 'positive']), topic: new Set(), channel: new Set(), lang: new Set(['zh-Hans', 'zh-Hant', 'en', 'mixed']) };
  function rememberFacets(f) {
    if (!f) return;
    for (const dim of ['topic', 'channel', 'lang']) for (const k of Object.keys(f[dim] || {})) known[dim].add(k);
  }
  function currentFacets() {
    const c = state.view === 'search' ? cache.search : cache.facets;
    return c && c.data && c.data.facets;
  }
  function renderFilters() {
    const facets = currentFacets();
    for (const fs of $$('fieldset[data-dim]')) {
      const dim = fs.dataset.dim;
      const selected = state[dim] ? state[dim].split(',').map((x) => x.trim()).filter(Boolean) : [];
      const opts = new Set(known[dim]);
      if (dim === 'topic' && taxonomy) for (const id of taxonomy.keys()) opts.add(id);
      for (const v of selected) opts.add(v);
      let values = Array.from(opts);
      if (dim === 'topic' && taxonomy) {
        const order = Array.from(taxonomy.keys());
        const rank = (v) => { const i = order.indexOf(v.split(':')[0]); return i < 0 ? 999 : i; };
        values.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      } else if (dim !== 'sentiment') values.sort();
      const counts = (facets && facets[dim]) || null;
      const focused = document.activeElement && fs.contains(document.activeElement) ? document.activeElement.value : null;
      const box = clear($('.opts', fs));
      for (const v of values) {
        const count = counts ? counts[v] || 0 : null;
        const checked = selected.includes(v);
        const input = el('input', { type: 'checkbox', value: v, checked, 'data-testid': `filter-${dim}-${v}` });
        input.checked = checked;
        input.addEventListener('change', () => {
          const vals = $$('input:checked', box).map((i) => i.value);
          setState({ [dim]: vals.join(','), offset: '0' });
        });
        box.appendChild(el('label', {
          class: `opt${count === 0 && !checked ? ' zero' : ''}`, 'data-testid': `facet-${dim}-${v}`,
          title: dim === 'topic' ? topicDesc(v.split(':')[0]) : null,
        }, input, el('span', { class: 'name', text: optionLabel(dim, v) }),
        el('span', { class: 'count', 'data-testid': 'facet-count', text: count === null ? '' : fmtInt(count) })));
        if (focused === v) input.focus();
      }
    }
    if (document.activeElement !== $('#q')) $('#q').value = state.q;
    for (const k of ['from', 'to', 'score_min', 'score_max']) if (document.activeElement !== $(`#${k}`)) $(`#${k}`).value = state[k];
  }

  // ---------------------------------------------------------------- search view
  function searchPath() {
    const p = filterParams(state);
    p.set('limit', state.limit); p.set('offset', state.offset);
    if (state.sort !== 'relevance') p.set('sort', state.sort);
    if (state.mode !== 'hybrid' && state.q) p.set('mode', state.mode);
    return `v1/search?${p}`;
  }
  function sentimentBadge(s) {
    if (!s || !s.label) return null;
    return el('span', { class: `badge sent-${s.label}`, 'data-testid': 'hit-sentiment', 'data-label': s.label, title: `${t('score')} ${fmt(s.score)}` },
      `${t(s.label)} ${fmtSigned(s.score)}`);
  }
  function topicChip(tp, onClick) {
    return el('button', {
      type: 'button', class: `chip sent-${tp.sentiment || 'none'}`, 'data-testid': 'hit-topic', 'data-id': tp.id,
      title: `${topicDesc(tp.id)}${tp.confidence != null ? ` (${t('confidence')} ${fmt(tp.confidence)})` : ''}`,
      onclick: onClick,
    }, topicName(tp.id, tp.name), tp.sentiment ? ` · ${t(tp.sentiment)}` : '');
  }
  function renderSearch() {
    const view = $('#view-search');
    const c = cache.search;
    const list = clear($('#hits'));
    view.dataset.state = !c ? 'idle' : c.pending ? 'loading' : c.err ? 'error' : 'ready';
    view.dataset.key = c ? c.key : '';
    $('#sort').value = state.sort;
    $('#limit').value = state.limit;
    $('#mode').value = state.mode;
    const suggest = clear($('#suggested-topic'));
    if (!c || !c.data) {
      $('#results-total').textContent = c && c.pending ? t('loading') : '';
      $('#page-info').textContent = '';
      $('#page-prev').disabled = true; $('#page-next').disabled = true;
      return;
    }
    const d = c.data;
    const total = d.total || 0; const off = +state.offset; const lim = +state.limit;
    $('#results-total').textContent = t('n_results', fmtInt(total));
    $('#results-total').dataset.total = String(total);
    const st = d.suggested_topic;
    if (st && !state.topic) {
      suggest.appendChild(el('button', { type: 'button', class: 'chip', 'data-testid': 'suggested-topic', 'data-id': st.id,
        onclick: () => setState({ topic: st.id, offset: '0' }) }, t('suggested', fmtInt(st.count), topicName(st.id, st.name))));
    }
    if (!d.hits || !d.hits.length) list.appendChild(el('li', { class: 'empty', text: t('no_results') }));
    for (const h of d.hits || []) {
      const a = h.analysis || {};
      const snip = el('div', { class: 'snippet', 'data-testid': 'hit-snippet' });
      if (typeof h.snippet === 'string' && h.snippet) snip.appendChild(snippetNodes(h.snippet));
      else snip.textContent = h.text || '';
      const meta = el('div', { class: 'meta' },
        h.match === 'semantic' ? el('span', { class: 'badge', 'data-testid': 'hit-semantic' }, t('similar_meaning')) : null,
        sentimentBadge(a.sentiment),
        (a.topics || []).map((tp) => topicChip(tp, (ev) => { ev.stopPropagation(); setState({ topic: tp.id, offset: '0', view: 'search' }); })),
        el('span', { class: 'dim' }, [h.created_at ? String(h.created_at).slice(0, 10) : null, h.channel ? optionLabel('channel', h.channel) : null,
          a.lang ? optionLabel('lang', a.lang) : null, h.nps != null ? `NPS ${h.nps}` : null, h.csat != null ? `CSAT ${h.csat}` : null]
          .filter(Boolean).join(' · ')));
      const li = el('li', { class: 'hit', 'data-testid': 'hit', 'data-id': h.id, tabindex: '0', role: 'button', 'aria-label': `${t('h_detail')} ${h.id}` }, snip, meta);
      const open = () => setState({ detail: String(h.id) });
      li.addEventListener('click', open);
      li.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      list.appendChild(li);
    }
    const shown = (d.hits || []).length;
    $('#page-info').textContent = total ? `${Math.min(off + 1, total)}–${off + shown} / ${fmtInt(total)}` : '';
    $('#page-prev').disabled = off <= 0;
    $('#page-next').disabled = off + lim >= total;
  }

  // ---------------------------------------------------------------- detail panel
  const EV_COLORS = 6;
  function renderDetail() {
    const panel = $('#detail'); const backdrop = $('#detail-backdrop');
    if (!state.detail) { panel.hidden = true; backdrop.hidden = true; return; }
    const wasHidden = panel.hidden;
    panel.hidden = false; backdrop.hidden = false;
    const body = clear($('#detail-body'));
    const c = cache.detail;
    panel.dataset.state = !c ? 'idle' : c.pending ? 'loading' : c.err ? 'error' : 'ready';
    panel.dataset.id = state.detail;
    if (wasHidden) $('#detail-close').focus();
    if (!c || c.pending) { body.appendChild(el('p', { class: 'dim', text: t('loading') })); return; }
    if (c.err) { body.appendChild(el('p', { class: 'error-inline', text: c.err.message })); return; }
    const d = c.data;
    const cm = d.comment || d; const a = d.analysis || cm.analysis || {};
    const text = String(cm.text || '');
    const topics = a.topics || [];

    // Evidence: mark every character covered by some topic's span (byte offsets → indices).
    const toIndex = byteOffsetMapper(text);
    const cover = new Array(text.length).fill(null);
    topics.forEach((tp, ti) => {
      for (const ev of tp.evidence || []) {
        const s = toIndex(ev.start, false); const e = toIndex(ev.end, true);
        for (let i = s; i < e; i++) (cover[i] || (cover[i] = [])).includes(ti) || cover[i].push(ti);
      }
    });
    const textBox = el('p', { class: 'detail-text', 'data-testid': 'detail-text', lang: a.lang || null });
    let i = 0;
    while (i < text.length) {
      const key = cover[i] ? cover[i].join(',') : '';
      let j = i + 1;
      while (j < text.length && (cover[j] ? cover[j].join(',') : '') === key) j++;
      const part = text.slice(i, j);
      if (!key) textBox.appendChild(document.createTextNode(part));
      else {
        const ids = cover[i].map((ti) => topics[ti].id);
        textBox.appendChild(el('mark', {
          class: `ev ev-${cover[i][0] % EV_COLORS}`, 'data-testid': 'evidence', 'data-topics': ids.join(' '),
          title: cover[i].map((ti) => topicName(topics[ti].id, topics[ti].name)).join(', '),
        }, part));
      }
      i = j;
    }
    body.appendChild(el('p', { class: 'dim small' }, el('code', { text: String(cm.id) })));
    body.appendChild(textBox);
    if (topics.length) body.appendChild(el('p', { class: 'dim small', text: t('evidence') }));

    const s = a.sentiment;
    if (s) {
      const probs = s.probs || {};
      body.appendChild(el('section', { class: 'detail-sec' }, el('h3', { text: t('f_sentiment') }),
        el('p', {}, sentimentBadge(s)),
        el('div', { class: 'probs' }, ['negative', 'neutral', 'positive'].map((k) => el('div', { class: 'prob' },
          el('span', { class: 'plabel', text: t(k) }),
          el('span', { class: 'pbar' }, el('span', { class: `pfill sent-${k}`, style: { width: `${Math.round((num(probs[k]) || 0) * 100)}%` } })),
          el('span', { class: 'pval', text: pct(probs[k], 0) }))))));
    }
    if (topics.length) {
      body.appendChild(el('section', { class: 'detail-sec' }, el('h3', { text: t('topics') }),
        el('ul', { class: 'detail-topics' }, topics.map((tp, ti) => {
          const li = el('li', { 'data-testid': 'detail-topic', 'data-id': tp.id },
            el('span', { class: `swatch ev-${ti % EV_COLORS}` }), topicName(tp.id, tp.name),
            tp.sentiment ? el('span', { class: `badge sent-${tp.sentiment}`, text: t(tp.sentiment) }) : null,
            el('span', { class: 'dim', text: `${t('confidence')} ${fmt(tp.confidence)}` }));
          const hl = (on) => $$('mark.ev', textBox).forEach((m) => m.classList.toggle('focus', on && m.dataset.topics.split(' ').includes(tp.id)));
          li.addEventListener('mouseenter', () => hl(true)); li.addEventListener('mouseleave', () => hl(false));
          return li;
        }))));
    }
    if ((a.keywords || []).length) {
      body.appendChild(el('section', { class: 'detail-sec' }, el('h3', { text: t('keywords') }),
        el('p', { class: 'kw' }, a.keywords.map((k) => el('button', {
          type: 'button', class: 'chip', title: `${t('weight')} ${fmt(k.weight)}`,
          onclick: () => setState({ q: k.term, detail: '', view: 'search', offset: '0' }),
        }, k.term)))));
    }
    const rows = [['created_at', cm.created_at], ['channel', cm.channel && optionLabel('channel', cm.channel)], ['customer_id', cm.customer_id],
      ['nps', cm.nps], ['csat', cm.csat], ['lang', a.lang && optionLabel('lang', a.lang)]];
    const dl = el('dl', { class: 'meta-list' });
    for (const [k, v] of rows) if (v !== null && v !== undefined && v !== '') dl.append(el('dt', { text: t(k) }), el('dd', { text: String(v) }));
    for (const [k, v] of Object.entries(cm.attrs || {})) dl.append(el('dt', { text: k }), el('dd', { text: String(v) }));
    body.appendChild(el('section', { class: 'detail-sec' }, el('h3', { text: t('details') }), dl));
  }

  // ---------------------------------------------------------------- reports view
  function reportPaths() {
    const f = filterParams(state);
    const w = (extra) => { const p = new URLSearchParams(f); for (const [k, v] of Object.entries(extra)) p.set(k, v); return p.toString(); };
    return {
      summary: `v1/reports/summary?${w({})}`,
      drivers: `v1/reports/drivers?${w({ score: state.score, by: state.by, limit: '25' })}`,
      pain: `v1/reports/pain-points?${w({ score: state.score, limit: '12' })}`,
      trends: `v1/reports/trends?${w({ interval: state.interval })}`,
      facets: `v1/search?${w({ limit: '0' })}`,
    };
  }
  function cardState(name, bodySel) {
    const c = cache[name]; const b = $(bodySel);
    b.dataset.state = !c ? 'idle' : c.pending ? 'loading' : c.err ? 'error' : 'ready';
    b.dataset.key = c ? c.key : '';
    b.closest('.card').classList.toggle('loading', !!(c && c.pending));
    if (c && c.err) { clear(b).appendChild(el('p', { class: 'error-inline', text: c.err.message })); return null; }
    if (!c || !c.data) { if (!b.firstChild) b.appendChild(el('p', { class: 'dim', text: t('loading') })); return null; }
    return c.data;
  }
  function goSearch(patch) { setState({ view: 'search', offset: '0', detail: '', ...patch }); }

  function kpi(label, value, testid, sub) {
    return el('div', { class: 'kpi' }, el('div', { class: 'kpi-label', text: label }),
      el('div', { class: 'kpi-value', 'data-testid': testid, text: value }), sub ? el('div', { class: 'kpi-sub dim', text: sub }) : null);
  }
  function splitBar(counts, testid) {
    const tot = ['negative', 'neutral', 'positive'].reduce((s, k) => s + (num(counts[k]) || 0), 0) || 1;
    return el('div', { class: 'split', 'data-testid': testid }, ['negative', 'neutral', 'positive'].map((k) => {
      const v = num(counts[k]) || 0;
      return el('span', { class: `seg sent-${k}`, style: { width: `${(v / tot) * 100}%` }, title: `${t(k)} ${fmtInt(v)} (${pct(v / tot)})` });
    }));
  }
  let byOpen = false;
  function renderSummary() {
    const d = cardState('summary', '#summary-body');
    if (!d) return;
    const b = clear($('#summary-body'));
    const sc = d.sentiment || {};
    const tot = (num(sc.negative) || 0) + (num(sc.neutral) || 0) + (num(sc.positive) || 0);
    b.appendChild(el('div', { class: 'kpis' },
      kpi(t('comments'), fmtInt(d.n), 'summary-n'),
      kpi(t('nps'), d.nps ? fmtSigned(d.nps.nps, 1) : '—', 'summary-nps',
        d.nps ? `${t('promoters')} ${fmtInt(d.nps.promoters)} · ${t('passives')} ${fmtInt(d.nps.passives)} · ${t('detractors')} ${fmtInt(d.nps.detractors)}` : ''),
      kpi(t('csat'), d.csat ? pct(d.csat.csat) : '—', 'summary-csat', d.csat ? `${t('mean')} ${fmt(d.csat.mean)} / 5` : ''),
      kpi(t('mean_score'), fmtSigned(d.mean_score), 'summary-mean')));
    b.appendChild(el('div', { class: 'split-wrap' }, el('div', { class: 'kpi-label', text: t('sentiment_split') }), splitBar(sc, 'summary-sentiment'),
      el('div', { class: 'legend' }, ['negative', 'neutral', 'positive'].map((k) => el('span', {},
        el('i', { class: `sw sent-${k}` }), `${t(k)} ${fmtInt(sc[k] || 0)} (${pct(tot ? (sc[k] || 0) / tot : null)})`)))));
    // topic distribution
    const topics = Object.entries(d.topics || {}).sort((x, y) => (y[1].n || 0) - (x[1].n || 0));
    if (topics.length) {
      b.appendChild(el('table', { class: 'tbl', 'data-testid': 'summary-topics' },
        el('thead', {}, el('tr', {}, el('th', { text: t('topic') }), el('th', { class: 'r', text: t('n') }), el('th', { class: 'r', text: t('share') }), el('th', { text: t('sentiment_split') }))),
        el('tbody', {}, topics.map(([id, g]) => el('tr', {},
          el('td', {}, el('button', { type: 'button', class: 'linkish', onclick: () => goSearch({ topic: id }) }, topicName(id))),
          el('td', { class: 'r', text: fmtInt(g.n) }), el('td', { class: 'r', text: pct(g.share) }),
          el('td', {}, splitBar(g, 'topic-split')))))));
    }
    const byBox = el('details', { class: 'by-groups', 'data-testid': 'summary-by' }, el('summary', { text: t('breakdown') }));
    byBox.open = byOpen;
    byBox.addEventListener('toggle', () => { byOpen = byBox.open; });
    if (Object.keys(d.by || {}).length) b.appendChild(byBox);
    for (const [dim, groups] of Object.entries(d.by || {})) {
      const title = dim === 'channel' ? t('by_channel') : dim === 'lang' ? t('by_lang') : t('by_attr', dim.replace(/^attrs\./, ''));
      const rows = Object.entries(groups || {}).sort((x, y) => (y[1].n || 0) - (x[1].n || 0));
      const clickable = dim === 'channel' || dim === 'lang';
      byBox.appendChild(el('table', { class: 'tbl small', 'data-testid': `summary-by-${dim}` },
        el('caption', { text: title }),
        el('thead', {}, el('tr', {}, el('th', { text: '' }), el('th', { class: 'r', text: t('n') }), el('th', { class: 'r', text: t('nps') }),
          el('th', { class: 'r', text: t('csat') }), el('th', { class: 'r', text: t('negative_share') }))),
        el('tbody', {}, rows.map(([k, g]) => {
          const s = g.sentiment || {}; const n = (s.negative || 0) + (s.neutral || 0) + (s.positive || 0);
          const name = dim === 'channel' || dim === 'lang' ? optionLabel(dim, k) : k;
          return el('tr', {},
            el('td', {}, clickable ? el('button', { type: 'button', class: 'linkish', onclick: () => goSearch({ [dim]: k }) }, name) : name),
            el('td', { class: 'r', text: fmtInt(g.n) }), el('td', { class: 'r', text: g.nps ? fmtSigned(g.nps.nps, 1) : '—' }),
            el('td', { class: 'r', text: g.csat ? pct(g.csat.csat) : '—' }), el('td', { class: 'r', text: n ? pct(s.negative / n) : '—' }));
        }))));
    }
  }

  function driverTarget(d) {
    if (d.kind === 'keyword') return { q: d.id };
    return { topic: d.sentiment ? `${d.id}:${d.sentiment}` : d.id };
  }
  function renderDrivers() {
    const d = cardState('drivers', '#drivers-body');
    if (!d) return;
    const b = clear($('#drivers-body'));
    // NPS points when the score is NPS (mean-score impact in the tooltip); each topic followed by its sentiment rows.
    const npsUnit = d.score === 'nps' && (d.drivers || []).some((x) => num(x.nps_impact) !== null);
    const ds = groupByTopic((d.drivers || []).filter((x) => num(x.impact) !== null))
      .map((x) => (npsUnit && num(x.nps_impact) !== null ? { ...x, impact: x.nps_impact, ci95: x.nps_ci95, mean_impact: x.impact, mean_ci95: x.ci95 } : x));
    b.appendChild(el('p', { class: 'dim small', text: `${t('drivers_of', d.score === 'csat' ? 'CSAT' : 'NPS')} · n=${fmtInt(d.n)} · ${t('mean')} ${fmt(d.mean)}${d.nps != null ? ` · NPS ${fmtSigned(d.nps, 1)}` : ''}` }));
    if (!ds.length) { b.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    const rowH = 24; const labelW = 210; const plotW = 440; const valW = 70; const top = 18;
    const W = labelW + plotW + valW; const H = top + ds.length * rowH + 8;
    let lo = 0; let hi = 0;
    for (const x of ds) {
      const ci = Array.isArray(x.ci95) ? x.ci95 : [x.impact, x.impact];
      lo = Math.min(lo, x.impact, num(ci[0]) ?? x.impact); hi = Math.max(hi, x.impact, num(ci[1]) ?? x.impact);
    }
    const pad = (hi - lo) * 0.05 || 0.01; lo -= pad; hi += pad;
    const X = (v) => labelW + ((v - lo) / (hi - lo)) * plotW;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'drivers-svg', role: 'img', 'aria-label': t('h_drivers'), width: '100%' });
    // axis ticks
    const ticks = niceTicks(lo, hi, 5);
    for (const tk of ticks) {
      root.appendChild(svg('line', { x1: X(tk), x2: X(tk), y1: top - 4, y2: H - 8, class: tk === 0 ? 'zero' : 'grid' }));
      root.appendChild(svg('text', { x: X(tk), y: 11, class: 'tick', 'text-anchor': 'middle' }, fmtSigned(tk, Math.abs(hi - lo) < 0.2 ? 2 : 1)));
    }
    if (!ticks.includes(0)) root.appendChild(svg('line', { x1: X(0), x2: X(0), y1: top - 4, y2: H - 8, class: 'zero' }));
    ds.forEach((x, i) => {
      const y = top + i * rowH; const cy = y + rowH / 2;
      const ci = Array.isArray(x.ci95) ? x.ci95 : null;
      const sig = !!x.significant; const dir = x.impact < 0 ? 'neg' : 'pos';
      const dp = npsUnit ? 1 : 3;
      const tip = [driverLabel(x), `n=${fmtInt(x.n)}`, `${npsUnit ? t('nps_points') : t('impact')} ${fmtSigned(x.impact, dp)}${ci ? ` [${fmt(ci[0], dp)}, ${fmt(ci[1], dp)}]` : ''}`,
        x.mean_impact != null ? `${t('mean_impact')} ${fmtSigned(x.mean_impact, 3)}${x.mean_ci95 ? ` [${fmt(x.mean_ci95[0], 3)}, ${fmt(x.mean_ci95[1], 3)}]` : ''}` : null,
        `${t('mean')} ${fmt(x.mean_with)} vs ${fmt(x.mean_without)}`, x.p != null ? `p=${Number(x.p).toPrecision(2)}` : null,
        sig ? t('significant') : t('not_significant')].filter(Boolean).join('\n');
      const x0 = X(0); const x1 = X(x.impact);
      const g = svg('g', {
        class: `driver ${sig ? 'sig' : 'nonsig'} ${dir}`, 'data-testid': 'driver-bar', 'data-id': x.id, 'data-kind': x.kind,
        'data-sentiment': x.sentiment || '', 'data-significant': String(sig), tabindex: '0', role: 'button',
        'aria-label': tip.replace(/\n/g, ', '),
      }, svg('title', {}, tip),
      svg('rect', { x: 0, y, width: W, height: rowH, class: 'hover' }),
      svg('text', { x: labelW - 8, y: cy + 4, 'text-anchor': 'end', class: `label${x.sentiment ? ' sub' : ''}` }, truncate(driverLabel(x), 28)),
      svg('rect', { x: Math.min(x0, x1), y: y + 5, width: Math.max(1, Math.abs(x1 - x0)), height: rowH - 10, class: 'bar', rx: 2 }),
      ci ? [svg('line', { x1: X(ci[0]), x2: X(ci[1]), y1: cy, y2: cy, class: 'whisker' }),
        svg('line', { x1: X(ci[0]), x2: X(ci[0]), y1: cy - 5, y2: cy + 5, class: 'whisker' }),
        svg('line', { x1: X(ci[1]), x2: X(ci[1]), y1: cy - 5, y2: cy + 5, class: 'whisker' })] : null,
      svg('text', { x: labelW + plotW + 6, y: cy + 4, class: 'val' }, fmtSigned(x.impact, dp)));
      const go = () => goSearch(driverTarget(x));
      g.addEventListener('click', go);
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
      root.appendChild(g);
    });
    b.appendChild(root);
    b.appendChild(el('div', { class: 'legend' }, el('span', {}, el('i', { class: 'sw bar-sig-neg' }), `${t('significant')} (−)`),
      el('span', {}, el('i', { class: 'sw bar-sig-pos' }), `${t('significant')} (+)`),
      el('span', {}, el('i', { class: 'sw bar-nonsig' }), t('not_significant')), el('span', {}, `├─┤ ${t('ci95')}`)));
  }
  function groupByTopic(ds) {
    const out = []; const used = new Set();
    for (const x of ds) {
      if (x.kind === 'topic' && x.sentiment) continue;
      out.push(x); used.add(x);
      if (x.kind === 'topic') for (const y of ds) if (y.kind === 'topic' && y.sentiment && y.id === x.id) { out.push(y); used.add(y); }
    }
    return out.concat(ds.filter((x) => !used.has(x)));
  }
  function truncate(s, n) { const a = Array.from(s); return a.length > n ? a.slice(0, n - 1).join('') + '…' : s; }
  function niceTicks(lo, hi, count) {
    const span = hi - lo; if (!(span > 0)) return [0];
    const step0 = span / count; const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const err = step0 / mag; const step = (err >= 5 ? 10 : err >= 2 ? 5 : err >= 1 ? 2 : 1) * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Math.abs(v) < step / 1e6 ? 0 : +v.toPrecision(12));
    return out;
  }

  function renderPain() {
    const d = cardState('pain', '#pain-body');
    if (!d) return;
    const b = clear($('#pain-body'));
    const ps = d.pain_points || [];
    b.appendChild(el('p', { class: 'dim small', text: `n=${fmtInt(d.n)} · ${t('negative')} ${fmtInt(d.negative)}` }));
    if (!ps.length) { b.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    const maxW = Math.max(...ps.map((p) => num(p.weight) || 0), 1e-9);
    b.appendChild(el('ol', { class: 'pain' }, ps.map((p) => el('li', { 'data-testid': 'pain-point', 'data-id': p.id, 'data-kind': p.kind },
      el('div', { class: 'pain-head' },
        el('button', { type: 'button', class: 'linkish strong', onclick: () => goSearch(p.kind === 'keyword' ? { q: p.id, sentiment: 'negative' } : { topic: `${p.id}:negative` }) },
          p.kind === 'keyword' ? `“${p.id}”` : topicName(p.id)),
        p.kind === 'keyword' ? el('span', { class: 'tag', text: t('keyword') }) : null,
        el('span', { class: 'wbar' }, el('span', { style: { width: `${Math.max(2, ((num(p.weight) || 0) / maxW) * 100)}%` } })),
        el('span', { class: 'dim small', text: [`n=${fmtInt(p.n)}`, `${t('negative_share')} ${pct(p.negative_share, 0)}`, `${t('impact')} ${fmtSigned(p.impact, 3)}`,
          `${t('weight')} ${fmt(p.weight, 1)}`, p.z != null ? `z=${fmt(p.z, 1)}` : null].filter(Boolean).join(' · ') })),
      (p.examples || []).length ? el('ul', { class: 'examples' }, p.examples.map((ex) => el('li', {},
        el('button', { type: 'button', class: 'example', 'data-testid': 'pain-example', 'data-id': ex.id, onclick: () => setState({ detail: String(ex.id) }) }, String(ex.text || ''))))) : null))));
  }

  function renderTrends() {
    const d = cardState('trends', '#trends-body');
    const em = clear($('#emerging'));
    if (!d) return;
    const b = clear($('#trends-body'));
    const ps = d.periods || [];
    if (!ps.length) { b.appendChild(el('p', { class: 'dim', text: t('no_data') })); return; }
    const W = 760; const H = 250; const L = 44; const R = 44; const T = 30; const B = 34;
    const pw = (W - L - R) / ps.length; const bw = Math.max(1, pw * 0.78);
    const maxN = Math.max(...ps.map((p) => p.n || 0), 1);
    const Y = (n) => T + (H - T - B) * (1 - n / maxN);
    const S = (v) => T + (H - T - B) * (1 - (v + 1) / 2); // mean score in [-1, 1]
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'trends-svg', role: 'img', 'aria-label': t('h_trends'), width: '100%' });
    for (const tk of niceTicks(0, maxN, 4)) {
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: Y(tk), y2: Y(tk), class: 'grid' }));
      root.appendChild(svg('text', { x: L - 6, y: Y(tk) + 4, 'text-anchor': 'end', class: 'tick' }, fmtInt(tk)));
    }
    for (const v of [-1, 0, 1]) root.appendChild(svg('text', { x: W - R + 6, y: S(v) + 4, class: 'tick score' }, fmtSigned(v, 0)));
    root.appendChild(svg('line', { x1: L, x2: W - R, y1: S(0), y2: S(0), class: 'zero score-zero' }));
    const labelEvery = Math.ceil(ps.length / 9);
    ps.forEach((p, i) => {
      const x = L + i * pw + (pw - bw) / 2; const n = p.n || 0; const sh = p.sentiment || {};
      let y = Y(0);
      const segs = ['positive', 'neutral', 'negative'].map((k) => {
        const h = (Y(0) - Y(n)) * (num(sh[k]) || 0); y -= h;
        return svg('rect', { x, y, width: bw, height: Math.max(0, h), class: `seg sent-${k}` });
      });
      const tip = `${p.start}\nn=${fmtInt(n)}\n${['negative', 'neutral', 'positive'].map((k) => `${t(k)} ${pct(sh[k])}`).join(' · ')}\n${t('mean_score')} ${fmtSigned(p.mean_score)}${p.nps != null ? `\nNPS ${fmtSigned(p.nps, 1)}` : ''}${p.csat != null ? ` · CSAT ${pct(p.csat)}` : ''}`;
      root.appendChild(svg('g', { class: 'period', 'data-testid': 'trend-period', 'data-start': p.start }, svg('title', {}, tip), segs));
      if (i % labelEvery === 0) root.appendChild(svg('text', { x: x + bw / 2, y: H - B + 14, 'text-anchor': 'middle', class: 'tick' }, String(p.start).slice(d.interval === 'month' ? 0 : 5, d.interval === 'month' ? 7 : 10)));
    });
    const pts = ps.map((p, i) => (num(p.mean_score) === null ? null : `${L + i * pw + pw / 2},${S(p.mean_score)}`)).filter(Boolean);
    root.appendChild(svg('polyline', { points: pts.join(' '), class: 'score-line' }));
    ps.forEach((p, i) => { if (num(p.mean_score) !== null) root.appendChild(svg('circle', { cx: L + i * pw + pw / 2, cy: S(p.mean_score), r: 2.5, class: 'score-dot' })); });
    // emerging markers
    (d.emerging || []).forEach((e, k) => {
      let idx = ps.findIndex((p) => String(p.start) >= String(e.since));
      if (idx < 0) idx = ps.length - 1;
      const x = L + idx * pw;
      const name = e.kind === 'keyword' ? `“${e.id}”` : topicName(e.id);
      root.appendChild(svg('g', { class: 'emerging-marker', 'data-testid': 'emerging-marker', 'data-id': e.id },
        svg('title', {}, `${t('emerging')}: ${name} ${t('since')} ${e.since} (${pct(e.share_before)} → ${pct(e.share_after)}, z=${fmt(e.z, 1)})`),
        svg('line', { x1: x, x2: x, y1: T - 6 + (k % 3) * 10, y2: H - B, class: 'emerging-line' }),
        svg('text', { x: x + 3, y: T - 8 + (k % 3) * 10, class: 'emerging-label' }, `▲ ${name}`)));
    });
    b.appendChild(root);
    b.appendChild(el('div', { class: 'legend' }, ['negative', 'neutral', 'positive'].map((k) => el('span', {}, el('i', { class: `sw sent-${k}` }), t(k))),
      el('span', {}, el('i', { class: 'sw line' }), t('legend_mean')), el('span', {}, el('i', { class: 'sw emerging' }), t('emerging'))));
    if ((d.emerging || []).length) {
      em.appendChild(el('h3', { text: t('emerging') }));
      em.appendChild(el('ul', { class: 'emerging-list' }, d.emerging.map((e) => el('li', { 'data-testid': 'emerging-item', 'data-id': e.id },
        el('button', { type: 'button', class: 'linkish strong', onclick: () => goSearch(e.kind === 'keyword' ? { q: e.id, from: e.since } : { topic: e.id, from: e.since }) },
          e.kind === 'keyword' ? `“${e.id}”` : topicName(e.id)),
        ` ${t('since')} ${e.since}: ${pct(e.share_before)} → ${pct(e.share_after)} (z=${fmt(e.z, 1)}) `,
        e.kind === 'topic' ? sparkline(ps.map((p) => (p.n ? ((p.topics || {})[e.id] || 0) / p.n : 0))) : null))));
    }
  }
  function sparkline(vals) {
    const w = 120; const h = 22; const m = Math.max(...vals, 1e-9);
    const pts = vals.map((v, i) => `${(i / Math.max(1, vals.length - 1)) * w},${h - 2 - (v / m) * (h - 4)}`).join(' ');
    return svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: 'spark', 'aria-hidden': 'true' }, svg('polyline', { points: pts }));
  }

  // ---------------------------------------------------------------- CSV export (built client-side)
  function csvCell(v) {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'number' ? String(v) : String(v);
    if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`; // keep spreadsheets from running formulas
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }
  function toCsv(header, rows) { return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'; }
  function download(name, text) {
    const blob = new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  const CSV = {
    summary(d) {
      const rows = [];
      const grp = (section, key, g) => {
        const s = g.sentiment || g; const n = g.n;
        rows.push([section, key, n, s.negative, s.neutral, s.positive, g.share ?? null, g.mean_score ?? null,
          g.nps && typeof g.nps === 'object' ? g.nps.nps : null, g.csat && typeof g.csat === 'object' ? g.csat.csat : null]);
      };
      grp('all', '', { ...d, sentiment: d.sentiment });
      for (const [id, g] of Object.entries(d.topics || {})) grp('topic', id, g);
      for (const [dim, groups] of Object.entries(d.by || {})) for (const [k, g] of Object.entries(groups || {})) grp(dim, k, g);
      return toCsv(['section', 'key', 'n', 'negative', 'neutral', 'positive', 'share', 'mean_score', 'nps', 'csat'], rows);
    },
    drivers(d) {
      return toCsv(['score', 'kind', 'id', 'name', 'sentiment', 'n', 'mean_with', 'mean_without', 'impact', 'ci95_lo', 'ci95_hi', 'nps_impact',
        'nps_ci95_lo', 'nps_ci95_hi', 'effect', 'effect_ci95_lo', 'effect_ci95_hi', 'p', 'significant'],
      (d.drivers || []).map((x) => [d.score, x.kind, x.id, x.kind === 'topic' ? topicName(x.id) : x.id, x.sentiment, x.n, x.mean_with, x.mean_without,
        x.impact, (x.ci95 || [])[0], (x.ci95 || [])[1], x.nps_impact, (x.nps_ci95 || [])[0], (x.nps_ci95 || [])[1], x.effect,
        (x.effect_ci95 || [])[0], (x.effect_ci95 || [])[1], x.p, x.significant]));
    },
    pain(d) {
      const maxEx = Math.max(0, ...(d.pain_points || []).map((p) => (p.examples || []).length));
      const exH = []; for (let i = 1; i <= maxEx; i++) exH.push(`example${i}_id`, `example${i}_text`);
      return toCsv(['kind', 'id', 'name', 'n', 'negative_share', 'impact', 'weight', 'z', ...exH],
        (d.pain_points || []).map((p) => [p.kind, p.id, p.kind === 'topic' ? topicName(p.id) : p.id, p.n, p.negative_share, p.impact, p.weight, p.z,
          ...(p.examples || []).flatMap((e) => [e.id, e.text])]));
    },
    trends(d) {
      const ids = Array.from(new Set((d.periods || []).flatMap((p) => Object.keys(p.topics || {})))).sort();
      return toCsv(['start', 'n', 'negative', 'neutral', 'positive', 'mean_score', 'nps', 'mean_nps', 'csat', 'emerging_since_here', ...ids.map((i) => `topic:${i}`)],
        (d.periods || []).map((p) => [p.start, p.n, (p.sentiment || {}).negative, (p.sentiment || {}).neutral, (p.sentiment || {}).positive, p.mean_score,
          p.nps, p.mean_nps, p.csat, (d.emerging || []).filter((e) => e.since === p.start).map((e) => e.id).join(' '),
          ...ids.map((i) => (p.topics || {})[i] || 0)]));
    },
  };

  // ---------------------------------------------------------------- routing & rendering
  function renderStatic() {
    document.documentElement.lang = uiLang === 'zh' ? 'zh-CN' : uiLang;
    document.title = `Verbatim · ${t(`nav_${state.view}`)}`;
    for (const n of $$('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    for (const n of $$('[data-i18n-placeholder]')) n.setAttribute('placeholder', t(n.dataset.i18nPlaceholder));
    $('#detail-close').setAttribute('aria-label', t('close'));
    const tog = $('#lang-toggle');
    tog.textContent = { en: '简体', zh: '繁體', 'zh-Hant': 'English' }[uiLang];
    tog.dataset.lang = uiLang;
    $('#key-button').hidden = !(needKey || store.get(KEY_STORE));
  }
  function renderAll() {
    renderStatic();
    for (const v of $$('#main > .view')) v.hidden = v.id !== `view-${state.view}`;
    for (const a of $$('.tabs a')) a.setAttribute('aria-current', a.dataset.view === state.view ? 'page' : 'false');
    renderFilters();
    if (state.view === 'search') renderSearch();
    else if (state.view === 'reports') { $('#r-score').value = state.score; $('#r-by').value = state.by; $('#r-interval').value = state.interval; renderSummary(); renderDrivers(); renderPain(); renderTrends(); }
    if (views[state.view]) views[state.view].render();
    renderDetail();
    for (const f of afterRender) f();
  }
  function route() {
    state = parseHash();
    loadTaxonomy();
    if (state.view === 'search') load('search', searchPath(), renderAll);
    else if (views[state.view]) for (const [k, p] of Object.entries(views[state.view].paths())) load(k, p, renderAll);
    else {
      const p = reportPaths();
      for (const k of ['summary', 'drivers', 'pain', 'trends', 'facets']) load(k, p[k], renderAll);
    }
    if (state.detail) load('detail', `v1/comments/${encodeURIComponent(state.detail)}`, renderAll);
    renderAll();
  }

  // Views in their own files (assets/web/*.js, loaded before this one) push a factory onto
  // window.VerbatimViews: given this kit, it returns {name, defaults, i18n, paths(), render()}
  // (or only {i18n, afterRender} for helpers). Their state keys join the URL hash.
  const views = {};
  const afterRender = [];
  const kit = {};
  function installViews() {
    const finals = [];
    Object.assign(kit, {
      el, svg, clear, $, $$, t, num, fmt, fmtSigned, pct, fmtInt, topicName, optionLabel, driverLabel, truncate, niceTicks,
      setState, goSearch, filterParams, load, cache, api, download, toCsv, renderAll, snippetNodes,
      state: () => state, lang: () => uiLang, I18N, facetsPath: () => reportPaths().facets, renderDetail,
    });
    for (const factory of window.VerbatimViews || []) {
      const v = factory(kit);
      for (const [lang, dict] of Object.entries(v.i18n || {})) Object.assign(I18N[lang] || (I18N[lang] = {}), dict);
      Object.assign(DEFAULTS, v.defaults || {});
      if (v.afterRender) afterRender.push(v.afterRender);
      if (v.name) views[v.name] = v;
      if (v.finalize) finals.push(v.finalize);
    }
    for (const f of finals) f();
  }

  function init() {
    installViews();
    $('#search-form').addEventListener('submit', (ev) => { ev.preventDefault(); setState({ q: $('#q').value.trim(), offset: '0', detail: '' }); });
    for (const k of ['from', 'to', 'score_min', 'score_max']) $(`#${k}`).addEventListener('change', (ev) => setState({ [k]: ev.target.value.trim(), offset: '0' }));
    $('#clear-filters').addEventListener('click', () => setState(Object.fromEntries([...FILTERS.map((k) => [k, '']), ['offset', '0']])));
    $('#sort').addEventListener('change', (ev) => setState({ sort: ev.target.value, offset: '0' }));
    $('#mode').addEventListener('change', (ev) => setState({ mode: ev.target.value, offset: '0' }));
    $('#limit').addEventListener('change', (ev) => setState({ limit: ev.target.value, offset: '0' }));
    $('#page-prev').addEventListener('click', () => setState({ offset: String(Math.max(0, +state.offset - +state.limit)) }));
    $('#page-next').addEventListener('click', () => setState({ offset: String(+state.offset + +state.limit) }));
    $('#r-score').addEventListener('change', (ev) => setState({ score: ev.target.value }));
    $('#r-by').addEventListener('change', (ev) => setState({ by: ev.target.value }));
    $('#r-interval').addEventListener('change', (ev) => setState({ interval: ev.target.value }));
    for (const a of $$('.tabs a')) a.addEventListener('click', (ev) => { ev.preventDefault(); setState({ view: a.dataset.view, detail: '' }); });
    $('#lang-toggle').addEventListener('click', () => { uiLang = UI_LANGS[(UI_LANGS.indexOf(uiLang) + 1) % UI_LANGS.length]; store.set(LANG_STORE, uiLang); renderAll(); });
    const closeDetail = () => setState({ detail: '' });
    $('#detail-close').addEventListener('click', closeDetail);
    $('#detail-backdrop').addEventListener('click', closeDetail);
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && state.detail) closeDetail(); });
    for (const btn of $$('button.csv')) {
      btn.addEventListener('click', () => {
        const name = btn.dataset.csv; const c = cache[name];
        if (!c || !c.data) return;
        const day = new Date().toISOString().slice(0, 10);
        download(`verbatim-${name === 'pain' ? 'pain-points' : name}-${day}.csv`, CSV[name](c.data));
      });
    }
    $('#key-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = $('#key-input').value.trim();
      if (!v) return;
      store.set(KEY_STORE, v); $('#key-input').value = ''; $('#keybox').hidden = true; needKey = false;
      invalidate(); route();
    });
    $('#key-clear').addEventListener('click', () => { store.del(KEY_STORE); $('#key-input').value = ''; invalidate(); route(); });
    $('#key-button').addEventListener('click', () => { const kb = $('#keybox'); kb.hidden = !kb.hidden; if (!kb.hidden) $('#key-input').focus(); });
    window.addEventListener('hashchange', route);
    route();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
