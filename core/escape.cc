#include "core/escape.h"

namespace babelwatch {

void AppendEscaped(std::string& out, std::string_view text, EscapeSet set) {
  const bool quote = set != EscapeSet::kText;
  const bool apostrophe = set == EscapeSet::kHtmlAttribute;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (quote) {
          out += "&quot;";
        } else {
          out += c;
        }
        break;
      case '\'':
        if (apostrophe) {
          out += "&#39;";
        } else {
          out += c;
        }
        break;
      default:
        out += c;
    }
  }
}

std::string Escaped(std::string_view text, EscapeSet set) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, set);
  return out;
}

}  // namespace babelwatch
