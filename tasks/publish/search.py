"""Search without a server: search.json beside index.html, and the one script that reads it.

The index holds, for every paper of every current release, what a reader searches by: title,
authors, award, conference, the themes naming it and its verified claims (the only claims
published as fact), with the address of its review page (else its place in the digest). The
script is inline in index.html and allowed by its SHA-256 in the page's Content-Security-Policy,
with `connect-src 'self'` for the one fetch of search.json: nothing else may run or load. It
builds results with DOM text nodes, never markup. Opened from a file, a browser refuses the fetch:
the search box says so and the rest of the site reads as usual.

Why our own index and not Pagefind (`pagefind[bin]` 1.5.2 installs from PyPI, a 5.4 MB binary that
runs offline): its client is a script, WebAssembly and index fragments loaded from the site (the
CSP would need 'self' scripts and 'wasm-unsafe-eval'), and it indexes rendered HTML rather than our
records. Ours is one JSON file of about 1 KB a paper (3.2 KB for the three fixture conferences of
tests/browser/test_site_served.py) and 60 lines of script that the CSP names by hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from tasks.awards import award_heading
from tasks.models import Digest, PaperResult
from tasks.store import check_key

SEARCH_FILE = "search.json"
CLAIM_CHARS = 600  # of verified claims per paper: enough to find it by, small enough to load at once


@dataclass(frozen=True)
class Searchable:
    """One current release as the index needs it: its digest and where its pages are (from the root)."""

    digest: Digest
    prefix: str  # "<slug>/releases/<release>"


def _claims(result: PaperResult) -> str:
    summary = result.summary
    text = " ".join(c.text for c in summary.verified_claims()) if summary else ""
    text = " ".join(text.split())
    return text if len(text) <= CLAIM_CHARS else text[:CLAIM_CHARS].rsplit(" ", 1)[0]


def _page(prefix: str, result: PaperResult) -> str:
    """Where a hit leads: the paper's review page, else its place in the digest; only ever a path of
    the release (digest.json is data: a link in it is checked like a store key)."""
    try:
        return check_key(f"{prefix}/{result.artifacts['review.html']}")
    except (KeyError, ValueError):
        return f"{prefix}/digest.html#{quote(result.paper_id)}"


def search_index(releases: Iterable[Searchable]) -> bytes:
    """search.json: one record per paper of every current release (keys kept short: it is fetched)."""
    papers = []
    for release in releases:
        digest = release.digest
        themes: dict[str, list[str]] = {}
        for theme in digest.overview.themes if digest.overview else []:
            for paper in theme.papers:
                themes.setdefault(paper.paper_id, []).append(theme.label)
        for result in digest.results:
            url = _page(release.prefix, result)
            papers.append(
                {
                    "t": " ".join(result.entry.title.split()),
                    "a": result.entry.authors,
                    "w": award_heading(result.entry.award),
                    "c": digest.conference.name,
                    "k": themes.get(result.paper_id, []),
                    "v": _claims(result),
                    "u": url,
                }
            )
    return json.dumps({"version": 1, "papers": papers}, ensure_ascii=False, separators=(",", ":")).encode()


SEARCH_JS = """
(function () {
  var form = document.getElementById('search'), box = document.getElementById('q');
  var list = document.getElementById('hits'), status = document.getElementById('search-status');
  var papers = null;
  function norm(s) { return String(s).toLowerCase().normalize('NFKD').replace(/[\\u0300-\\u036f]/g, ''); }
  function load() {
    if (papers) { return Promise.resolve(papers); }
    return fetch('search.json').then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    }).then(function (data) {
      papers = data.papers.map(function (p) {
        p.title = norm(p.t); p.names = norm(p.a.join(' '));
        p.all = [p.title, p.names, norm(p.w), norm(p.c), norm(p.k.join(' ')), norm(p.v)].join(' ');
        return p;
      });
      return papers;
    });
  }
  function score(p, words) {
    var s = 0;
    for (var i = 0; i < words.length; i++) {
      if (p.all.indexOf(words[i]) < 0) { return 0; }
      s += p.title.indexOf(words[i]) >= 0 ? 3 : p.names.indexOf(words[i]) >= 0 ? 2 : 1;
    }
    return s;
  }
  function show(query) {
    var words = norm(query).split(/\\s+/).filter(Boolean);
    list.textContent = '';
    if (!words.length) { status.textContent = ''; return; }
    load().then(function (all) {
      var hits = all.map(function (p) { return [score(p, words), p]; })
        .filter(function (h) { return h[0] > 0; }).sort(function (a, b) { return b[0] - a[0]; });
      status.textContent = hits.length + (hits.length === 1 ? ' paper' : ' papers') + ' found';
      hits.slice(0, 25).forEach(function (h) {
        var p = h[1], li = document.createElement('li'), a = document.createElement('a');
        a.href = p.u; a.textContent = p.t; li.appendChild(a);
        var meta = document.createElement('div'); meta.className = 'meta';
        meta.textContent = p.c + ' \\u00b7 ' + p.w + ' \\u00b7 ' + p.a.join(', ');
        li.appendChild(meta); list.appendChild(li);
      });
    }).catch(function () {
      status.textContent = 'Search needs the site served over HTTP(S) (a browser does not let a page ' +
        'opened from a file read the index); the conference, venue and year pages work as they are.';
    });
  }
  form.addEventListener('submit', function (e) { e.preventDefault(); show(box.value); });
  box.addEventListener('input', function () { show(box.value); });
  var asked = new URLSearchParams(window.location.search).get('q');
  if (asked) { box.value = asked; show(asked); }
})();
"""  # fetches SEARCH_FILE, shows at most 25 hits


def script_csp() -> str:
    """What index.html's CSP adds for search: this script by hash, and fetches of its own origin."""
    digest = base64.b64encode(hashlib.sha256(SEARCH_JS.encode()).digest()).decode()
    return f"; script-src 'sha256-{digest}'; connect-src 'self'; form-action 'none'"


def search_html() -> list[str]:
    """The search box, its results and the script (body lines of index.html)."""
    return [
        '<form id="search" role="search" class="search">',
        '<label for="q">Search every paper by title, author, award, theme or claim</label>',
        '<input id="q" name="q" type="search" autocomplete="off" placeholder="e.g. a name or a word">',
        "</form>",
        '<p id="search-status" class="meta" role="status" aria-live="polite"></p>',
        '<ol id="hits" class="hits"></ol>',
        f"<script>{SEARCH_JS}</script>",
    ]
