// File: daemon/status_page.h
//
// The status page babelwatchd serves at "/": one self-contained HTML document (inline CSS and
// JavaScript, no asset from anywhere else; a Content-Security-Policy forbids any) that fetches
// /api/stories and /api/feeds from the same origin every 30 s and shows the stories spreading
// now (their languages, each language's first sighting on a timeline) and the feeds' health.
// Everything the API returns is inserted as text (textContent), never as HTML; links are kept
// only for http(s) URLs. When the API needs a bearer token (non-loopback listen address), open
// the page as /#token=<api_token>: the token stays in the browser tab (sessionStorage) and is
// sent as "Authorization: Bearer"; it never appears in a request line or a log.
// Threading: AddStatusPage() before HttpServer::Start(); the handler runs on the server's
// strand and calls `header_text` there (it must be quick and thread-safe).
// Errors: none; paths other than "/" and "/index.html" under the "/" route answer 404.
#pragma once

#include <functional>
#include <string>

#include "net/http_server.h"

namespace babelwatch::daemon {

// The page itself, with `header_text` (HTML-escaped here) shown next to the title.
[[nodiscard]] std::string StatusPageHtml(const std::string& header_text);

// Routes GET "/" and "/index.html" to the page. `header_text` (may be empty) supplies a short
// line for the header, e.g. "babelwatchd 0.1.0 · 12 feeds"; it is called once per request.
// The route is the "/" prefix, so any other path that no longer route claims gets a 404 here.
void AddStatusPage(net::HttpServer& server, std::function<std::string()> header_text);

}  // namespace babelwatch::daemon
