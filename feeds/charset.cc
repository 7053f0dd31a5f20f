#include "feeds/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ucsdet.h>
#include <unicode/unistr.h>

#include <memory>

#include "feeds/html_text.h"

namespace babelwatch::feeds {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// Opens an ICU converter for a charset label; nullptr if ICU does not know it.
ConverterPtr OpenConverter(std::string_view label) {
  if (label.empty() || label.size() > 64) return nullptr;
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
    if (!ok) return nullptr;
  }
  UErrorCode status = U_ZERO_ERROR;
  std::string name(label);
  ConverterPtr conv(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status)) return nullptr;
  return conv;
}

// Labels decoded with a superset, as browsers do (WHATWG Encoding Standard).
std::string UpgradeLabel(std::string label) {
  if (label == "gb2312" || label == "gbk" || label == "x-gbk" || label == "cp936" ||
      label == "gb_2312-80") {
    return "gb18030";
  }
  return label;
}

struct CallbackState {
  bool hit = false;
};

void RecordingToUCallback(const void* context, UConverterToUnicodeArgs* args,
                          const char* code_units, int32_t length, UConverterCallbackReason reason,
                          UErrorCode* err) {
  if (reason == UCNV_UNASSIGNED || reason == UCNV_ILLEGAL || reason == UCNV_IRREGULAR) {
    static_cast<CallbackState*>(const_cast<void*>(context))->hit = true;
  }
  UCNV_TO_U_CALLBACK_SUBSTITUTE(nullptr, args, code_units, length, reason, err);
}

// Converts with ICU; returns false if the converter cannot be opened.
bool ConvertWithIcu(std::string_view bytes, std::string_view label, std::string* out,
                    bool* replaced) {
  ConverterPtr conv = OpenConverter(label);
  if (!conv) return false;
  CallbackState state;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setToUCallBack(conv.get(), RecordingToUCallback, &state, nullptr, nullptr, &status);
  if (U_FAILURE(status)) return false;
  icu::UnicodeString ustr(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), status);
  if (U_FAILURE(status)) return false;
  std::string utf8;
  ustr.toUTF8String(utf8);
  bool changed = false;
  *out = SanitizeUtf8(utf8, &changed);
  *replaced = state.hit || changed;
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};

// Statistical guess (ICU CharsetDetector) for undeclared documents that are not UTF-8.
// Returns a lower-case charset name, or "" when ICU is not confident enough.
std::string DetectCharset(std::string_view bytes) {
  constexpr int32_t kMinConfidence = 30;
  constexpr size_t kSampleBytes = 64 * 1024;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorCloser> detector(ucsdet_open(&status));
  if (U_FAILURE(status)) return "";
  std::string_view sample = bytes.substr(0, kSampleBytes);
  ucsdet_setText(detector.get(), sample.data(), static_cast<int32_t>(sample.size()), &status);
  ucsdet_enableInputFilter(detector.get(), true);  // ignore markup when guessing
  const UCharsetMatch* match = ucsdet_detect(detector.get(), &status);
  if (U_FAILURE(status) || !match) return "";
  int32_t confidence = ucsdet_getConfidence(match, &status);
  const char* name = ucsdet_getName(match, &status);
  if (U_FAILURE(status) || !name || confidence < kMinConfidence) return "";
  std::string label = LowerCopy(name);
  // ISO-8859-1 guesses on 0x80-0x9F bytes mean windows-1252 in practice.
  if (label == "iso-8859-1") label = "windows-1252";
  return label;
}

bool HasMultibyteUtf8(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    unsigned char d = static_cast<unsigned char>(s[i + 1]);
    if (c >= 0xC2 && c <= 0xF4 && (d & 0xC0) == 0x80) return true;
  }
  return false;
}

}  // namespace

std::string MediaTypeOf(std::string_view content_type) {
  size_t semi = content_type.find(';');
  return LowerCopy(Trim(content_type.substr(0, semi)));
}

