# disco_embed_text(TARGET FILE HEADER CONSTANT): makes FILE's text available to TARGET as
#   #include "HEADER"  ->  inline constexpr const char* CONSTANT = "...";
function(disco_embed_text target file header constant)
  get_filename_component(_file "${file}" ABSOLUTE)
  file(READ "${_file}" _text)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_file}")
  set(_gen_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}_generated")
  file(CONFIGURE OUTPUT "${_gen_dir}/${header}"
       CONTENT "// Generated from ${file} by disco_embed_text(). Do not edit.\n#pragma once\ninline constexpr const char* ${constant} = R\"disco_text(@_text@)disco_text\";\n"
       @ONLY)
  target_include_directories(${target} PRIVATE "${_gen_dir}")
endfunction()

# disco_add_plugin(NAME SOURCES src... SCHEMA schema.toml [LIBRARIES lib...] [NO_INSTALL])
#
# Builds one disco plugin (a MODULE library) from NAME's sources. The schema TOML is embedded
# into the plugin as `disco_plugin_schema.h` (constant kPluginSchema), so an installed plugin
# carries its own schema. Works in-tree and out-of-tree (after find_package(disco)).
function(disco_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "SCHEMA" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  if(TARGET disco_core)
    target_link_libraries(${name} PRIVATE disco_core)
  else()
    target_link_libraries(${name} PRIVATE disco::disco_core)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  endif()
  if(ARG_SCHEMA)
    disco_embed_text(${name} "${ARG_SCHEMA}" disco_plugin_schema.h kPluginSchema)
  else()
    message(FATAL_ERROR "disco_add_plugin(${name}): SCHEMA is required (the plugin's TOML schema)")
  endif()
  if(NOT DEFINED DISCO_PLUGIN_OUTPUT_DIR)
    set(DISCO_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX "libdisco_"
    LIBRARY_OUTPUT_DIRECTORY "${DISCO_PLUGIN_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED DISCO_PLUGIN_INSTALL_DIR AND NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION "${DISCO_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
