// RSS 0.90-2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 over libxml2's tree API.
//
// Security: the parser runs with XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
// XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC and never NOENT, DTDLOAD, HUGE or XINCLUDE:
// external entities and DTDs are never loaded, XInclude is never processed, and entity
// references other than the XML predefined ones are not expanded by us (their text is dropped).
// libxml2's default limits (depth 256, 10 MB text nodes, entity amplification) stay on.
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/escape.h"
#include "feeds/date_parser.h"
#include "feeds/html_text.h"
#include "feeds/parser_internal.h"

namespace babelwatch::feeds::internal {
namespace {

constexpr std::string_view kNsAtom10 = "http://www.w3.org/2005/Atom";
constexpr std::string_view kNsAtom03 = "http://purl.org/atom/ns#";
constexpr std::string_view kNsRss10 = "http://purl.org/rss/1.0/";
constexpr std::string_view kNsRss090 = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kNsRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kNsDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kNsDcTerms = "http://purl.org/dc/terms/";
constexpr std::string_view kNsContent = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kNsXhtml = "http://www.w3.org/1999/xhtml";
constexpr std::string_view kNsRss090Alt = "http://channel.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kNsItunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr std::string_view kNsItunesOld = "http://www.itunes.com/DTDs/Podcast-1.0.dtd";
constexpr std::string_view kNsMedia = "http://search.yahoo.com/mrss/";

// Budget for expanding entities the document declares itself (bytes per document).
constexpr size_t kEntityExpansionBudget = 1u << 20;

// Per-document state reachable from any node through doc->_private.
struct DocState {
  size_t entity_budget = kEntityExpansionBudget;
  bool entity_budget_exhausted = false;
  bool entity_dropped = false;
};

// Caps on what one text construct may collect (the whole body is capped at kMaxFeedBytes).
constexpr size_t kMaxTextBytes = 4u << 20;

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct XmlCharFree {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharFree>;

std::string_view View(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

// The element's name as written (may carry an undeclared "prefix:").
std::string_view NameOf(const xmlNode* node) { return View(node->name); }

// Namespace of an element. Feeds often use a well-known prefix without declaring it
// ("atom:link" in RSS); such elements get the namespace the prefix conventionally means.
std::string_view NsOf(const xmlNode* node) {
  if (node->ns) return View(node->ns->href);
  std::string_view name = NameOf(node);
  size_t colon = name.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view prefix = name.substr(0, colon);
  if (prefix == "atom") return kNsAtom10;
  if (prefix == "dc") return kNsDc;
  if (prefix == "dcterms") return kNsDcTerms;
  if (prefix == "content") return kNsContent;
  if (prefix == "xhtml") return kNsXhtml;
  if (prefix == "itunes") return kNsItunes;
  if (prefix == "media") return kNsMedia;
  return {};
}

// Local name used for matching: an undeclared "prefix:" is removed.
std::string_view LocalName(const xmlNode* node) {
  std::string_view name = NameOf(node);
  if (node->ns) return name;
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Attribute value by local name (any namespace when `ns` is empty).
std::optional<std::string> Attr(const xmlNode* node, std::string_view name,
                                std::string_view ns = {}) {
  for (const xmlAttr* a = node->properties; a; a = a->next) {
    if (View(a->name) != name) continue;
    if (!ns.empty() && (!a->ns || View(a->ns->href) != ns)) continue;
    std::string value;
    for (const xmlNode* c = a->children; c; c = c->next) {
      if (c->type == XML_TEXT_NODE) value += View(c->content);
    }
    return value;
  }
  return std::nullopt;
}

// Appends the replacement text of an entity the document declares in its internal subset,
// within the per-document budget. External entities are never read; entities whose text
// refers to other entities or holds markup are dropped (no nested expansion).
void AppendEntity(const xmlNode* ref, std::string& out) {
  auto* state = ref->doc ? static_cast<DocState*>(ref->doc->_private) : nullptr;
  if (!state) return;
  xmlEntity* ent = xmlGetDocEntity(ref->doc, ref->name);
  std::string_view content =
      ent && ent->etype == XML_INTERNAL_GENERAL_ENTITY ? View(ent->content) : std::string_view();
  if (content.empty() || content.find_first_of("&<") != std::string_view::npos) {
    state->entity_dropped = true;
    return;
  }
  if (content.size() > state->entity_budget) {
    state->entity_budget_exhausted = true;
    return;
  }
  state->entity_budget -= content.size();
  out += content;
}

// Concatenated character data of `node`'s subtree; entity references other than predefined
// ones contribute nothing (we never expand DTD-defined entities).
void CollectText(const xmlNode* node, std::string& out) {
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (out.size() >= kMaxTextBytes) return;
    switch (c->type) {
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        out += View(c->content);
        break;
      case XML_ELEMENT_NODE:
        CollectText(c, out);
        break;
      case XML_ENTITY_REF_NODE:
        AppendEntity(c, out);
        break;
      default:
        break;
    }
  }
}

std::string TextOf(const xmlNode* node) {
  std::string out;
  CollectText(node, out);
  return out;
}

// Serialises the children of `node` as markup (XHTML content), without namespace noise.
void SerializeChildren(const xmlNode* node, std::string& out);

void SerializeNode(const xmlNode* c, std::string& out) {
  if (out.size() >= kMaxTextBytes) return;
  switch (c->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      AppendEscaped(out, View(c->content), EscapeSet::kText);
      break;
    case XML_ELEMENT_NODE: {
      out.push_back('<');
      out += NameOf(c);
      for (const xmlAttr* a = c->properties; a; a = a->next) {
        out.push_back(' ');
        out += View(a->name);
        out += "=\"";
        std::string value;
        for (const xmlNode* t = a->children; t; t = t->next) {
          if (t->type == XML_TEXT_NODE) value += View(t->content);
        }
        AppendEscaped(out, value, EscapeSet::kXmlAttribute);
        out.push_back('"');
      }
      if (!c->children) {
        out += " />";
      } else {
        out.push_back('>');
        SerializeChildren(c, out);
        out += "</";
        out += NameOf(c);
        out.push_back('>');
      }
      break;
    }
    default:
      break;
  }
}

void SerializeChildren(const xmlNode* node, std::string& out) {
  for (const xmlNode* c = node->children; c; c = c->next) SerializeNode(c, out);
}

bool HasElementChild(const xmlNode* node) {
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return true;
  }
  return false;
}

std::string LangOf(const xmlNode* node) {
  XmlString lang(xmlNodeGetLang(node));
  return lang ? std::string(View(lang.get())) : std::string();
}

std::string BaseOf(xmlDoc* doc, const xmlNode* node) {
  XmlString base(xmlNodeGetBase(doc, node));
  return base ? std::string(View(base.get())) : std::string();
}

std::string ResolveAt(xmlDoc* doc, const xmlNode* node, std::string_view ref) {
  std::string trimmed = Trimmed(ref);
  if (trimmed.empty()) return trimmed;
  std::string base = BaseOf(doc, node);
  if (base.empty()) return trimmed;
  return ResolveUrl(trimmed, base);
}

bool DecodeBase64(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// Reads an Atom (0.3 or 1.0) text construct: type text/html/xhtml (1.0) or MIME types and
// mode xml/escaped/base64 (0.3).
TextConstruct AtomText(const xmlNode* node) {
  TextConstruct t;
  t.present = true;
  t.language = LangOf(node);
  std::string type = Attr(node, "type").value_or("");
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string mode = Attr(node, "mode").value_or("");
  bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
  bool html = type == "html" || type == "text/html";
  bool text = type.empty() || type == "text" || type == "text/plain";
  bool binary_type = type.find('/') != std::string::npos && type.rfind("text/", 0) != 0 &&
                     type.find("xml") == std::string::npos;
  if (mode == "base64" || (mode.empty() && binary_type)) {
    std::string decoded;
    if (DecodeBase64(TextOf(node), decoded)) {
      bool changed = false;
      t.value = SanitizeUtf8(decoded, &changed);
    }
    t.is_html = html || type.find("html") != std::string::npos;
    return t;
  }
  if (xhtml || (mode == "xml" && HasElementChild(node)) ||
      (type.empty() && HasElementChild(node))) {
    // Inline markup: serialise the content of the wrapping xhtml:div if there is exactly one.
    const xmlNode* inner = node;
    const xmlNode* only = nullptr;
    int elements = 0;
    bool text_outside = false;
    for (const xmlNode* c = node->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        ++elements;
        only = c;
      } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                 !Trimmed(View(c->content)).empty()) {
        text_outside = true;
      }
    }
    if (xhtml && elements == 1 && !text_outside && NameOf(only) == "div") inner = only;
    SerializeChildren(inner, t.value);
    t.is_html = true;
    return t;
  }
  t.value = TextOf(node);
  t.is_html = html || (!text && type.find("html") != std::string::npos);
  return t;
}

// RSS text: the element's character data, treated as HTML (RSS allows entity-encoded markup).
TextConstruct RssText(const xmlNode* node) {
  TextConstruct t;
  t.present = true;
  t.language = LangOf(node);
  if (HasElementChild(node)) {
    SerializeChildren(node, t.value);  // naked markup
  } else {
    t.value = TextOf(node);
  }
  t.is_html = true;
  return t;
}

std::optional<int64_t> DateOf(const xmlNode* node) { return ParseFeedDate(TextOf(node)); }

// True if `node` is one of the format's own elements (no namespace, the root's namespace or
// a known namespace of the family).
// Element names of the feed formats match case-insensitively (<TiTlE> in the wild).
bool IsCore(const xmlNode* node, std::string_view own_ns, std::string_view local) {
  if (node->type != XML_ELEMENT_NODE || !EqualsIgnoreCase(LocalName(node), local)) return false;
  std::string_view ns = NsOf(node);
  return ns.empty() || ns == own_ns || ns == kNsRss10 || ns == kNsRss090 || ns == kNsRss090Alt ||
         ns == kNsAtom10 || ns == kNsAtom03;
}

bool IsNs(const xmlNode* node, std::string_view ns, std::string_view local) {
  if (node->type != XML_ELEMENT_NODE || LocalName(node) != local) return false;
  std::string_view actual = NsOf(node);
  if (ns == kNsItunes) return actual == kNsItunes || actual == kNsItunesOld;
  return actual == ns;
}

// media:description directly in the entry or inside media:group / media:content.
const xmlNode* FindMediaDescription(const xmlNode* entry) {
  for (const xmlNode* c = entry->children; c; c = c->next) {
    if (IsNs(c, kNsMedia, "description")) return c;
    if (IsNs(c, kNsMedia, "group") || IsNs(c, kNsMedia, "content")) {
      for (const xmlNode* g = c->children; g; g = g->next) {
        if (IsNs(g, kNsMedia, "description")) return g;
      }
    }
  }
  return nullptr;
}

// Atom <link>: rel (default alternate) and href resolved against xml:base.
struct AtomLink {
  std::string rel;
  std::string type;
  std::string href;
};

AtomLink ReadAtomLink(xmlDoc* doc, const xmlNode* node) {
  AtomLink link;
  link.rel = Attr(node, "rel").value_or("alternate");
  link.type = Attr(node, "type").value_or("");
  std::optional<std::string> href = Attr(node, "href");
  if (!href) href = Attr(node, "url");
  if (href) link.href = ResolveAt(doc, node, *href);
  return link;
}

// Picks the alternate link, preferring an HTML one.
std::string PickAlternate(const std::vector<AtomLink>& links) {
  const AtomLink* best = nullptr;
  for (const AtomLink& l : links) {
    if (l.rel != "alternate" || l.href.empty()) continue;
    if (!best) best = &l;
    if (l.type.empty() || l.type == "text/html" || l.type == "application/xhtml+xml") {
      return l.href;
    }
  }
  return best ? best->href : std::string();
}

void ParseAtomEntry(xmlDoc* doc, const xmlNode* entry, std::string_view own_ns, EntryDetail& e) {
  e.language = LangOf(entry);
  std::vector<AtomLink> links;
  for (const xmlNode* c = entry->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (IsCore(c, own_ns, "id")) {
      e.id = ResolveAt(doc, c, TextOf(c));
    } else if (IsCore(c, own_ns, "title")) {
      e.title = AtomText(c);
    } else if (IsCore(c, own_ns, "link")) {
      links.push_back(ReadAtomLink(doc, c));
    } else if (IsCore(c, own_ns, "summary")) {
      e.summary = AtomText(c);
    } else if (IsCore(c, own_ns, "content")) {
      if (Attr(c, "src")) {
        e.content.present = true;
        e.content.language = LangOf(c);
      } else {
        e.content = AtomText(c);
      }
    } else if (IsCore(c, own_ns, "published") || IsCore(c, own_ns, "issued") ||
               IsCore(c, own_ns, "created")) {
      if (!e.published_ms || NameOf(c) != "created") e.published_ms = DateOf(c);
    } else if (IsCore(c, own_ns, "updated") || IsCore(c, own_ns, "modified")) {
      e.updated_ms = DateOf(c);
    } else if (IsNs(c, kNsDc, "date") || IsNs(c, kNsDcTerms, "modified")) {
      if (!e.updated_ms) e.updated_ms = DateOf(c);
    }
  }
  e.link = PickAlternate(links);
  if (!e.summary.present) {
    if (const xmlNode* media = FindMediaDescription(entry)) e.summary = RssText(media);
  }
}

void ParseAtom(xmlDoc* doc, const xmlNode* root, ParsedFeed& out) {
  std::string_view own_ns = NsOf(root);
  out.family = "atom";
  if (own_ns == kNsAtom10) {
    out.version = "1.0";
  } else if (own_ns == kNsAtom03) {
    out.version = "0.3";
  } else {
    std::string v = Attr(root, "version").value_or("");
    out.version = v == "0.3" ? "0.3" : v == "1.0" ? "1.0" : "";
  }
  out.language = LangOf(root);
  std::vector<AtomLink> links;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (IsCore(c, own_ns, "entry")) {
      if (out.entries.size() >= kMaxItems) {
        out.warnings.push_back("atom: more than " + std::to_string(kMaxItems) +
                               " entries; the rest are ignored");
        break;
      }
      EntryDetail& e = out.entries.emplace_back();
      ParseAtomEntry(doc, c, own_ns, e);
    } else if (IsCore(c, own_ns, "title")) {
      out.detail.title = AtomText(c);
    } else if (IsCore(c, own_ns, "id")) {
      out.detail.id = ResolveAt(doc, c, TextOf(c));
    } else if (IsCore(c, own_ns, "link")) {
      links.push_back(ReadAtomLink(doc, c));
    } else if (IsCore(c, own_ns, "updated") || IsCore(c, own_ns, "modified")) {
      out.detail.updated_ms = DateOf(c);
    } else if (IsCore(c, own_ns, "published") || IsCore(c, own_ns, "issued")) {
      out.detail.published_ms = DateOf(c);
    } else if (IsNs(c, kNsDc, "language") && out.language.empty()) {
      out.language = Trimmed(TextOf(c));
    }
  }
  out.link = PickAlternate(links);
}

void ParseRssItem(xmlDoc* doc, const xmlNode* item, std::string_view own_ns, EntryDetail& e) {
  e.language = LangOf(item);
  std::optional<std::string> guid;
  bool guid_is_permalink = false;
  std::vector<AtomLink> atom_links;
  for (const xmlNode* c = item->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    std::string_view ns = NsOf(c);
    if (IsCore(c, own_ns, "title") && ns != kNsAtom10 && ns != kNsAtom03) {
      e.title = RssText(c);
    } else if (IsCore(c, own_ns, "link") && ns != kNsAtom10 && ns != kNsAtom03) {
      std::optional<std::string> href = Attr(c, "href");
      std::string text = Trimmed(TextOf(c));
      if (text.empty() && href) text = *href;
      if (!text.empty()) e.link = ResolveAt(doc, c, text);
    } else if (IsNs(c, kNsAtom10, "link") || IsNs(c, kNsAtom03, "link")) {
      atom_links.push_back(ReadAtomLink(doc, c));
    } else if (IsCore(c, own_ns, "guid") || IsCore(c, own_ns, "id")) {
      if (HasElementChild(c)) {
        std::string markup;
        SerializeChildren(c, markup);
        guid = Trimmed(markup);
      } else {
        guid = Trimmed(TextOf(c));
      }
      std::string permalink = Attr(c, "isPermaLink").value_or("true");
      guid_is_permalink = EqualsIgnoreCase(Trimmed(permalink), "true");
    } else if (IsCore(c, own_ns, "description") && !IsNs(c, kNsAtom10, "description")) {
      e.summary = RssText(c);
    } else if (IsNs(c, kNsAtom10, "summary") || IsNs(c, kNsAtom03, "summary")) {
      if (!e.summary.present) e.summary = AtomText(c);
    } else if (IsNs(c, kNsDc, "description")) {
      if (!e.summary.present) e.summary = RssText(c);
    } else if (IsNs(c, kNsContent, "encoded")) {
      e.content = RssText(c);
    } else if (IsNs(c, kNsItunes, "summary") || IsNs(c, kNsMedia, "description")) {
      if (!e.summary.present) e.summary = RssText(c);
    } else if (IsCore(c, own_ns, "fullitem") ||
               (IsCore(c, own_ns, "body") && !HasElementChild(c))) {
      if (!e.content.present) e.content = RssText(c);
    } else if (IsNs(c, kNsXhtml, "body") || IsNs(c, kNsXhtml, "div") || IsCore(c, own_ns, "body")) {
      if (!e.content.present) {
        e.content.present = true;
        e.content.language = LangOf(c);
        e.content.is_html = true;
        SerializeChildren(c, e.content.value);
      }
    } else if (IsNs(c, kNsAtom10, "content") || IsNs(c, kNsAtom03, "content")) {
      if (!e.content.present) e.content = AtomText(c);
    } else if (IsCore(c, own_ns, "pubDate") || IsNs(c, kNsDcTerms, "issued") ||
               IsNs(c, kNsAtom10, "published")) {
      e.published_ms = DateOf(c);
    } else if (IsNs(c, kNsDc, "date") || IsNs(c, kNsDcTerms, "modified") ||
               IsNs(c, kNsAtom10, "updated")) {
      e.updated_ms = DateOf(c);
    } else if (IsNs(c, kNsDc, "title") && !e.title.present) {
      e.title = RssText(c);
    } else if ((IsNs(c, kNsDc, "language") || IsCore(c, own_ns, "language")) &&
               e.language.empty()) {
      e.language = Trimmed(TextOf(c));
    }
  }
  if (e.link.empty()) e.link = PickAlternate(atom_links);
  if (!e.summary.present) {
    if (const xmlNode* media = FindMediaDescription(item)) e.summary = RssText(media);
  }
  if (guid) {
    e.id = *guid;
    if (e.link.empty() && guid_is_permalink && !guid->empty()) e.link = ResolveAt(doc, item, *guid);
  } else if (std::optional<std::string> about = Attr(item, "about", kNsRdf)) {
    // RSS 1.0 items name themselves with rdf:about.
    if (!about->empty()) e.id = Trimmed(*about);
  }
}

void ParseRss(xmlDoc* doc, const xmlNode* root, ParsedFeed& out) {
  out.family = "rss";
  std::string_view root_name = LocalName(root);
  const xmlNode* channel = nullptr;
  if (root_name == "channel") {
    channel = root;
  } else {
    for (const xmlNode* c = root->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && EqualsIgnoreCase(LocalName(c), "channel")) {
        channel = c;
        break;
      }
    }
  }
  std::string_view own_ns = channel ? NsOf(channel) : std::string_view();
  if (!channel) {
    // No channel: the root's default namespace tells RSS 1.0 from 0.90.
    for (const xmlNs* ns = root->nsDef; ns; ns = ns->next) {
      if (!ns->prefix) own_ns = View(ns->href);
    }
  }
  if (root_name == "RDF") {
    out.version = own_ns == kNsRss090 || own_ns == kNsRss090Alt ? "0.90"
                  : own_ns == kNsRss10                          ? "1.0"
                                                                : "";
  } else if (root_name == "rss") {
    out.version = Trimmed(Attr(root, "version").value_or(""));
    if (out.version == "0.9") out.version = "0.90";
  }
  std::vector<const xmlNode*> items;
  auto collect_items = [&](const xmlNode* parent) {
    for (const xmlNode* c = parent->children; c; c = c->next) {
      if (IsCore(c, own_ns, "item")) {
        items.push_back(c);
      }
    }
  };
  if (channel) collect_items(channel);
  if (channel != root) collect_items(root);
  if (channel) {
    out.language = LangOf(channel);
    std::vector<AtomLink> atom_links;
    for (const xmlNode* c = channel->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      std::string_view ns = NsOf(c);
      bool atom = ns == kNsAtom10 || ns == kNsAtom03;
      if (IsCore(c, own_ns, "title") && !atom) {
        out.detail.title = RssText(c);
      } else if (IsCore(c, own_ns, "link") && !atom) {
        std::string text = Trimmed(TextOf(c));
        if (!text.empty() && out.link.empty()) out.link = ResolveAt(doc, c, text);
      } else if (atom && LocalName(c) == "link") {
        atom_links.push_back(ReadAtomLink(doc, c));
      } else if ((IsCore(c, own_ns, "language") && !atom) || IsNs(c, kNsDc, "language")) {
        std::string lang = Trimmed(TextOf(c));
        if (!lang.empty()) out.language = lang;
      } else if (IsCore(c, own_ns, "pubDate")) {
        out.detail.published_ms = DateOf(c);
      } else if (IsCore(c, own_ns, "lastBuildDate") || IsNs(c, kNsDc, "date") ||
                 IsNs(c, kNsAtom10, "updated") || IsNs(c, kNsDcTerms, "modified")) {
        if (!out.detail.updated_ms) out.detail.updated_ms = DateOf(c);
      } else if (IsNs(c, kNsAtom10, "id")) {
        out.detail.id = Trimmed(TextOf(c));
      } else if (IsNs(c, kNsDc, "title") && !out.detail.title.present) {
        out.detail.title = RssText(c);
      }
    }
    if (out.link.empty()) out.link = PickAlternate(atom_links);
  }
  for (const xmlNode* item : items) {
    if (out.entries.size() >= kMaxItems) {
      out.warnings.push_back("rss: more than " + std::to_string(kMaxItems) +
                             " items; the rest are ignored");
      break;
    }
    EntryDetail& e = out.entries.emplace_back();
    ParseRssItem(doc, item, own_ns, e);
  }
}

