#!/usr/bin/python3
"""Follow every link of every page of a forkwatchd, as a new user's clicks would.

  crawl.py URL [--must PATH_PREFIX]... [--max N]

From URL/ it fetches each page, takes every href and src on this server
(forms are not followed), and fetches those in turn, each once.  Every
answer must be 2xx: a link that answers 4xx or 5xx is a dead end, printed
with the page that links to it.  --must: some page visited starts with
this path (e.g. /runs/).  Prints what it visited; exits 1 on a dead end.
"""
import html.parser
import sys
import urllib.error
import urllib.parse
import urllib.request


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)


def main():
    base, args = sys.argv[1].rstrip("/"), sys.argv[2:]
    must, limit = [], 2000
    while args:
        if args[0] == "--must":
            must.append(args[1])
        elif args[0] == "--max":
            limit = int(args[1])
        args = args[2:]
    seen, queue, bad, kinds = {"/": None}, ["/"], [], {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while queue:
        path = queue.pop(0)
        try:
            with opener.open(base + path, timeout=30) as r:
                status, ctype, body = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, body = e.code, e.headers.get("Content-Type", ""), e.read()
        if not 200 <= status < 300:
            bad.append("%s answers %d (linked from %s): %s" %
                       (path, status, seen[path], body[:200].decode("utf-8", "replace")))
            continue
        kinds[ctype.split(";")[0]] = kinds.get(ctype.split(";")[0], 0) + 1
        if not ctype.startswith("text/html"):
            continue
        p = Links()
        p.feed(body.decode("utf-8", "replace"))
        for link in p.links:
            u = urllib.parse.urlsplit(urllib.parse.urljoin(base + path, link))
            if u.scheme + "://" + u.netloc != base:
                continue  # page-check.py sees that no link leaves the server
            target = u.path + ("?" + u.query if u.query else "")
            if target not in seen and len(seen) < limit:
                seen[target] = path
                queue.append(target)
    for m in must:
        if not any(s.startswith(m) for s in seen):
            bad.append("no page links to %s..." % m)
    print("    crawled %d URLs (%s), %d dead ends" %
          (len(seen), ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())), len(bad)))
    for b in bad:
        print("FAIL:", b)
    sys.exit(1 if bad else 0)


main()
