# bitc_add_model: compile a Hugging Face BiT checkpoint into a linkable target
# at build time, the way add_halide_library turns a generator into one.
#
#   bitc_add_model(<target>
#                  MODEL_DIR <dir>            # config.json, model.safetensors, preprocessor_config.json
#                  [NAME <c_prefix>]          # symbol prefix and header name (default: <target>)
#                  [IMAGE_SIZE <N | HxW>]     # default: crop_size of preprocessor_config.json
#                  [BATCH <n>]                # compiled batch (any batch works at run time)
#                  [TARGET <halide-target>]   # default: host
#                  [LIBRARY | SHARED]         # a static archive, or a shared library
#                                             # (lib<NAME>.so, only the C API exported),
#                                             # instead of one object
#                  [COMPILE_OPTIONS <opt>...])# more `bitc compile` flags
#
# Creates an IMPORTED library <target>: link it and #include "<NAME>.h" (a SHARED
# one is found at run time through the build tree's RPATH; install or ship
# lib<NAME>.so next to the program yourself).
# The object and header are generated into ${CMAKE_CURRENT_BINARY_DIR}/<target>.bitc/
# and regenerated when a checkpoint file (config.json, *.safetensors, *.bin, *.npz,
# preprocessor_config.json, a shard index) or bitc itself changes.
# Variables: <target>_OBJECT, <target>_HEADER (paths of the generated files).
#
# bitc is the bitc::bitc executable target (bitcConfig.cmake defines it; the bitc
# source tree defines it as its own `bitc` tool), or BITC_EXECUTABLE if set.

include_guard(GLOBAL)
find_package(Threads REQUIRED)

function(bitc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "LIBRARY;SHARED"
    "MODEL_DIR;NAME;IMAGE_SIZE;BATCH;TARGET" "COMPILE_OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "bitc_add_model(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(ARG_LIBRARY AND ARG_SHARED)
    message(FATAL_ERROR "bitc_add_model(${target}): LIBRARY and SHARED exclude each other")
  endif()
  if(NOT ARG_MODEL_DIR)
    message(FATAL_ERROR "bitc_add_model(${target}): MODEL_DIR is required")
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${target})
  endif()
  if(NOT ARG_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "bitc_add_model(${target}): NAME '${ARG_NAME}' must be a C identifier")
  endif()
  get_filename_component(model_dir "${ARG_MODEL_DIR}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model_dir}/config.json" AND NOT EXISTS "${model_dir}")
    message(FATAL_ERROR "bitc_add_model(${target}): ${model_dir} does not exist")
  endif()

  # Which bitc runs, and what the command depends on.
  if(BITC_EXECUTABLE)
    set(bitc "${BITC_EXECUTABLE}")
    set(bitc_depends "${BITC_EXECUTABLE}")
  elseif(TARGET bitc::bitc)
    set(bitc bitc::bitc)
    get_target_property(bitc_location bitc::bitc IMPORTED_LOCATION)
    set(bitc_depends "${bitc_location}")
    if(BITC_RUNTIME_BITCODE)
      list(APPEND bitc_depends "${BITC_RUNTIME_BITCODE}")
    endif()
  elseif(TARGET bitc)
    set(bitc bitc)
    set(bitc_depends bitc)
    if(TARGET BitcRuntimeBitcode)
      list(APPEND bitc_depends BitcRuntimeBitcode ${BITC_RUNTIME_BITCODE})
    endif()
  else()
    message(FATAL_ERROR "bitc_add_model(${target}): no bitc executable (find_package(bitc) first)")
  endif()

  # The checkpoint files: a new or changed one regenerates the model.
  file(GLOB checkpoint CONFIGURE_DEPENDS
       "${model_dir}/*.json" "${model_dir}/*.safetensors" "${model_dir}/*.bin"
       "${model_dir}/*.npz")

  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.bitc")
  file(MAKE_DIRECTORY "${out_dir}")
  if(ARG_LIBRARY)
    set(output "${out_dir}/${CMAKE_STATIC_LIBRARY_PREFIX}${ARG_NAME}${CMAKE_STATIC_LIBRARY_SUFFIX}")
    set(emit lib)
  elseif(ARG_SHARED)
    set(output "${out_dir}/lib${ARG_NAME}.so")
    set(emit shared)
  else()
    set(output "${out_dir}/${ARG_NAME}${CMAKE_C_OUTPUT_EXTENSION}")
    if(NOT CMAKE_C_OUTPUT_EXTENSION)
      set(output "${out_dir}/${ARG_NAME}.o")
    endif()
    set(emit obj)
  endif()
  get_filename_component(stem "${output}" NAME_WE)
  set(header "${out_dir}/${stem}.h")
  if(NOT stem STREQUAL ARG_NAME)
    # lib<name>.a gets lib<name>.h from bitc; expose <name>.h as documented.
    set(alias_header "${out_dir}/${ARG_NAME}.h")
  endif()

  set(flags --emit=${emit} --name ${ARG_NAME} -q)
  if(ARG_IMAGE_SIZE)
    list(APPEND flags --image-size ${ARG_IMAGE_SIZE})
  endif()
  if(ARG_BATCH)
    list(APPEND flags --batch ${ARG_BATCH})
  endif()
  if(ARG_TARGET)
    list(APPEND flags --target ${ARG_TARGET})
  endif()
  list(APPEND flags ${ARG_COMPILE_OPTIONS})

  set(commands COMMAND ${bitc} compile "${model_dir}" -o "${output}" ${flags})
  set(outputs "${output}" "${header}")
  if(alias_header)
    list(APPEND commands COMMAND ${CMAKE_COMMAND} -E copy "${header}" "${alias_header}")
    list(APPEND outputs "${alias_header}")
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    ${commands}
    DEPENDS ${checkpoint} ${bitc_depends}
    COMMENT "bitc: compiling ${model_dir} into ${ARG_NAME}"
    VERBATIM)
  add_custom_target(${target}.generate DEPENDS ${outputs})

  if(ARG_SHARED)
    # The library records its own dependencies (libc, libm).
    add_library(${target} SHARED IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      IMPORTED_LOCATION "${output}"
      IMPORTED_SONAME "lib${ARG_NAME}.so"
      INTERFACE_INCLUDE_DIRECTORIES "${out_dir}")
  else()
    add_library(${target} UNKNOWN IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      IMPORTED_LOCATION "${output}"
      INTERFACE_INCLUDE_DIRECTORIES "${out_dir}"
      INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m")
  endif()
  add_dependencies(${target} ${target}.generate)
  set(${target}_OBJECT "${output}" PARENT_SCOPE)
  set(${target}_HEADER "${out_dir}/${ARG_NAME}.h" PARENT_SCOPE)
endfunction()
