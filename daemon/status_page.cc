#include "daemon/status_page.h"

#include <utility>

#include "core/escape.h"

namespace babelwatch::daemon {
namespace {

// Everything in one document: the Content-Security-Policy below allows nothing else.
constexpr const char* kPageHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>babelwatch status</title>
<style>
:root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --ok:#12805c; --bad:#c4320a; --bg:#f8f9fb; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1em; align-items:baseline; padding:12px 20px; background:#fff;
         border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; }
header .muted { color:var(--muted); }
main { padding:16px 20px; max-width:1200px; }
h2 { font-size:15px; margin:20px 0 8px; }
.story { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px;
         margin-bottom:10px; }
.story .title { font-weight:600; }
.story .meta { color:var(--muted); font-size:12px; }
.langs { margin:6px 0; }
.lang { display:inline-block; padding:1px 7px; margin-right:4px; border-radius:10px;
        background:#e8eefc; font-size:12px; font-weight:600; }
.timeline { position:relative; height:26px; border-top:1px dashed var(--line); margin-top:8px; }
.tick { position:absolute; top:-5px; width:0; height:10px; border-left:2px solid #3b5bdb; }
.tick span { position:absolute; top:10px; left:-10px; font-size:11px; white-space:nowrap; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); font-size:13px; }
td.err { color:var(--bad); max-width:420px; overflow-wrap:anywhere; }
.state-ok { color:var(--ok); font-weight:600; }
.state-failing { color:var(--bad); font-weight:600; }
#problem { color:var(--bad); }
.empty { color:var(--muted); }
</style>
</head>
<body data-loaded="0">
<header><h1>babelwatch</h1><span class="muted" id="header-text">)HTML";

constexpr const char* kPageTail = R"HTML(</span>
<span class="muted" id="updated"></span><span id="problem"></span></header>
<main>
<h2>Spreading now <span class="muted" id="story-count"></span></h2>
<div id="stories"><p class="empty">Loading…</p></div>
<h2>Feeds <span class="muted" id="feed-summary"></span></h2>
<table><thead><tr><th>Feed</th><th>State</th><th>Last fetch</th><th>Last success</th>
<th>Items</th><th>Last error</th></tr></thead><tbody id="feeds"></tbody></table>
</main>
<script>
"use strict";
(function () {
  // A token given as /#token=... stays in this tab only and is sent as a bearer token.
  var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    try { sessionStorage.setItem("babelwatch-token", decodeURIComponent(m[1])); } catch (e) {}
    history.replaceState(null, "", location.pathname);
  }
  function token() {
    try { return sessionStorage.getItem("babelwatch-token"); } catch (e) { return null; }
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function when(ms) {
    if (!ms) return "never";
    var d = new Date(ms);
    return isNaN(d) ? "?" : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }
  function ago(ms, now) {
    var s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 120) return s + " s ago";
    if (s < 7200) return Math.round(s / 60) + " min ago";
    return Math.round(s / 3600) + " h ago";
  }
  function get(path) {
    var headers = {};
    var t = token();
    if (t) headers.Authorization = "Bearer " + t;
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r.json();
    });
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function safeUrl(u) { return /^https?:\/\//i.test(u || "") ? u : null; }

  function renderStories(page, now) {
    var box = document.getElementById("stories");
    var items = (page && Array.isArray(page.items)) ? page.items.slice() : [];
    items.sort(function (a, b) {
      var la = (a.languages || []).length, lb = (b.languages || []).length;
      if (la !== lb) return lb - la;
      return Date.parse(b.last_seen) - Date.parse(a.last_seen);
    });
    box.replaceChildren();
    var cross = items.filter(function (s) { return (s.languages || []).length >= 2; }).length;
    document.getElementById("story-count").textContent =
        "(" + items.length + " stories, " + cross + " in two or more languages)";
    if (items.length === 0) { box.appendChild(el("p", "empty", "No stories in the window yet.")); }
    items.forEach(function (s) {
      var langs = Array.isArray(s.languages) ? s.languages : [];
      var card = el("div", "story");
      card.dataset.storyId = String(s.id);
      card.dataset.languages = langs.map(function (l) { return l.lang; }).join(",");
      var first = langs[0] || {};
      var title = el("div", "title");
      var url = safeUrl(first.url);
      if (url) {
        var a = el("a", null, first.title || "(untitled)");
        a.href = url; a.rel = "noopener noreferrer"; a.target = "_blank";
        title.appendChild(a);
      } else {
        title.textContent = first.title || "(untitled)";
      }
      card.appendChild(title);
      card.appendChild(el("div", "meta", "story " + s.id + " · " + plural(s.documents, "document") + " from " +
          plural(s.independent_sources, "independent source") + " · first seen " +
          ago(Date.parse(s.first_seen), now) + " · last " + ago(Date.parse(s.last_seen), now)));
      var lrow = el("div", "langs");
      langs.forEach(function (l) {
        var b = el("span", "lang", l.lang);
        b.title = (l.source || "") + ": " + (l.title || "");
        lrow.appendChild(b);
      });
      card.appendChild(lrow);
      // Timeline: each language at its first sighting, from the story's start to now.
      var t0 = Date.parse(s.first_seen), t1 = Math.max(now, t0 + 1);
      var line = el("div", "timeline");
      langs.forEach(function (l) {
        var t = Date.parse(l.first_seen);
        if (isNaN(t)) return;
        var tick = el("div", "tick");
        tick.dataset.lang = l.lang;
        tick.style.left = (96 * (t - t0) / (t1 - t0)).toFixed(2) + "%";
        tick.appendChild(el("span", null, l.lang + " +" + Math.round((t - t0) / 60000) + " min"));
        line.appendChild(tick);
      });
      card.appendChild(line);
      box.appendChild(card);
    });
  }

  function renderFeeds(page, now) {
    var body = document.getElementById("feeds");
    var items = (page && Array.isArray(page.items)) ? page.items : [];
    body.replaceChildren();
    var failing = 0;
    items.forEach(function (f) {
      var tr = el("tr");
      tr.dataset.feedId = f.feed_id;
      tr.dataset.state = f.failing ? "failing" : (f.last_error ? "erroring" : "ok");
      if (f.failing) failing++;
      tr.appendChild(el("td", null, f.title ? f.feed_id + " — " + f.title : f.feed_id));
      tr.appendChild(el("td", f.failing ? "state-failing" : "state-ok",
                        f.failing ? "failing (" + f.consecutive_errors + " errors)"
                                  : (f.last_error ? "error" : "ok")));
      tr.appendChild(el("td", null, f.last_fetch_ms ? ago(f.last_fetch_ms, now) : "never"));
      tr.appendChild(el("td", null, when(f.last_success_ms)));
      tr.appendChild(el("td", null, f.items_total));
      tr.appendChild(el("td", "err", f.last_error || ""));
      body.appendChild(tr);
    });
    document.getElementById("feed-summary").textContent =
        "(" + items.length + " feeds, " + failing + " failing)";
  }

  function refresh() {
    var now = Date.now();
    Promise.all([get("/api/stories?limit=50"), get("/api/feeds?limit=500")]).then(function (r) {
      renderStories(r[0], now);
      renderFeeds(r[1], now);
      document.getElementById("problem").textContent = "";
      document.getElementById("updated").textContent = "updated " + when(now);
    }).catch(function (e) {
      document.getElementById("problem").textContent = " " + e.message;
    }).then(function () {
      document.body.dataset.loaded = "1";
    });
  }
  refresh();
  setInterval(refresh, 30000);
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string StatusPageHtml(const std::string& header_text) {
  return kPageHead + Escaped(header_text, EscapeSet::kHtmlAttribute) + kPageTail;
}

void AddStatusPage(net::HttpServer& server, std::function<std::string()> header_text) {
  server.Handle(
      "GET", "/", [header_text = std::move(header_text)](const net::HttpServerRequest& request) {
        net::HttpServerResponse response;
        if (request.path != "/" && request.path != "/index.html") {
          response.status = 404;
          response.body = "not found: " + request.path + "\n";
          return response;
        }
        response.content_type = "text/html; charset=utf-8";
        response.headers = {
            {"Content-Security-Policy",
             "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
             "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'none'"},
            {"X-Content-Type-Options", "nosniff"},
            {"Referrer-Policy", "no-referrer"},
            {"Cache-Control", "no-store"},
        };
        response.body = StatusPageHtml(header_text ? header_text() : std::string());
        return response;
      });
}

}  // namespace babelwatch::daemon