std::string CharsetFromContentType(std::string_view content_type) {
  size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    size_t next = content_type.find(';', pos + 1);
    std::string_view param = content_type.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && LowerCopy(Trim(param.substr(0, eq))) == "charset") {
      std::string_view value = Trim(param.substr(eq + 1));
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = Trim(value.substr(1, value.size() - 2));
      }
      return LowerCopy(value);
    }
    pos = next;
  }
  return "";
}

std::string XmlDeclaredEncoding(std::string_view head) {
  head = head.substr(0, 512);
  size_t start = 0;
  while (start < head.size() && (head[start] == ' ' || head[start] == '\t' || head[start] == '\r' ||
                                 head[start] == '\n')) {
    ++start;
  }
  if (head.compare(start, 5, "<?xml") != 0) return "";
  size_t end = head.find("?>", start);
  std::string_view decl =
      head.substr(start, end == std::string_view::npos ? head.size() - start : end - start);
  size_t pos = decl.find("encoding");
  if (pos == std::string_view::npos) return "";
  pos += 8;
  while (pos < decl.size() && (decl[pos] == ' ' || decl[pos] == '\t' || decl[pos] == '\r' ||
                               decl[pos] == '\n' || decl[pos] == '=')) {
    ++pos;
  }
  if (pos >= decl.size() || (decl[pos] != '"' && decl[pos] != '\'')) return "";
  char quote = decl[pos];
  size_t close = decl.find(quote, pos + 1);
  if (close == std::string_view::npos) return "";
  return LowerCopy(Trim(decl.substr(pos + 1, close - pos - 1)));
}

bool SameEncoding(std::string_view a, std::string_view b) {
  if (LowerCopy(a) == LowerCopy(b)) return true;
  ConverterPtr ca = OpenConverter(UpgradeLabel(LowerCopy(a)));
  ConverterPtr cb = OpenConverter(UpgradeLabel(LowerCopy(b)));
  if (!ca || !cb) return false;
  UErrorCode s1 = U_ZERO_ERROR;
  UErrorCode s2 = U_ZERO_ERROR;
  std::string na = ucnv_getName(ca.get(), &s1);
  std::string nb = ucnv_getName(cb.get(), &s2);
  return U_SUCCESS(s1) && U_SUCCESS(s2) && na == nb;
}

