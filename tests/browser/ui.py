"""How the browser tests find things: by what a person sees (roles, labels, Indonesian button texts, URLs).
The pages change under other work; the selectors live here so one edit follows them."""

import re
import shlex

from directory.demo import DEMO_PASSWORD


def content(where):
    """A page's own content (its <main>, not the header's links); a part of a page (a card) as it is."""
    return where.locator("main, #content").first if hasattr(where, "goto") else where


def field(page, label):
    """The form field whose label starts with ``label`` (a required field's label ends in " *")."""
    return content(page).get_by_label(re.compile(rf"^{re.escape(label)}(\s|\*|$)", re.IGNORECASE))


def button(page, name):
    """A button, or a link that acts as one, by its whole text."""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*$", re.IGNORECASE)
    scope = content(page)
    return scope.get_by_role("button", name=pattern).or_(scope.get_by_role("link", name=pattern)).first


def log_in(page, username):
    page.goto("/masuk/")
    field(page, "Nama pengguna").fill(username)
    field(page, "Sandi").fill(DEMO_PASSWORD)
    button(page, "Masuk").click()
    page.wait_for_url(lambda url: "/masuk/" not in url)


def card(page, text):
    """The list item or table row that mentions ``text`` (a request, a key, an API)."""
    return content(page).locator("li, tr, article").filter(has_text=text).first


def admin_open_row(page, changelist, text):
    """Opens, from an admin list, the object whose row mentions ``text``."""
    page.goto(changelist)
    row = page.get_by_role("row").filter(has_text=re.compile(re.escape(text), re.IGNORECASE))
    row.get_by_role("link").first.click()


def admin_decide(page, action, reason=""):
    """Takes a workflow step on an admin change page: its button, then the confirmation page's, if it has one."""
    button(page, action).click()
    page.wait_for_load_state()
    confirm = button(page, action)
    if confirm.count():
        if reason:
            field(page, "Alasan").fill(reason)
        confirm.click()
        page.wait_for_load_state()


KEY = re.compile(r"splp_[A-Za-z0-9]+_[A-Za-z0-9_-]{20,}")


def revealed_key(page):
    """The whole API key shown on the page, or None (elsewhere only its prefix is shown)."""
    found = KEY.search(content(page).inner_text())
    return found.group(0) if found else None


def shown_curl(page):
    """The text of the first ready-to-copy curl call on the page, or None."""
    calls = content(page).locator("pre, code").filter(has_text=re.compile(r"^\s*curl\s"))
    return calls.first.inner_text() if calls.count() else None


def curl_call(text):
    """(method, URL, headers, body) of a curl command line as a page shows it (continued lines, shell quoting)."""
    words = shlex.split(text.replace("\\\n", " "))
    assert words[0] == "curl", text
    method, url, headers, body = None, None, {}, None
    options = iter(words[1:])
    for word in options:
        if word in ("-X", "--request"):
            method = next(options)
        elif word in ("-H", "--header"):
            name, _, value = next(options).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw", "--data-binary"):
            body = next(options).encode()
        elif word.startswith("-"):
            assert word in ("-g", "--globoff", "-s", "--silent", "-i", "--include"), f"unexpected curl option {word}"
        else:
            url = word
    return method or ("POST" if body is not None else "GET"), url, headers, body


# Subresources a page needs; a page's own fetch() calls are checked by the tests of their endpoints.
LOADED_TYPES = {"image", "script", "stylesheet", "font"}


def record_failed_loads(page):
    """A list that fills with the images, scripts, style sheets and fonts the page fails to load."""
    failed = []
    page.on("requestfailed", lambda request: request.resource_type in LOADED_TYPES
            and failed.append(f"{request.url} ({request.failure})"))
    page.on("response", lambda response: response.request.resource_type in LOADED_TYPES
            and response.status >= 400 and failed.append(f"{response.url} ({response.status})"))
    return failed


def broken_images_and_icons(page):
    """Images that did not decode, and declared icons (link rel=icon) that do not answer 200: the browser fetches
    icons outside the page's own requests, so they are asked for here."""
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(img => img.src && !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
    icons = page.evaluate("""() => Array.from(document.querySelectorAll('link[rel~="icon"]'), link => link.href)""")
    for icon in icons:
        status = page.request.get(icon).status
        if status != 200:
            broken.append(f"{icon} ({status})")
    return broken


# The outermost elements that stick out past the right edge of the viewport, outside any container that scrolls
# or clips them (a table's overflow-x:auto wrapper): what makes the page itself scroll sideways.
OVERFLOW_JS = """() => {
  const width = window.innerWidth, scrollWidth = document.scrollingElement.scrollWidth;
  if (scrollWidth <= width + 1) return {};
  const contained = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  const sticksOut = el => el.getBoundingClientRect().right > width + 1;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + Array.from(el.classList, c => '.' + c).join('')
    + ' "' + (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"'
    + ' ' + Math.round(el.getBoundingClientRect().width) + 'px wide';
  const outermost = Array.from(document.body.querySelectorAll('*')).filter(el =>
    sticksOut(el) && !contained(el) && !(el.parentElement && el.parentElement !== document.body
                                         && sticksOut(el.parentElement)));
  if (!outermost.length) return {};
  return {scrollWidth, width, elements: outermost.slice(0, 8).map(describe)};
}"""


def layout_problems(page):
    """{} when the page does not scroll sideways; else its scroll width and the elements that stick out."""
    return page.evaluate(OVERFLOW_JS)