// Names declared with <!ENTITY name ...> in the internal subset.
std::set<std::string, std::less<>> DeclaredEntities(std::string_view text) {
  std::set<std::string, std::less<>> names;
  size_t pos = 0;
  while ((pos = text.find("<!ENTITY", pos)) != std::string_view::npos) {
    pos += 8;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
                                 text[pos] == '\r' || text[pos] == '%')) {
      ++pos;
    }
    size_t start = pos;
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' &&
           text[pos] != '\r') {
      ++pos;
    }
    names.emplace(text.substr(start, pos - start));
  }
  return names;
}

// Repairs the commonest breakage of hand-written feeds before parsing, outside CDATA sections
// and comments: HTML entities (&nbsp;, &eacute;) without a DTD become numeric references
// (unless the document declares that entity), "&#X41;" becomes "&#x41;", a bare '&' becomes
// "&amp;" and a '<' that cannot start markup ("<3", "a < b") becomes "&lt;". Each of these
// is not well-formed XML. Returns the number of repairs.
size_t RewriteHtmlEntities(std::string_view text, std::string& out) {
  size_t rewrites = 0;
  std::set<std::string, std::less<>> declared;
  if (text.find("<!ENTITY") != std::string_view::npos) declared = DeclaredEntities(text);
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t next = text.find_first_of("&<", i);
    if (next == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, next - i));
    i = next;
    if (text[i] == '<') {
      std::string_view close;
      if (text.compare(i, 9, "<![CDATA[") == 0) close = "]]>";
      if (text.compare(i, 4, "<!--") == 0) close = "-->";
      if (close.empty()) {
        char next_char = i + 1 < text.size() ? text[i + 1] : ' ';
        bool markup = (next_char >= 'a' && next_char <= 'z') ||
                      (next_char >= 'A' && next_char <= 'Z') || next_char == '_' ||
                      next_char == ':' || next_char == '/' || next_char == '!' ||
                      next_char == '?' || static_cast<unsigned char>(next_char) >= 0x80;
        if (markup) {
          out.push_back('<');
        } else {
          out += "&lt;";
          ++rewrites;
        }
        ++i;
        continue;
      }
      size_t end = text.find(close, i);
      end = end == std::string_view::npos ? text.size() : end + close.size();
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (i + 2 < text.size() && text[i + 1] == '#') {
      size_t k = i + 2;
      bool upper_x = text[k] == 'X';
      bool hex = text[k] == 'x' || upper_x;
      if (hex) ++k;
      size_t digits_start = k;
      auto is_digit = [hex](char ch) {
        return (ch >= '0' && ch <= '9') ||
               (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));
      };
      while (k < text.size() && k - digits_start < 10 && is_digit(text[k])) ++k;
      if (k > digits_start && k < text.size() && text[k] == ';') {
        if (upper_x) {
          out += "&#x";
          out.append(text.substr(digits_start, k + 1 - digits_start));
          ++rewrites;
        } else {
          out.append(text.substr(i, k + 1 - i));
        }
        i = k + 1;
        continue;
      }
    }
    size_t j = i + 1;
    while (j < text.size() && j - i <= 32 &&
           ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z') ||
            (text[j] >= '0' && text[j] <= '9'))) {
      ++j;
    }
    std::string_view name = text.substr(i + 1, j - i - 1);
    if (j < text.size() && text[j] == ';' && !name.empty() && name != "amp" && name != "lt" &&
        name != "gt" && name != "quot" && name != "apos" && !declared.contains(name)) {
      if (std::optional<uint32_t> cp = LookupHtmlEntity(name)) {
        out += "&#" + std::to_string(*cp) + ";";
        ++rewrites;
        i = j + 1;
        continue;
      }
    }
    bool known = j < text.size() && text[j] == ';' && !name.empty() &&
                 (name == "amp" || name == "lt" || name == "gt" || name == "quot" ||
                  name == "apos" || declared.contains(name));
    if (known) {
      out.push_back('&');
    } else {
      out += "&amp;";  // a bare '&' (or an unknown entity, which XML cannot resolve)
      ++rewrites;
    }
    ++i;
  }
  return rewrites;
}

