// The vendored charting library (third_party/uplot: uPlot 1.6.32 from npm, MIT), compiled into the
// binary by embed_assets.cmake so that every report page carries it and opens offline.
// Static data; thread-safe.
#pragma once

#include <string_view>

namespace podpilot::report_assets {

std::string_view UplotJs();       // dist/uPlot.iife.min.js, defines the global `uPlot`
std::string_view UplotCss();      // dist/uPlot.min.css
std::string_view UplotLicense();  // LICENSE (reproduced in the page, as MIT asks)

}  // namespace podpilot::report_assets
