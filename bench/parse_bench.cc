// Parser throughput (MB/s and items/s) of feeds::ParseFeed on (1) every input of the shared
// conformance corpora (feedparser/ and gofeed/, read through their index.json) and (2) a
// generated ~10 MB RSS 2.0 feed, an Atom 1.0 feed and a JSON Feed of the same shape.
// Prints figures only; asserts nothing.
//
//   parse_bench [--shared DIR] [--dump-generated PATH.xml] [benchmark flags]
// --dump-generated writes the generated RSS feed (for bench/parse_vs_feedparser.sh) and exits.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/feed_parser.h"

namespace {

namespace fs = std::filesystem;
using babelwatch::feeds::ParseContext;
using babelwatch::feeds::ParsedFeed;
using babelwatch::feeds::ParseFeed;

struct Doc {
  std::string body;
  ParseContext ctx;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The corpus: every case input with its HTTP context, as the conformance runner serves it.
std::vector<Doc> LoadCorpus(const std::string& shared) {
  std::vector<Doc> docs;
  for (const char* source : {"feedparser", "gofeed"}) {
    fs::path dir = fs::path(shared) / "feeds" / "conformance" / source;
    std::string index_text = ReadAll(dir / "index.json");
    simdjson::dom::parser parser;
    simdjson::dom::element index;
    if (parser.parse(index_text).get(index) != simdjson::SUCCESS) {
      std::cerr << "parse_bench: " << (dir / "index.json") << ": unreadable\n";
      continue;
    }
    simdjson::dom::array cases;
    if (index["cases"].get_array().get(cases) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element c : cases) {
      std::string_view case_dir, input;
      if (c["dir"].get_string().get(case_dir) != simdjson::SUCCESS ||
          c["input"].get_string().get(input) != simdjson::SUCCESS) {
        continue;
      }
      Doc doc;
      doc.body = ReadAll(dir / std::string(case_dir) / std::string(input));
      simdjson::dom::parser eparser;
      simdjson::dom::element expected;
      std::string expected_text = ReadAll(dir / std::string(case_dir) / "expected.json");
      if (eparser.parse(expected_text).get(expected) == simdjson::SUCCESS) {
        std::string_view url, type;
        if (expected["context"]["url"].get_string().get(url) == simdjson::SUCCESS) {
          doc.ctx.url = std::string(url);
        }
        if (expected["context"]["headers"]["Content-Type"].get_string().get(type) ==
            simdjson::SUCCESS) {
          doc.ctx.content_type = std::string(type);
        }
      }
      docs.push_back(std::move(doc));
    }
  }
  return docs;
}

std::string Paragraph(int i) {
  std::string text = "<p>Item " + std::to_string(i) +
                     " reports on the talks between delegations &amp; what they mean. ";
  while (text.size() < 700) {
    text += "Officials said the <b>negotiations</b> would resume next week in Geneva. ";
  }
  return text + "</p>";
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

constexpr int kGeneratedItems = 9000;  // ~10 MB, under kMaxItems

std::string GenerateRss() {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
      "<title>Generated</title><link>https://gen.example/</link><language>en</language>\n";
  for (int i = 0; i < kGeneratedItems; ++i) {
    s += "<item><title>Headline number " + std::to_string(i) +
         " about a summit</title><link>https://gen.example/a/" + std::to_string(i) +
         "</link><guid>urn:gen:" + std::to_string(i) +
         "</guid><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><description>" +
         Escape(Paragraph(i)) + "</description></item>\n";
  }
  return s + "</channel></rss>\n";
}

std::string GenerateAtom() {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
      "<title>Generated</title><id>urn:gen</id>\n";
  for (int i = 0; i < kGeneratedItems; ++i) {
    s += "<entry><title>Headline number " + std::to_string(i) +
         "</title><id>urn:gen:" + std::to_string(i) + "</id><link href=\"https://gen.example/a/" +
         std::to_string(i) + "\"/><updated>2003-12-31T10:14:55Z</updated><content type=\"html\">" +
         Escape(Paragraph(i)) + "</content></entry>\n";
  }
  return s + "</feed>\n";
}

std::string GenerateJson() {
  std::string s =
      "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Generated\","
      "\"items\":[\n";
  for (int i = 0; i < kGeneratedItems; ++i) {
    if (i) s += ",\n";
    s += "{\"id\":\"" + std::to_string(i) + "\",\"url\":\"https://gen.example/a/" +
         std::to_string(i) + "\",\"title\":\"Headline number " + std::to_string(i) +
         "\",\"date_published\":\"2003-12-31T10:14:55Z\",\"content_html\":\"" + Paragraph(i) +
         "\"}";
  }
  return s + "]}\n";
}

std::string g_shared = SHARED_DIR_DEFAULT;

void RunDocs(benchmark::State& state, const std::vector<Doc>& docs) {
  size_t bytes = 0;
  for (const Doc& d : docs) bytes += d.body.size();
  int64_t items = 0;
  int64_t errors = 0;
  for (auto _ : state) {
    for (const Doc& d : docs) {
      babelwatch::Result<ParsedFeed> r = ParseFeed(d.body, d.ctx);
      if (r.has_value()) {
        items += static_cast<int64_t>(r->items.size());
      } else {
        ++errors;
      }
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["items/s"] =
      benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
  state.counters["docs"] = static_cast<double>(docs.size());
  state.counters["errors/iter"] =
      static_cast<double>(errors) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}

void BM_ConformanceCorpus(benchmark::State& state) {
  static const std::vector<Doc> docs = LoadCorpus(g_shared);
  RunDocs(state, docs);
}

void BM_Generated10MB(benchmark::State& state, std::string (*generate)()) {
  static std::vector<std::vector<Doc>> cache(3);
  std::vector<Doc>& docs = cache[static_cast<size_t>(state.range(0))];
  if (docs.empty()) docs.push_back(Doc{generate(), ParseContext{}});
  state.counters["MB"] = static_cast<double>(docs[0].body.size()) / 1e6;
  RunDocs(state, docs);
}

}  // namespace

BENCHMARK(BM_ConformanceCorpus)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Generated10MB, rss, GenerateRss)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Generated10MB, atom, GenerateAtom)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Generated10MB, json, GenerateJson)->Arg(2)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--shared") == 0 && i + 1 < argc) {
      g_shared = argv[++i];
    } else if (std::strcmp(argv[i], "--dump-generated") == 0 && i + 1 < argc) {
      std::ofstream out(argv[++i], std::ios::binary);
      out << GenerateRss();
      return out ? 0 : 1;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
