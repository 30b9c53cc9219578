// Building the page from data without HTML strings: everything a node or an account sends is
// put in as text, never parsed as markup.

/** `h('a', {href: '#/'}, 'text', child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A hash shortened for tables, with the whole of it in the title. */
export function short(hash, keep = 8) {
  const s = String(hash);
  return s.length > 2 * keep + 3 ? h('span', { title: s, class: 'mono' }, `${s.slice(0, keep + 2)}\u2026${s.slice(-keep)}`) : h('span', { class: 'mono' }, s);
}
