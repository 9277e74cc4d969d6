#!/usr/bin/python3
"""Check an HTML page forkwatchd served (used by the t055x tests).

  page-check.py FILE [--has CLASS:TEXT]... [--no TEXT]...

Fails (exit 1, saying why) unless the page parses, uses only the tags
and attributes the dashboards use, loads nothing from elsewhere (every
href/src/action is a path on this server, a query or an anchor), has no
script and no event-handler attribute, and, for each --has, holds an
element with CSS class CLASS whose text contains TEXT; --no TEXT must
not occur in the raw bytes.
"""
import html.parser
import sys

TAGS = set("""html head meta title link body header nav main footer a h1 h2 h3 p span b i
code dl dt dd div table thead tbody tr th td ul li section form input select option button
label figure figcaption svg line text polyline polygon circle path rect g small br""".split())
URL_ATTRS = {"href", "src", "action", "xlink:href"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors, self.stack, self.classed = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.errors.append("unexpected tag <%s>" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.errors.append("event handler attribute %s on <%s>" % (k, tag))
            if k in URL_ATTRS and v is not None and not v.startswith(("/", "?", "#")) and v != "data:,":
                self.errors.append("<%s %s=%r> points elsewhere" % (tag, k, v))
            if k in URL_ATTRS and v is not None and v.startswith("//"):
                self.errors.append("<%s %s=%r> is protocol-relative" % (tag, k, v))
        cls = dict(attrs).get("class") or ""
        entry = [tag, cls.split(), []]
        if tag not in ("meta", "link", "input", "br", "line", "circle", "path", "rect",
                       "polyline", "polygon"):
            self.stack.append(entry)
        if entry[1]:
            self.classed.append(entry)

    def handle_endtag(self, tag):
        while self.stack:
            e = self.stack.pop()
            if e[0] == tag:
                break

    def handle_data(self, data):
        for e in self.stack:
            e[2].append(data)


def main():
    path, args = sys.argv[1], sys.argv[2:]
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")  # must be UTF-8
    p = Page()
    p.feed(text)
    p.close()
    errors = list(p.errors)
    low = text.lower()
    if "<script" in low:
        errors.append("a <script> element")
    i = 0
    while i < len(args):
        what, val = args[i], args[i + 1]
        i += 2
        if what == "--has":
            cls, want = val.split(":", 1)
            if not any(cls in e[1] and want in "".join(e[2]) for e in p.classed):
                errors.append("no element of class %r containing %r" % (cls, want))
        elif what == "--no":
            if val.encode() in raw:
                errors.append("%r occurs in the page" % val)
        else:
            sys.exit("page-check.py: unknown option %r" % what)
    if errors:
        for e in errors[:20]:
            print("FAIL: %s: %s" % (path, e))
        sys.exit(1)
    print("    %s: %d bytes, %d elements with a class, ok" % (path, len(raw), len(p.classed)))


main()
