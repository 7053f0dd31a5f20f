#include "feeds/html_text.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace babelwatch::feeds {
namespace {

struct EntityRow {
  std::string_view name;
  uint32_t cp;
};

constexpr EntityRow kEntities[] = {
#include "feeds/html_entities.inc"
};

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

// Elements whose content is not text for a reader.
bool IsHiddenElement(std::string_view name) {
  return EqualsIgnoreCase(name, "script") || EqualsIgnoreCase(name, "style") ||
         EqualsIgnoreCase(name, "head") || EqualsIgnoreCase(name, "template") ||
         EqualsIgnoreCase(name, "noscript");
}

bool IsInlineElement(std::string_view name) {
  static constexpr std::string_view kInline[] = {
      "a",    "abbr", "b",    "bdi", "bdo",    "cite", "code",    "data", "dfn",    "em",  "font",
      "i",    "kbd",  "mark", "q",   "s",      "samp", "small",   "span", "strong", "sub", "sup",
      "time", "tt",   "u",    "var", "strike", "big",  "acronym", "ins",  "del",    "wbr"};
  for (std::string_view inl : kInline) {
    if (EqualsIgnoreCase(name, inl)) return true;
  }
  return false;
}

// Decodes one reference starting at text[pos] == '&'. On success appends the character,
// sets *consumed and returns true.
bool DecodeOneReference(std::string_view text, size_t pos, std::string& out, size_t* consumed) {
  size_t i = pos + 1;
  if (i >= text.size()) return false;
  if (text[i] == '#') {
    ++i;
    bool hex = false;
    if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) {
      hex = true;
      ++i;
    }
    size_t start = i;
    uint64_t value = 0;
    while (i < text.size() && i - start < 10) {
      char c = text[i];
      int digit = -1;
      if (IsAsciiDigit(c)) {
        digit = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      }
      if (digit < 0) break;
      value = value * (hex ? 16 : 10) + static_cast<uint64_t>(digit);
      ++i;
    }
    if (i == start) return false;
    if (i < text.size() && text[i] == ';') ++i;
    uint32_t cp = value > 0x10FFFF || value == 0 ? 0xFFFD : static_cast<uint32_t>(value);
    // Windows-1252 "smart quotes" sent as C1 references (&#150;, &#8217;'s twin), as browsers do.
    static constexpr std::array<uint16_t, 32> kC1 = {
        0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
        0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};
    if (cp >= 0x80 && cp <= 0x9F) cp = kC1[cp - 0x80];
    AppendUtf8(cp, out);
    *consumed = i - pos;
    return true;
  }
  size_t start = i;
  while (i < text.size() && i - start < 32 && (IsAsciiAlpha(text[i]) || IsAsciiDigit(text[i]))) {
    ++i;
  }
  if (i == start || i >= text.size() || text[i] != ';') return false;
  std::optional<uint32_t> cp = LookupHtmlEntity(text.substr(start, i - start));
  if (!cp) return false;
  AppendUtf8(*cp, out);
  *consumed = i + 1 - pos;
  return true;
}

// Appends text with entities decoded, turning every whitespace char into ' '.
// Source line breaks survive only when `keep_lines`: feeds often put plain text with
// newlines in an HTML-typed description, and those lines are the text's structure.
void AppendDecodedText(std::string_view text, std::string& out, bool keep_lines) {
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      size_t consumed = 0;
      if (DecodeOneReference(text, i, out, &consumed)) {
        i += consumed;
        continue;
      }
    }
    const char c = text[i];
    out.push_back(keep_lines && c == '\n' ? '\n' : IsAsciiSpace(c) ? ' ' : c);
    ++i;
  }
}

}  // namespace

