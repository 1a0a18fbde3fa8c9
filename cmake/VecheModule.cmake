# veche_add_module(NAME <name> SOURCES <files…> [DEPS <targets…>] [PRIVATE_DEPS <targets…>])
#
# Builds a business module (server/src/modules/<name>/) as the library veche_<name> with its public
# include/ directory, linked to the platform kit (registry, api kit, realtime, storage, core) and DEPS, and
# records it in the VECHE_MODULES global property: the server (app) links every module recorded
# there, so a new module needs no edit to app's CMake. After userver's userver_module().
function(veche_add_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT M_NAME OR NOT M_SOURCES)
    message(FATAL_ERROR "veche_add_module needs NAME and SOURCES")
  endif()
  add_library(veche_${M_NAME} ${M_SOURCES})
  target_include_directories(veche_${M_NAME} PUBLIC include)
  target_link_libraries(veche_${M_NAME} PUBLIC veche_platform veche_api veche_realtime veche_storage veche_core ${M_DEPS}
                        PRIVATE ${M_PRIVATE_DEPS})
  set_property(GLOBAL APPEND PROPERTY VECHE_MODULES veche_${M_NAME})
endfunction()
