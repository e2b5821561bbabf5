// The one script of the web pages (served as /static/app.js; the CSP forbids inline scripts):
// 1. shows every <time datetime> and chart date in the browser's locale and time zone;
// 2. type-ahead on the search box: asks /api/v1/bloggers as the user types and lists the matches
//    in an ARIA combobox (arrow keys, Enter, Escape, or a click). Without it the form still
//    submits to / and the server lists the results. Provider text is only ever set with textContent.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function localizeTimes(root) {
  for (const el of root.querySelectorAll('time[datetime]')) {
    const at = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(at.getTime())) continue;
    el.title = at.toISOString();
    el.textContent = dateTime.format(at);
  }
  for (const el of root.querySelectorAll('[data-date]')) {
    const at = new Date(el.getAttribute('data-date'));
    if (Number.isNaN(at.getTime())) continue;
    el.textContent = el.getAttribute('data-with-time') === '1' ? shortDateTime.format(at) : dateOnly.format(at);
  }
}

function bloggerPath(hit) {
  return `/bloggers/${encodeURIComponent(hit.platform)}/${encodeURIComponent(hit.username)}`;
}

function optionFor(hit, index) {
  const li = document.createElement('li');
  li.id = `suggestion-${index}`;
  li.setAttribute('role', 'option');
  li.setAttribute('aria-selected', 'false');
  li.dataset.href = bloggerPath(hit);
  const handle = document.createElement('span');
  handle.className = 'handle';
  handle.textContent = `@${hit.username}`;
  li.append(handle);
  if (hit.full_name) {
    const name = document.createElement('bdi');
    name.className = 'name';
    name.textContent = hit.full_name;
    li.append(' ', name);
  }
  const followers = document.createElement('span');
  followers.className = 'meta';
  followers.textContent = hit.followers_count === null ? '' : `${hit.followers_count.toLocaleString()} followers`;
  li.append(' ', followers);
  return li;
}

function setUpTypeAhead(input) {
  const list = document.getElementById(input.getAttribute('aria-controls'));
  const status = document.getElementById('suggestions-status');
  let active = -1;
  let timer = null;
  let controller = null;
  let asked = 0;

  const options = () => Array.from(list.querySelectorAll('[role="option"]'));
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    const all = options();
    if (all.length === 0) return;
    active = (index + all.length) % all.length;
    all.forEach((el, i) => {
      el.setAttribute('aria-selected', i === active ? 'true' : 'false');
    });
    input.setAttribute('aria-activedescendant', all[active].id);
    all[active].scrollIntoView({ block: 'nearest' });
  };
  const go = (el) => {
    if (el?.dataset.href) window.location.assign(el.dataset.href);
  };

  async function ask(query) {
    const mine = ++asked;
    controller?.abort();
    controller = new AbortController();
    let body;
    try {
      const res = await fetch(`/api/v1/bloggers?q=${encodeURIComponent(query)}&per_page=8`, {
        signal: controller.signal,
        headers: { accept: 'application/json' },
      });
      if (!res.ok) return close();
      body = await res.json();
    } catch {
      return; // aborted by a newer keystroke, or offline: the form still works
    }
    if (mine !== asked) return;
    list.replaceChildren(...body.data.map(optionFor));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    const n = body.data.length;
    status.textContent = n === 0 ? 'No matches' : `${body.meta.total_exact ? body.meta.total : `${body.meta.total}+`} matches, ${n} shown`;
    list.hidden = n === 0;
    input.setAttribute('aria-expanded', n === 0 ? 'false' : 'true');
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query === '') {
      close();
      status.textContent = '';
      return;
    }
    timer = setTimeout(() => ask(query), 120);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (list.hidden) return;
      event.preventDefault();
      highlight(active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      go(options()[active]);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => go(event.target.closest('[role="option"]')));
  input.addEventListener('blur', () => setTimeout(close, 150));
}

localizeTimes(document);
const search = document.getElementById('q');
if (search?.getAttribute('role') === 'combobox') setUpTypeAhead(search);
