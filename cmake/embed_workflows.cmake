# Writes OUT, a C++ source holding every workflows/*.yaml preset as text, so that the binary carries the presets of
# its own version (provenance records the resolved values anyway).
file(GLOB presets ${SRC}/workflows/*.yaml)
list(SORT presets)
set(body "// Generated from workflows/*.yaml by cmake/embed_workflows.cmake.\n#include \"config/workflows.hpp\"\n\nnamespace precis {\nconst std::vector<Preset>& presets() {\n    static const std::vector<Preset> p = {\n")
foreach(f ${presets})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "        {\"${name}\", R\"precis_preset(${text})precis_preset\"},\n")
endforeach()
string(APPEND body "    };\n    return p;\n}\n}  // namespace precis\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
