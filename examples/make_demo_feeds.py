#!/usr/bin/env python3
"""Builds the offline demo feeds in examples/feeds/ from the seed articles.

Each seed outlet becomes one feed file, in a different feed format, so the demo also
exercises the parsers: RSS 2.0, Atom 1.0 and JSON Feed. Usage:
    python3 examples/make_demo_feeds.py ../shared/seeds/seeds.jsonl examples/feeds
"""
import json
import sys
from datetime import datetime, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

FORMATS = {"reuters.com": "rss", "ukrinform.ua": "rss", "bizmedia.kz": "atom",
           "thedeepdive.ca": "json", "kyivindependent.com": "atom"}


def rss(r, when):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>{escape(r['source'])}</title>
<link>https://{escape(r['source'])}/</link>
<description>Demo feed made from a seed article</description>
<item>
<title>{escape(r['title'])}</title>
<link>{escape(r['url'])}</link>
<guid isPermaLink="false">{escape(r['source'])}-{r['id']}</guid>
<pubDate>{format_datetime(when)}</pubDate>
<description>{escape(r['text'])}</description>
</item>
</channel>
</rss>
"""


def atom(r, when):
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{escape(r['source'])}</title>
<id>https://{escape(r['source'])}/</id>
<updated>{iso}</updated>
<link href="https://{escape(r['source'])}/"/>
<entry>
<title>{escape(r['title'])}</title>
<id>urn:babelwatch-demo:{escape(r['source'])}:{r['id']}</id>
<link href="{escape(r['url'])}"/>
<published>{iso}</published>
<updated>{iso}</updated>
<content type="text">{escape(r['text'])}</content>
</entry>
</feed>
"""


def jsonfeed(r, when):
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": r["source"],
        "home_page_url": f"https://{r['source']}/",
        "items": [{
            "id": f"{r['source']}-{r['id']}",
            "url": r["url"],
            "title": r["title"],
            "content_text": r["text"],
            "date_published": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }],
    }, ensure_ascii=False, indent=1) + "\n"


def main():
    src, out = sys.argv[1], sys.argv[2]
    for line in open(src, encoding="utf-8"):
        r = json.loads(line)
        when = datetime.strptime(r["published"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        kind = FORMATS[r["source"]]
        name = r["source"].split(".")[0]
        ext = {"rss": "xml", "atom": "atom", "json": "json"}[kind]
        body = {"rss": rss, "atom": atom, "json": jsonfeed}[kind](r, when)
        with open(f"{out}/{name}.{ext}", "w", encoding="utf-8") as f:
            f.write(body)


if __name__ == "__main__":
    main()