// True if the document text ends with the end tag of its root element (after trailing
// whitespace and comments); used to tell a truncated document from a merely sloppy one.
bool EndsWithRootEndTag(std::string_view text, const xmlNode* root) {
  while (true) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                             text.back() == '\t' || text.back() == '\0')) {
      text.remove_suffix(1);
    }
    if (text.size() >= 3 && text.substr(text.size() - 3) == "-->") {
      size_t open = text.rfind("<!--");
      if (open == std::string_view::npos) return false;
      text = text.substr(0, open);
      continue;
    }
    break;
  }
  if (text.empty() || text.back() != '>') return false;
  size_t open = text.rfind("</");
  if (open == std::string_view::npos) return false;
  std::string_view tag = text.substr(open + 2, text.size() - open - 3);
  while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\n' || tag.back() == '\t')) {
    tag.remove_suffix(1);
  }
  size_t colon = tag.find(':');
  std::string_view local = colon == std::string_view::npos ? tag : tag.substr(colon + 1);
  return local == NameOf(root);
}

bool LooksLikeHtmlPage(const xmlNode* root) { return EqualsIgnoreCase(NameOf(root), "html"); }

// Collects <link rel="alternate" type="application/rss+xml|atom+xml" href> of an HTML page.
void DiscoverFeedLinks(xmlDoc* doc, const xmlNode* node, std::vector<std::string>& found,
                       int depth) {
  if (depth > 8 || found.size() >= 8) return;
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (EqualsIgnoreCase(NameOf(c), "link")) {
      std::string type = Attr(c, "type").value_or("");
      std::optional<std::string> href = Attr(c, "href");
      if (href &&
          (type.find("rss") != std::string::npos || type.find("atom") != std::string::npos ||
           type.find("feed+json") != std::string::npos)) {
        found.push_back(ResolveAt(doc, c, *href));
      }
    }
    DiscoverFeedLinks(doc, c, found, depth + 1);
  }
}

}  // namespace

