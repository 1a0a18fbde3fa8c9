// The voting protocol as PDF, drawn with cairo (a well-kept library from Debian: libcairo2) in
// DejaVu Sans, which covers Cyrillic. Plain lines, wrapped to the page width, new pages as needed.
#include <cairo-pdf.h>
#include <cairo.h>

#include <string>
#include <vector>

#include "veche/objects/votes.hpp"

#if defined(__SANITIZE_ADDRESS__)
// Fontconfig (under cairo's font selection) keeps its configuration and caches for the life of the
// process by design and frees them only in FcFini, which is unsafe while other threads may draw;
// LeakSanitizer is told so instead of failing every sanitized binary that made a protocol.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif

namespace veche::objects {
namespace {

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

// Splits `line` into pieces no wider than `width` (at spaces where possible).
std::vector<std::string> Wrap(cairo_t* cr, const std::string& line, double width) {
    std::vector<std::string> out;
    std::string cur;
    std::size_t i = 0;
    while (i <= line.size()) {
        std::size_t sp = line.find(' ', i);
        if (sp == std::string::npos) sp = line.size();
        std::string word = line.substr(i, sp - i);
        std::string trial = cur.empty() ? word : cur + " " + word;
        cairo_text_extents_t ext;
        cairo_text_extents(cr, trial.c_str(), &ext);
        if (ext.x_advance > width && !cur.empty()) {
            out.push_back(cur);
            cur = word;
        } else {
            cur = trial;
        }
        i = sp + 1;
    }
    out.push_back(cur);
    return out;
}

}  // namespace

std::string ProtocolPdf(const std::string& heading, const std::vector<std::string>& lines) {
    constexpr double kWidth = 595, kHeight = 842, kMargin = 56, kLine = 16;
    std::string out;
    cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(Append, &out, kWidth, kHeight);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, heading.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Veche");
    cairo_t* cr = cairo_create(surface);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 15);
    double y = kMargin;
    for (const auto& part : Wrap(cr, heading, kWidth - 2 * kMargin)) {
        cairo_move_to(cr, kMargin, y);
        cairo_show_text(cr, part.c_str());
        y += 20;
    }
    y += 8;
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    for (const auto& line : lines) {
        for (const auto& part : Wrap(cr, line, kWidth - 2 * kMargin)) {
            if (y > kHeight - kMargin) {
                cairo_show_page(cr);
                y = kMargin;
            }
            cairo_move_to(cr, kMargin, y);
            cairo_show_text(cr, part.c_str());
            y += kLine;
        }
    }
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_surface_destroy(surface);
    return out;
}

}  // namespace veche::objects