DecodedDocument DecodeDocument(std::string_view body, std::string_view content_type) {
  DecodedDocument doc;
  std::string label;
  std::string_view payload = body;
  auto bytes_at = [&](size_t i) { return static_cast<unsigned char>(body[i]); };
  const size_t n = body.size();

  // 1. Byte-order marks (UTF-32 before UTF-16: FF FE 00 00 starts like FF FE).
  if (n >= 4 && bytes_at(0) == 0 && bytes_at(1) == 0 && bytes_at(2) == 0xFE &&
      bytes_at(3) == 0xFF) {
    label = "utf-32be", payload.remove_prefix(4);
  } else if (n >= 4 && bytes_at(0) == 0xFF && bytes_at(1) == 0xFE && bytes_at(2) == 0 &&
             bytes_at(3) == 0) {
    label = "utf-32le", payload.remove_prefix(4);
  } else if (n >= 3 && bytes_at(0) == 0xEF && bytes_at(1) == 0xBB && bytes_at(2) == 0xBF) {
    label = "utf-8", payload.remove_prefix(3);
  } else if (n >= 2 && bytes_at(0) == 0xFE && bytes_at(1) == 0xFF) {
    label = "utf-16be", payload.remove_prefix(2);
  } else if (n >= 2 && bytes_at(0) == 0xFF && bytes_at(1) == 0xFE) {
    label = "utf-16le", payload.remove_prefix(2);
  }
  if (!label.empty()) doc.source = "bom";

  // 2. "<" or "<?" in UTF-16/32 without a BOM.
  if (label.empty() && n >= 4) {
    unsigned char b0 = bytes_at(0), b1 = bytes_at(1), b2 = bytes_at(2), b3 = bytes_at(3);
    if (b0 == 0 && b1 == 0 && b2 == 0 && b3 != 0) {
      label = "utf-32be";
    } else if (b0 != 0 && b1 == 0 && b2 == 0 && b3 == 0) {
      label = "utf-32le";
    } else if (b0 == 0 && b1 != 0 && b2 == 0 && b3 != 0) {
      label = "utf-16be";
    } else if (b0 != 0 && b1 == 0 && b2 != 0 && b3 == 0) {
      label = "utf-16le";
    }
    if (!label.empty()) doc.source = "sniffed";
  }

  // 3. HTTP charset, 4. XML declaration (ASCII-compatible documents only).
  if (label.empty()) {
    std::string http = UpgradeLabel(CharsetFromContentType(content_type));
    if (!http.empty()) {
      if (OpenConverter(http)) {
        label = http;
        doc.source = "http";
      } else {
        doc.bogus_declaration = true;
        doc.warnings.push_back("charset: unknown charset \"" + http +
                               "\" in the HTTP Content-Type; ignored");
      }
    }
  }
  if (label.empty()) {
    std::string declared = UpgradeLabel(XmlDeclaredEncoding(payload));
    if (!declared.empty()) {
      bool utf16_label = StartsWith(declared, "utf-16") || StartsWith(declared, "utf-32") ||
                         declared == "ucs-2" || declared == "ucs-4" || declared == "unicode";
      if (utf16_label) {
        // The bytes are ASCII-compatible, so the declaration cannot be right.
        doc.bogus_declaration = true;
        doc.warnings.push_back("charset: XML declaration says \"" + declared +
                               "\" but the document is ASCII-compatible; decoded as UTF-8");
      } else if (OpenConverter(declared)) {
        label = declared;
        doc.source = "xml";
      } else {
        doc.bogus_declaration = true;
        doc.warnings.push_back("charset: unknown encoding \"" + declared +
                               "\" in the XML declaration; decoded as UTF-8");
      }
    }
  }
  if (label.empty() && !IsValidUtf8(payload)) {
    std::string guess = UpgradeLabel(DetectCharset(payload));
    if (!guess.empty() && !StartsWith(guess, "utf-") && OpenConverter(guess)) {
      label = guess;
      doc.source = "detected";
      doc.bogus_declaration = true;  // undeclared legacy encoding: not well-formed XML
      doc.warnings.push_back("charset: no declared encoding and not UTF-8; detected " + guess);
    }
  }
  if (label.empty()) {
    label = "utf-8";
    doc.source = "default";
  }
  doc.encoding = label;

  // A declared single-byte legacy charset over bytes that are valid UTF-8 with multi-byte
  // sequences is almost always a mislabelled UTF-8 document (CMS templates that hard-code the
  // old charset): legacy text practically never forms valid UTF-8 sequences by accident.
  if ((doc.source == "http" || doc.source == "xml") && label != "utf-8" && label != "utf8" &&
      !StartsWith(label, "utf-") && HasMultibyteUtf8(payload) && IsValidUtf8(payload)) {
    doc.warnings.push_back("charset: declared \"" + label +
                           "\" but the bytes are valid UTF-8; decoded as UTF-8");
    doc.bogus_declaration = true;
    label = "utf-8";
    doc.source = "sniffed";
  }
  bool replaced = false;
  if (label == "utf-8" || label == "utf8") {
    doc.encoding = "utf-8";
    doc.text = SanitizeUtf8(payload, &replaced);
  } else if (!ConvertWithIcu(payload, label, &doc.text, &replaced)) {
    doc.warnings.push_back("charset: cannot open a converter for \"" + label +
                           "\"; decoded as UTF-8");
    doc.encoding = "utf-8";
    doc.text = SanitizeUtf8(payload, &replaced);
  }
  // A BOM inside the decoded text (e.g. declared UTF-16 with BOM) is not content.
  if (StartsWith(doc.text, "\xEF\xBB\xBF")) doc.text.erase(0, 3);
  doc.replaced = replaced;
  if (replaced) {
    doc.warnings.push_back("charset: the document has bytes that are invalid in " + doc.encoding +
                           " or characters XML forbids; replaced or dropped");
  }
  return doc;
}

}  // namespace babelwatch::feeds
