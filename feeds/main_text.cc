#include "feeds/main_text.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

namespace babelwatch::feeds {
namespace {

constexpr size_t kMinParagraphChars = 25;
constexpr double kMaxLinkDensity = 0.5;

bool NameIs(const xmlNode* node, const char* name) {
  return node->name != nullptr &&
         xmlStrcasecmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

// Elements whose whole subtree is never article text.
bool IsBoilerplateElement(const xmlNode* node) {
  static const char* const kNames[] = {"script", "style",  "noscript", "nav",    "header",
                                       "footer", "aside",  "form",     "iframe", "svg",
                                       "button", "select", "template", "object", "menu"};
  for (const char* name : kNames) {
    if (NameIs(node, name)) return true;
  }
  return false;
}

std::string Lower(const xmlChar* s) {
  std::string out = s == nullptr ? "" : reinterpret_cast<const char*>(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// class/id/role naming a boilerplate block ("related", "share", "nav", "advert", ...).
bool HasBoilerplateMarker(xmlNode* node) {
  static const char* const kMarkers[] = {
      "nav",    "menu",   "footer",  "related",   "share",     "social",     "comment",
      "promo",  "advert", "sidebar", "cookie",    "subscribe", "newsletter", "breadcrumb",
      "banner", "teaser", "popular", "most-read", "recommend"};
  for (const char* attr : {"class", "id", "role"}) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(attr));
    if (value == nullptr) continue;
    std::string v = Lower(value);
    xmlFree(value);
    for (const char* marker : kMarkers) {
      if (v.find(marker) != std::string::npos) return true;
    }
    // Short ad class names ("ad", "ads", "ad-slot") without matching "head" or "shadow".
    if (v == "ad" || v == "ads" || v.rfind("ad-", 0) == 0 || v.find(" ad ") != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool Skipped(xmlNode* node) {
  return node->type == XML_ELEMENT_NODE &&
         (IsBoilerplateElement(node) || HasBoilerplateMarker(node));
}

// Appends the text under `root` (skipping boilerplate subtrees) to `text`, and the part of
// it inside links to `link_chars`. Iterative, so deep documents cannot overflow the stack.
void CollectText(xmlNode* root, std::string& text, size_t& link_chars) {
  struct Frame {
    xmlNode* node;
    int link_depth;
  };
  std::vector<Frame> stack;
  for (xmlNode* c = root->last; c != nullptr; c = c->prev) stack.push_back({c, 0});
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    xmlNode* node = f.node;
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      const char* content = reinterpret_cast<const char*>(node->content);
      if (content == nullptr) continue;
      size_t n = std::strlen(content);
      text.append(content, n);
      if (f.link_depth > 0) link_chars += n;
      continue;
    }
    if (node->type != XML_ELEMENT_NODE || Skipped(node)) continue;
    if (NameIs(node, "br")) text += ' ';
    const int depth = f.link_depth + (NameIs(node, "a") ? 1 : 0);
    for (xmlNode* c = node->last; c != nullptr; c = c->prev) stack.push_back({c, depth});
    text += ' ';
  }
}

std::string Collapse(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f' || u == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Characters, counting UTF-8 sequences once.
size_t CharCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

struct Paragraph {
  xmlNode* node;
  std::string text;
};

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

}  // namespace

Result<std::string> ExtractMainText(std::string_view html) {
  if (html.size() > kMaxArticleBytes) {
    return ResourceExhausted("article page: " + std::to_string(html.size()) + " bytes, at most " +
                             std::to_string(kMaxArticleBytes) + " accepted");
  }
  const int flags = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                    HTML_PARSE_NONET | HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT;
  std::unique_ptr<xmlDoc, DocDeleter> doc(
      htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, nullptr, flags));
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return NotFound("article page: no HTML document could be read");

  // Find paragraphs outside boilerplate, in document order.
  std::vector<Paragraph> paragraphs;
  std::vector<xmlNode*> stack = {root};
  while (!stack.empty()) {
    xmlNode* node = stack.back();
    stack.pop_back();
    if (node->type != XML_ELEMENT_NODE || Skipped(node)) continue;
    if (NameIs(node, "p") || NameIs(node, "blockquote") || NameIs(node, "pre")) {
      std::string text;
      size_t link_chars = 0;
      CollectText(node, text, link_chars);
      std::string collapsed = Collapse(text);
      size_t chars = CharCount(collapsed);
      if (chars >= kMinParagraphChars &&
          static_cast<double>(link_chars) <= kMaxLinkDensity * static_cast<double>(text.size())) {
        paragraphs.push_back({node, std::move(collapsed)});
      }
      continue;
    }
    for (xmlNode* c = node->last; c != nullptr; c = c->prev) stack.push_back(c);
  }

  // Score containers: a paragraph's characters count fully for its parent and half for the
  // grandparent, so the element holding the article body wins over page-wide wrappers.
  std::unordered_map<xmlNode*, double> scores;
  for (const auto& p : paragraphs) {
    double chars = static_cast<double>(CharCount(p.text));
    if (xmlNode* parent = p.node->parent) {
      scores[parent] += chars;
      if (parent->parent != nullptr && parent->parent->type == XML_ELEMENT_NODE) {
        scores[parent->parent] += chars / 2;
      }
    }
  }
  xmlNode* best = nullptr;
  double best_score = 0;
  for (const auto& p : paragraphs) {  // iterate in document order for a stable tie-break
    xmlNode* parent = p.node->parent;
    for (xmlNode* candidate : {parent, parent != nullptr ? parent->parent : nullptr}) {
      if (candidate == nullptr) continue;
      auto it = scores.find(candidate);
      if (it != scores.end() && it->second > best_score) {
        best = candidate;
        best_score = it->second;
      }
    }
  }
  std::string out;
  if (best != nullptr) {
    for (const auto& p : paragraphs) {
      bool inside = false;
      for (xmlNode* a = p.node->parent; a != nullptr; a = a->parent) {
        if (a == best) {
          inside = true;
          break;
        }
      }
      if (!inside) continue;
      if (!out.empty()) out += "\n\n";
      out += p.text;
    }
  }
  if (CharCount(out) < kMinArticleChars) {
    return NotFound("article page: no block of at least " + std::to_string(kMinArticleChars) +
                    " characters of paragraph text");
  }
  return out;
}

}  // namespace babelwatch::feeds
