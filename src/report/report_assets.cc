#include "report/report_assets.h"

#include <cstddef>

namespace podpilot::report_assets {

// Defined in the generated report_assets_data.cc.
extern const unsigned char kUplotJs[];
extern const std::size_t kUplotJsSize;
extern const unsigned char kUplotCss[];
extern const std::size_t kUplotCssSize;
extern const unsigned char kUplotLicense[];
extern const std::size_t kUplotLicenseSize;

namespace {
std::string_view View(const unsigned char* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}
}  // namespace

std::string_view UplotJs() { return View(kUplotJs, kUplotJsSize); }
std::string_view UplotCss() { return View(kUplotCss, kUplotCssSize); }
std::string_view UplotLicense() { return View(kUplotLicense, kUplotLicenseSize); }

}  // namespace podpilot::report_assets
