// Axe-style checks written by hand, run inside the page (each function is self-contained, as
// page.evaluate sends its source). In: the rendered page. Out: a list of offending elements
// (empty when the check passes).

// Every visible input, select and textarea has an accessible name: a <label for>, a wrapping
// <label>, aria-label or aria-labelledby.
export function a11yLabels() {
  const bad = [];
  for (const n of document.querySelectorAll('input, select, textarea')) {
    if (n.type === 'hidden' || n.offsetParent === null) continue;
    const named = (n.id && document.querySelector(`label[for="${CSS.escape(n.id)}"]`)) || n.closest('label')
      || (n.getAttribute('aria-label') || '').trim() || (n.getAttribute('aria-labelledby') || '').trim();
    if (!named) bad.push(n.outerHTML.slice(0, 80));
  }
  return bad;
}

// Every visible element with its own text has a contrast ratio of at least 4.5:1 (3:1 for
// large text) between its colour (SVG: fill) and the first opaque background behind it.
export function a11yContrast() {
  const rgb = (s) => { const m = String(s).match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const blend = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  function background(n) {
    const layers = [];
    for (let e = n; e && e.nodeType === 1; e = e.parentElement) {
      if (e instanceof SVGElement && !(e instanceof SVGSVGElement)) continue;
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const c of layers.reverse()) bg = blend(c, bg);
    return bg;
  }
  const bad = [];
  for (const n of document.querySelectorAll('body *')) {
    if (!Array.from(n.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
    const r = n.getBoundingClientRect();
    if (!r.width || !r.height || n.closest('[hidden], .visually-hidden, option, title, :disabled')) continue;
    const cs = getComputedStyle(n);
    if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) continue;
    let fg = rgb(n instanceof SVGElement ? cs.fill : cs.color);
    if (!fg) continue;
    const bg = background(n);
    if (fg.a < 1) fg = blend(fg, bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(cs.fontSize); const bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need - 0.005) bad.push(`${n.tagName.toLowerCase()}.${String(n.className && n.className.baseVal !== undefined ? n.className.baseVal : n.className)} "${n.textContent.trim().slice(0, 24)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}
