# latency_curve: the latency-versus-load curve of one pod, fast model next to the discrete-event
# simulation (bench/latency_curve.sh runs it and plots docs/latency-curve.png).
#
# Either include this file from the top-level CMakeLists.txt (after add_subdirectory(src)):
#     include(bench/latency_curve.cmake)
# or pass -DCMAKE_PROJECT_INCLUDE=<repo>/bench/latency_curve.cmake at configure time (what the
# script does until then). In the second case this runs right after project(), before the
# top-level include_directories/add_compile_options and before podpilot_sim exists; so the
# include path and warnings are set on the target itself, and podpilot_sim is linked by name
# (target names are resolved at generate time).
include_guard(GLOBAL)
add_executable(latency_curve ${CMAKE_CURRENT_LIST_DIR}/latency_curve_main.cc)
target_include_directories(latency_curve PRIVATE ${PROJECT_SOURCE_DIR}/src ${CLI11_INCLUDE_DIR})
target_compile_options(latency_curve PRIVATE -Wall -Wextra)
target_compile_features(latency_curve PRIVATE cxx_std_20)
target_link_libraries(latency_curve PRIVATE podpilot_sim)
