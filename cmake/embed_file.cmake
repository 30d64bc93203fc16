# Writes OUT, a C++ source defining `const char* const NAME` as the text of IN, so that the binary carries a file of
# its own version (the built-in sbatch template).
file(READ ${IN} text)
set(body "// Generated from ${IN} by cmake/embed_file.cmake.\nnamespace precis {\nextern const char* const ${NAME};\nconst char* const ${NAME} = R\"precis_embedded(${text})precis_embedded\";\n}  // namespace precis\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
