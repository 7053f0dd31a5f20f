#include "detect/boilerplate.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace babelwatch::detect {

namespace {

std::string_view Trim(std::string_view s) {
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && sp(s.front())) s.remove_prefix(1);
  while (!s.empty() && sp(s.back())) s.remove_suffix(1);
  return s;
}

int Words(std::string_view s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    bool w = !(c == ' ' || c == '\t');
    if (w && !in) ++n;
    in = w;
  }
  return n;
}

// Lower-cases ASCII only (markers are matched case-insensitively in ASCII; the Cyrillic ones
// are listed in the case they appear in).
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EndsSentence(std::string_view s) {
  if (s.empty()) return false;
  static const std::array<std::string_view, 8> ends = {".", "!", "?", "\"", "»", "”", ".)", "…"};
  for (auto e : ends) {
    if (s.size() >= e.size() && s.substr(s.size() - e.size()) == e) return true;
  }
  return false;
}

// A line after which the rest of the page is furniture (related links, promotions, bios).
bool IsSectionMarker(std::string_view line) {
  static const std::array<std::string_view, 34> markers = {
      "read more",      "read also",         "related",         "recommended",  "more from",
      "more stories",   "you may also like", "most read",       "most popular", "trending",
      "video articles", "show more",         "leave a review",  "share this",   "advertisement",
      "sponsored",      "lesen sie auch",    "mehr zum thema",  "lire aussi",   "à lire aussi",
      "leggi anche",    "lees ook",          "ver también",     "lea también",  "читайте также",
      "читайте також",  "по теме",           "новости по теме", "реклама",      "підписуйтесь",
      "подписывайтесь", "popular",           "in world",        "latest news"};
  std::string l = AsciiLower(Trim(line));
  while (!l.empty() && (l.back() == ':' || l.back() == '.')) l.pop_back();
  for (auto m : markers) {
    if (l == m) return true;
  }
  return false;
}

// A line that is page furniture wherever it stands: bylines, disclaimers, read times,
// separators, share/subscribe prompts.
bool IsFurniture(std::string_view line) {
  if (line.size() <= 2) return true;   // "-", "•", "|"
  if (Words(line) > 40) return false;  // a paragraph of text, not a label
  std::string l = AsciiLower(line);
  static const std::array<std::string_view, 16> contains = {"min read",
                                                            "all rights reserved",
                                                            "©",
                                                            "subscribe",
                                                            "newsletter",
                                                            "cookie",
                                                            "click here",
                                                            "follow us",
                                                            "sign up",
                                                            "not a recommendation",
                                                            "the author holds",
                                                            "the author has no",
                                                            "for this briefing was found",
                                                            "contact us via",
                                                            "article image",
                                                            "share on"};
  for (auto c : contains) {
    if (l.find(c) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

HeadlineSplit SplitLeadingHeadline(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(start, nl - start));
    if (!line.empty()) {
      if (nl == text.size() || Words(line) > kMaxHeadlineWords || IsFurniture(line) ||
          IsSectionMarker(line)) {
        break;  // one paragraph only, a paragraph of text, or furniture: no headline
      }
      return {line, text.substr(nl + 1)};
    }
    start = nl + 1;
  }
  return {{}, text};
}

std::string CleanBoilerplate(std::string_view title, std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(start, nl - start));
    if (!line.empty()) lines.push_back(line);
    start = nl + 1;
  }
  std::string_view t = Trim(title);
  // sentence_after[i]: some line at or after i is a sentence paragraph.
  std::vector<bool> sentence_after(lines.size() + 1, false);
  for (size_t i = lines.size(); i-- > 0;) {
    sentence_after[i] = sentence_after[i + 1] || EndsSentence(lines[i]) || Words(lines[i]) >= 12;
  }
  std::string out;
  size_t body_chars = 0;  // characters of sentence paragraphs kept so far
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!t.empty() && line == t) continue;
    if (IsSectionMarker(line)) {
      if (body_chars > 0) break;  // everything after it is related links or promotion
      continue;
    }
    if (IsFurniture(line)) continue;
    bool sentence = EndsSentence(line) || Words(line) >= 12;
    if (!sentence) {
      // A short label line (navigation, section heading, image caption, related headline).
      // Before the body it is dropped; once the body has started, a run of two or more such
      // lines is a list of links and ends the article.
      if (body_chars > 0 && i + 1 < lines.size()) {
        std::string_view next = lines[i + 1];
        bool next_label = !(EndsSentence(next) || Words(next) >= 12) || IsFurniture(next);
        if (next_label) break;
      }
      // Before the body: labels and captions go when sentences follow them.
      if (body_chars == 0 && sentence_after[i + 1]) continue;
    }
    if (!out.empty()) out.push_back('\n');
    out.append(line);
    if (sentence) body_chars += line.size();
  }
  return out;
}

}  // namespace babelwatch::detect
