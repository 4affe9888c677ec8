// Verbatim page: the Traditional Chinese UI (zh-Hant), derived from the Simplified one. In: the
// `zh` strings of app.js and of every view, once all are installed. Out: `I18N['zh-Hant']`,
// the same strings with each Simplified character the UI uses mapped to its Traditional form
// (pairs below, from src/text/data/t2s_chars.txt inverted, ambiguous ones chosen by hand), and
// the converter, which app.js also applies to topic names. A string the table misses shows
// its Simplified form, never English.
'use strict';
(window.VerbatimViews = window.VerbatimViews || []).push(function hant(kit) {
  const PAIRS = '与與个個为為么麼于於产產仅僅从從体體余餘关關兴興击擊制製务務动動势勢区區发發变變后後周週响響国國复複够夠实實对對属屬应應当當总總悬懸户戶报報择擇损損据據数數无無显顯权權条條来來样樣没沒点點现現电電盖蓋筛篩简簡类類级級线線细細结結维維网網荐薦补補见見规規览覽计計议議论論证證评評词詞话話该該详詳语語请請调調负負贬貶贴貼趋趨轴軸载載还還连連选選邮郵钥鑰键鍵门門闭閉问問间間页頁题題驱驅';
  const MAP = new Map();
  for (let i = 0; i + 1 < PAIRS.length; i += 2) MAP.set(PAIRS[i], PAIRS[i + 1]);
  const toHant = (s) => String(s).replace(/[\u4e00-\u9fff]/g, (c) => MAP.get(c) || c);
  kit.toHant = toHant;
  function finalize() {
    const out = {};
    for (const [k, v] of Object.entries(kit.I18N.zh)) out[k] = typeof v === 'function' ? (...a) => toHant(v(...a)) : toHant(v);
    kit.I18N['zh-Hant'] = Object.assign(out, { 'zh-Hans': '簡體中文', 'zh-Hant': '繁體中文' });
  }
  return { finalize };
});
