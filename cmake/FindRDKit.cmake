# FindRDKit: RDKit ships no CMake config on Debian (librdkit-dev). Defines RDKit::RDKit.
#   RDKit_FOUND, RDKit_INCLUDE_DIRS, RDKit_LIBRARIES
find_path(RDKit_INCLUDE_DIR GraphMol/ROMol.h PATH_SUFFIXES rdkit)
set(_rdkit_components SmilesParse FileParsers GraphMol RDGeneral RDGeometryLib DataStructs
    SubstructMatch MolTransforms DistGeomHelpers DistGeometry ForceFieldHelpers ForceField
    Optimizer Alignment MolAlign Descriptors PartialCharges EigenSolvers Catalogs)
set(RDKit_LIBRARIES "")
set(_rdkit_missing "")
foreach(_c IN LISTS _rdkit_components)
  find_library(RDKit_${_c}_LIBRARY NAMES RDKit${_c})
  mark_as_advanced(RDKit_${_c}_LIBRARY)
  if(RDKit_${_c}_LIBRARY)
    list(APPEND RDKit_LIBRARIES ${RDKit_${_c}_LIBRARY})
  else()
    list(APPEND _rdkit_missing ${_c})
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_GraphMol_LIBRARY
  REASON_FAILURE_MESSAGE "missing RDKit libraries: ${_rdkit_missing}")
if(RDKit_FOUND AND NOT TARGET RDKit::RDKit)
  set(RDKit_INCLUDE_DIRS ${RDKit_INCLUDE_DIR})
  add_library(RDKit::RDKit INTERFACE IMPORTED)
  set_target_properties(RDKit::RDKit PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${RDKit_LIBRARIES}")
endif()
mark_as_advanced(RDKit_INCLUDE_DIR)
