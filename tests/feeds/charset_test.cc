#include "feeds/charset.h"

#include <catch2/catch.hpp>

#include "feeds/html_text.h"

namespace babelwatch::feeds {
namespace {

TEST_CASE("Charset: Content-Type parameters", "[feeds][charset]") {
  CHECK(CharsetFromContentType("text/xml; charset=\"KOI8-R\"") == "koi8-r");
  CHECK(CharsetFromContentType("application/rss+xml;charset= 'us-ascii'") == "us-ascii");
  CHECK(CharsetFromContentType("text/xml;charset = utf-8 ") == "utf-8");
  CHECK(CharsetFromContentType("text/xml;") == "");
  CHECK(MediaTypeOf("Application/Atom+XML; charset=utf-8") == "application/atom+xml");
}

TEST_CASE("Charset: XML declaration", "[feeds][charset]") {
  CHECK(XmlDeclaredEncoding("<?xml version=\"1.0\" encoding=\"Windows-1251\"?><rss/>") ==
        "windows-1251");
  CHECK(XmlDeclaredEncoding("  <?xml version='1.0' encoding = 'koi8-r' ?>") == "koi8-r");
  CHECK(XmlDeclaredEncoding("<?xml version=\"1.0\"?>") == "");
  CHECK(XmlDeclaredEncoding("<rss encoding=\"x\"/>") == "");
}

TEST_CASE("Charset: legacy Cyrillic from the XML declaration and from HTTP", "[feeds][charset]") {
  // "Привет" in windows-1251 and in koi8-r.
  const std::string cp1251 = "\xCF\xF0\xE8\xE2\xE5\xF2";
  const std::string koi8 = "\xF0\xD2\xC9\xD7\xC5\xD4";
  DecodedDocument a =
      DecodeDocument("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>" + cp1251 + "</t>", "");
  CHECK(a.encoding == "windows-1251");
  CHECK(a.source == "xml");
  CHECK(a.text.find("Привет") != std::string::npos);
  DecodedDocument b =
      DecodeDocument("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>" + koi8 + "</t>",
                     "application/rss+xml; charset=koi8-r");
  CHECK(b.encoding == "koi8-r");
  CHECK(b.source == "http");
  CHECK(b.text.find("Привет") != std::string::npos);
  CHECK_FALSE(b.replaced);
}

TEST_CASE("Charset: byte-order marks and UTF-16/32 sniffing", "[feeds][charset]") {
  std::string utf16le("\xFF\xFE<\0a\0>\0\xE9\0<\0/\0a\0>\0", 18);
  DecodedDocument a = DecodeDocument(utf16le, "text/xml; charset=us-ascii");
  CHECK(a.encoding == "utf-16le");
  CHECK(a.text == "<a>\xC3\xA9</a>");
  std::string utf16be_nobom("\0<\0?\0x\0m\0l\0?\0>", 14);
  CHECK(DecodeDocument(utf16be_nobom, "").encoding == "utf-16be");
  std::string utf32le("<\0\0\0?\0\0\0", 8);
  CHECK(DecodeDocument(utf32le, "").encoding == "utf-32le");
  DecodedDocument utf8bom = DecodeDocument("\xEF\xBB\xBF<a/>", "");
  CHECK(utf8bom.text == "<a/>");
  CHECK(utf8bom.source == "bom");
}

TEST_CASE("Charset: gb2312 is decoded as gb18030, unknown charsets fall back", "[feeds][charset]") {
  CHECK(DecodeDocument("<?xml version='1.0' encoding='gb2312'?><a/>", "").encoding == "gb18030");
  DecodedDocument bogus = DecodeDocument("<?xml version='1.0' encoding='x-no-such'?><a/>", "");
  CHECK(bogus.encoding == "utf-8");
  CHECK(bogus.bogus_declaration);
  CHECK_FALSE(bogus.warnings.empty());
  CHECK(SameEncoding("GB2312", "gb18030"));
  CHECK(SameEncoding("latin1", "ISO-8859-1"));
  CHECK_FALSE(SameEncoding("koi8-r", "windows-1251"));
}

TEST_CASE("Charset: output is valid UTF-8 whatever the input", "[feeds][charset]") {
  const std::string broken =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 "
      "\xE2\x82</a>";
  DecodedDocument d = DecodeDocument(broken, "");
  CHECK(IsValidUtf8(d.text));
  CHECK(d.replaced);
  std::string with_nul("<a>x\0y\x01z</a>", 12);
  DecodedDocument n = DecodeDocument(with_nul, "");
  CHECK(n.text == "<a>xyz</a>");
  // A mislabelled UTF-8 document (declared windows-1251) is read as UTF-8.
  DecodedDocument m =
      DecodeDocument("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>", "");
  CHECK(m.encoding == "utf-8");
  CHECK(m.text.find("Привет") != std::string::npos);
}

TEST_CASE("Charset: an undeclared legacy encoding is detected", "[feeds][charset]") {
  // Russian news text in windows-1251 with no declaration anywhere.
  std::string text =
      "<rss><channel><title>Новости дня: правительство обсуждает новый закон о бюджете "
      "на следующий год, депутаты спорят о налогах и расходах на образование</title>"
      "</channel></rss>";
  DecodedDocument utf8 = DecodeDocument(text, "");
  REQUIRE(utf8.encoding == "utf-8");
  // Re-encode the same text as windows-1251 through a round trip of the decoder itself.
  std::string cp1251;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      cp1251.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Two-byte UTF-8 Cyrillic U+0410..U+044F maps to 0xC0..0xFF in windows-1251.
    uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
    REQUIRE((cp >= 0x410 && cp <= 0x44F));
    cp1251.push_back(static_cast<char>(cp - 0x410 + 0xC0));
    i += 2;
  }
  DecodedDocument d = DecodeDocument(cp1251, "");
  CHECK(d.source == "detected");
  CHECK(d.encoding == "windows-1251");
  CHECK(d.text == text);
}

}  // namespace
}  // namespace babelwatch::feeds
