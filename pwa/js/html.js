// html`` escapes every value (a nested html`` or an array of them goes in as is; null, undefined,
// false are nothing); quote every attribute; a value that opens an href/src must be relative,
// same-origin or blob:. render() is the one place markup becomes DOM.
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

class Html { constructor(s) { this.s = s; } }

const part = (v) => (v instanceof Html ? v.s : Array.isArray(v) ? v.map(part).join('')
  : v == null || v === false ? '' : String(v).replace(/[&<>"'`]/g, (c) => ESC[c]));

export function safeUrl(url) {
  const s = String(url ?? '');
  try {
    const u = new URL(s, location.href);
    if (u.origin === location.origin || u.protocol === 'blob:') return s;
  } catch { /* not a URL */ }
  return '';
}

export function html(strings, ...values) {
  if (!strings.raw) throw new TypeError('html is a tag');
  return new Html(strings.reduce((out, s, i) => {
    const before = strings[i - 1], v = values[i - 1];
    if (/\s[\w:-]+=$/.test(before)) throw new SyntaxError(`unquoted ${before.slice(-30)}`);
    return out + part(/[\s:](href|src|action|formaction|poster)=["']$/i.test(before) ? safeUrl(v) : v) + s;
  }));
}

export function render(el, template) {
  if (!(template instanceof Html)) throw new TypeError('render takes html``');
  const t = document.createElement('template');
  t.innerHTML = template.s;
  el.replaceChildren(t.content);
}
