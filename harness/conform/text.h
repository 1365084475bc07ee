// Text helpers of the conformance reports: safe one-line renderings of
// untrusted bytes, and escaping for HTML, XML and Markdown.
#ifndef PICKLECHECK_HARNESS_CONFORM_TEXT_H_
#define PICKLECHECK_HARNESS_CONFORM_TEXT_H_

#include <string>
#include <string_view>

namespace picklecheck::conform {

// Valid UTF-8 kept; invalid bytes, C0 controls and DEL become \xHH, newline
// \n, tab \t; cut to at most `max` bytes (at a character boundary) with "…".
std::string Printable(std::string_view bytes, size_t max);
// Cuts valid UTF-8 to at most `max` bytes at a character boundary, adding "…".
std::string Shorten(std::string_view utf8, size_t max);
std::string HtmlEscape(std::string_view s);                 // & < > " '
std::string XmlEscape(std::string_view s);                  // & < > " ' and no XML-invalid controls
std::string MarkdownCell(std::string_view s);               // | and ` escaped, one line
std::string Hex(std::string_view bytes, size_t max_bytes);  // "80 04 95 ..." with "… (N bytes)"

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_TEXT_H_