std::optional<Error> ParseXmlDocument(std::string_view utf8, const ParseContext& ctx,
                                      ParsedFeed& out) {
  static std::once_flag init_once;
  std::call_once(init_once, [] { xmlInitParser(); });

  std::string rewritten;
  size_t rewrites = RewriteHtmlEntities(utf8, rewritten);
  if (rewrites > 0) {
    out.wellformed = false;
    out.warnings.push_back("xml: " + std::to_string(rewrites) +
                           " repairs of entity references, bare '&' or '<' (not well-formed "
                           "XML)");
  }
  std::string_view text = rewritten;
  if (text.size() > static_cast<size_t>(INT32_MAX)) {
    return ResourceExhausted("xml: document too large");
  }

  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return Internal("xml: cannot allocate a libxml2 parser context");
  const int options = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                      XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
  std::string url = ctx.url;
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()),
                        url.empty() ? nullptr : url.c_str(), "UTF-8", options));
  const xmlError* last = xmlCtxtGetLastError(ctxt.get());
  std::string error_text;
  if (last && last->code != XML_ERR_OK) {
    error_text = "line " + std::to_string(last->line) + ": " +
                 Trimmed(last->message ? last->message : "unknown error");
  }
  bool limit_hit =
      last &&
      (last->code == XML_ERR_ENTITY_LOOP ||
       (last->message &&
        (std::strstr(last->message, "Excessive depth") || std::strstr(last->message, "huge") ||
         std::strstr(last->message, "Huge") || std::strstr(last->message, "amplification"))));
  if (limit_hit) {
    return ResourceExhausted("xml: document exceeds a parser limit (" + error_text + ")");
  }
  DocState state;
  if (doc) doc->_private = &state;
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root) {
    return InvalidArgument("xml: not a feed: no root element" +
                           (error_text.empty() ? std::string() : " (" + error_text + ")"));
  }
  bool wellformed = ctxt->wellFormed != 0;
  if (!wellformed) {
    out.wellformed = false;
    out.warnings.push_back("xml: not well-formed, recovered: " + error_text);
    if (!EndsWithRootEndTag(text, root)) out.incomplete = true;
  }

  std::string_view name = LocalName(root);
  if (name == "feed") {
    ParseAtom(doc.get(), root, out);
  } else if (name == "rss" || name == "RDF" || name == "channel") {
    ParseRss(doc.get(), root, out);
  } else if (LooksLikeHtmlPage(root)) {
    std::vector<std::string> links;
    DiscoverFeedLinks(doc.get(), root, links, 0);
    std::string message = "xml: not a feed: an HTML page";
    if (!links.empty()) {
      message += "; it links to feeds:";
      for (const std::string& l : links) message += " " + l;
    }
    return InvalidArgument(message);
  } else {
    return InvalidArgument("xml: not a feed: unknown root element <" + std::string(name) + ">");
  }
  if (state.entity_dropped || state.entity_budget_exhausted) {
    out.warnings.push_back(state.entity_budget_exhausted
                               ? "xml: entity expansion budget exhausted; the rest dropped"
                               : "xml: references to external or nested entities dropped");
  }
  if (out.incomplete && out.entries.empty() && !out.detail.title.present && out.link.empty()) {
    return InvalidArgument("xml: broken document, nothing recovered (" + error_text + ")");
  }
  return std::nullopt;
}

std::string ResolveUrl(std::string_view ref, std::string_view base) {
  if (base.empty()) return std::string(ref);
  std::string r(ref);
  std::string b(base);
  XmlString resolved(xmlBuildURI(reinterpret_cast<const xmlChar*>(r.c_str()),
                                 reinterpret_cast<const xmlChar*>(b.c_str())));
  if (!resolved) return r;
  return std::string(View(resolved.get()));
}

std::string HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    authority = authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1);
  } else {
    size_t colon = authority.find(':');
    authority = authority.substr(0, colon);
  }
  std::string host(authority);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  return host;
}

}  // namespace babelwatch::feeds::internal