std::optional<uint32_t> LookupHtmlEntity(std::string_view name) {
  auto it =
      std::lower_bound(std::begin(kEntities), std::end(kEntities), name,
                       [](const EntityRow& row, std::string_view key) { return row.name < key; });
  if (it == std::end(kEntities) || it->name != name) return std::nullopt;
  return it->cp;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string DecodeHtmlEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      size_t consumed = 0;
      if (DecodeOneReference(text, i, out, &consumed)) {
        i += consumed;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string CollapseWhitespace(std::string_view text, Lines lines) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  bool pending_break = false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool space = IsAsciiSpace(static_cast<char>(c));
    if (!space && c == 0xC2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      space = true;
      ++i;
    }
    if (space) {
      if (!out.empty()) {
        pending_space = true;
        if (lines == Lines::kKeep && (c == '\n' || c == '\r')) pending_break = true;
      }
      continue;
    }
    if (pending_space) out.push_back(pending_break ? '\n' : ' ');
    pending_space = false;
    pending_break = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string HtmlToText(std::string_view html, Lines lines) {
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  const size_t n = html.size();
  while (i < n) {
    size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) lt = n;
    AppendDecodedText(html.substr(i, lt - i), out, lines == Lines::kKeep);
    i = lt;
    if (i >= n) break;
    // html[i] == '<'
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? n : end + 3;
      continue;
    }
    if (html.compare(i, 9, "<![CDATA[") == 0) {
      size_t end = html.find("]]>", i + 9);
      size_t stop = end == std::string_view::npos ? n : end;
      for (size_t k = i + 9; k < stop; ++k) out.push_back(IsAsciiSpace(html[k]) ? ' ' : html[k]);
      i = end == std::string_view::npos ? n : end + 3;
      continue;
    }
    size_t j = i + 1;
    bool closing = false;
    if (j < n && html[j] == '/') {
      closing = true;
      ++j;
    }
    if (j < n && (html[j] == '!' || html[j] == '?') && !closing) {
      size_t end = html.find('>', j);
      i = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    if (j >= n || !IsAsciiAlpha(html[j])) {
      out.push_back('<');  // not a tag: literal text
      ++i;
      continue;
    }
    size_t name_start = j;
    while (j < n &&
           (IsAsciiAlpha(html[j]) || IsAsciiDigit(html[j]) || html[j] == ':' || html[j] == '-')) {
      ++j;
    }
    std::string_view name = html.substr(name_start, j - name_start);
    // Skip attributes, honouring quotes so a '>' inside a value does not end the tag.
    char quote = 0;
    while (j < n) {
      char c = html[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
      ++j;
    }
    bool self_closing = j > 0 && j < n && html[j - 1] == '/';
    i = j < n ? j + 1 : n;
    if (!IsInlineElement(name)) out.push_back(lines == Lines::kKeep ? '\n' : ' ');
    if (!closing && !self_closing && IsHiddenElement(name)) {
      // Drop everything up to the matching end tag.
      size_t k = i;
      while (k < n) {
        size_t end = html.find("</", k);
        if (end == std::string_view::npos) {
          k = n;
          break;
        }
        if (EqualsIgnoreCase(html.substr(end + 2, name.size()), name)) {
          size_t close = html.find('>', end);
          k = close == std::string_view::npos ? n : close + 1;
          break;
        }
        k = end + 2;
      }
      i = k;
    }
  }
  return CollapseWhitespace(out, lines);
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid. Stores the code point.
size_t DecodeUtf8At(std::string_view s, size_t i, uint32_t* cp) {
  unsigned char c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t len;
  uint32_t value;
  uint32_t min;
  if ((c0 & 0xE0) == 0xC0) {
    len = 2, value = c0 & 0x1F, min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3, value = c0 & 0x0F, min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4, value = c0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    value = (value << 6) | (c & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t len = DecodeUtf8At(text, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text, bool* changed) {
  std::string out;
  out.reserve(text.size());
  bool any = false;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t len = DecodeUtf8At(text, i, &cp);
    if (len == 0) {
      AppendUtf8(0xFFFD, out);
      any = true;
      ++i;
      // Skip continuation bytes of the broken sequence so one error gives one U+FFFD.
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    bool forbidden =
        (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF;
    if (forbidden) {
      any = true;
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  if (changed) *changed = any;
  return out;
}

}  // namespace babelwatch::feeds
