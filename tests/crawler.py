"""A small crawler for tests/test_crawl.py: follows links and GET forms, records every 5xx.

With TESTING on, Flask re-raises an exception from a view instead of answering 500; the
crawler catches it and keeps the traceback, so a crash is reported like a 500 with its
cause. Downloads are fetched but not parsed. The fan-out is bounded per endpoint and
path arguments (one unit's results page, say), not per URL, so that every unit is reached,
and the links of a page are taken round-robin from its links and forms.
"""
import itertools
import sys
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from werkzeug.exceptions import HTTPException

# The period formats the console's period field names (2025, 2025-Q3, 2025-H1, 2025-9M,
# 2025-07; empty = the last 12 months), around the fixed clock of tests/conftest.py
# (20 Nov 2026): a whole past half-year, the current incomplete year, quarter and month,
# the first partial month of the demo year and a year without data.
PERIODS = ("", "2026", "2026-H1", "2026-Q4", "2026-9M", "2026-11", "2025-11", "2001")
# Text fields whose empty value is not the interesting one.
TEXT_SAMPLES = {"period": PERIODS, "goal": ("", "90"), "target": ("95", "100")}
NEVER = ("/admin/logout", "/static/")
# Smaller budgets where a URL costs much and says little new: downloads, and the
# insights page (a forecast per node and questionnaire).
BUDGETS = {"admin.export_responses": 6, "admin.download_report": 4, "admin.download_posters": 2,
           "admin.download_qr": 2, "admin.download_instrument": 2, "admin.show_insights": 12}
PAGE_BUDGET = 40  # distinct URLs per endpoint and path arguments (e.g. one unit's results)
FULL_PRODUCT = 40  # forms with at most this many combinations are tried in full


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # [name, [values], selected]


class PageParser(HTMLParser):
    """Links (a href) and GET forms with their fields' possible values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self.form = self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.form = Form(a.get("action") or "", (a.get("method") or "get").lower())
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "select" and a.get("name"):
            self.select = [a["name"], [], None]
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select[1].append(value)
            if "selected" in a:
                self.select[2] = value
        elif tag in ("input", "textarea") and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            value = a.get("value") or ""
            if kind in ("checkbox", "radio"):
                self.form.fields.append([a["name"], ["", value or "on"],
                                         (value or "on") if "checked" in a else ""])
            elif kind == "hidden":
                self.form.fields.append([a["name"], [value], value])
            else:
                samples = TEXT_SAMPLES.get(a["name"], ())
                self.form.fields.append([a["name"], list(dict.fromkeys([value, *samples])), value])

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            if self.select[2] is None and self.select[1]:
                self.select[2] = self.select[1][0]
            self.select = None


def form_queries(form):
    """Query strings for a GET form, most varied first: the form as shown, every value of
    each field with the others as shown, questionnaire x period in full, then every
    combination when there are few."""
    fields = [(name, values or [""], selected if selected is not None else (values or [""])[0])
              for name, values, selected in form.fields]
    if not fields:
        return [[]]
    names = [name for name, _v, _s in fields]
    default = [(name, selected) for name, _v, selected in fields]
    queries = [default]
    for k, (name, values, _s) in enumerate(fields):
        for value in values:
            queries.append([*default[:k], (name, value), *default[k + 1:]])
    if "instrument" in names and "period" in names:
        i, p = names.index("instrument"), names.index("period")
        for instrument, period in itertools.product(fields[i][1], fields[p][1]):
            query = list(default)
            query[i], query[p] = ("instrument", instrument), ("period", period)
            queries.append(query)
    combos = list(itertools.islice(itertools.product(*[v for _n, v, _s in fields]),
                                   FULL_PRODUCT + 1))
    if len(combos) <= FULL_PRODUCT:
        queries += [list(zip(names, combo, strict=True)) for combo in combos]
    return queries


def interleave(lists):
    """Round-robin over ``lists`` so that a budget keeps some of each."""
    return [x for group in itertools.zip_longest(*lists) for x in group if x is not None]


@dataclass
class Failure:
    who: str
    url: str
    status: int
    endpoint: str
    detail: str

    def __str__(self):
        return f"[{self.who}] GET {self.url} -> {self.status} ({self.endpoint})\n{self.detail}"


class Crawler:
    def __init__(self, app, client, who, headers=None, budget=PAGE_BUDGET):
        self.app, self.client, self.who, self.headers = app, client, who, headers or {}
        self.page_budget = budget
        self.adapter = app.url_map.bind("localhost")
        self.seen, self.budget = set(), Counter()
        self.failures, self.visited = [], 0
        self.started = time.monotonic()

    def endpoint(self, path):
        try:
            endpoint, args = self.adapter.match(path, method="GET")
        except HTTPException:
            return None, ()
        return endpoint, tuple(sorted(args.items()))

    def normal(self, url, base="/"):
        parts = urlsplit(urljoin("http://localhost" + base, url))
        if parts.netloc != "localhost" or parts.scheme not in ("http", "https"):
            return None
        if any(parts.path.startswith(prefix) for prefix in NEVER):
            return None
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        return parts.path + ("?" + query if query else "")

    def allowed(self, url):
        endpoint, args = self.endpoint(urlsplit(url).path)
        cap = min(BUDGETS.get(endpoint, self.page_budget), self.page_budget)
        key = (endpoint, args)
        if self.budget[key] >= cap:
            return False
        self.budget[key] += 1
        return True

    def get(self, url):
        """GET ``url``; a 5xx or an exception is recorded. Returns the response or None."""
        self.visited += 1
        if self.visited % 50 == 0:  # shown with pytest -s
            print(f"{self.who}: {self.visited} GETs, {time.monotonic() - self.started:.0f} s",
                  file=sys.stderr)
        endpoint = self.endpoint(urlsplit(url).path)[0]
        try:
            response = self.client.get(url, headers=self.headers)
        except Exception:  # noqa: BLE001 - a crash is what the crawler looks for
            self.failures.append(Failure(self.who, url, 500, endpoint,
                                         traceback.format_exc(limit=-8)))
            return None
        if response.status_code >= 500:
            self.failures.append(Failure(self.who, url, response.status_code, endpoint,
                                         response.get_data(as_text=True)[:500]))
        return response

    def crawl(self, starts):
        queue = deque()
        for start in starts:
            url = self.normal(start)
            if url and url not in self.seen:
                self.seen.add(url)
                queue.append(url)
        while queue:
            url = queue.popleft()
            response = self.get(url)
            if response is None:
                continue
            if response.status_code in (301, 302, 303, 307, 308):
                found = [response.headers.get("Location", "")]
            elif response.mimetype == "text/html":
                found = self.found_in(response.get_data(as_text=True), url)
            else:
                found = []
            for link in found:
                target = self.normal(link, urlsplit(url).path)
                if target and target not in self.seen and self.allowed(target):
                    self.seen.add(target)
                    queue.append(target)
        print(f"{self.who}: {self.visited} GETs in {time.monotonic() - self.started:.0f} s",
              file=sys.stderr)
        return self

    def found_in(self, html, url):
        parser = PageParser()
        parser.feed(html)
        found = [list(parser.links)]
        for form in parser.forms:
            if form.method != "get":
                continue
            action = form.action or urlsplit(url).path
            found.append([urlsplit(action).path + "?" + urlencode(query)
                          for query in form_queries(form)])
        return interleave(found)
