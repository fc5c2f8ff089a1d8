# errkb_embed(OUT_CPP SYMBOL FILE): generates a .cpp defining
# `extern const std::string_view SYMBOL` holding FILE's bytes; rebuilt when FILE changes.
function(errkb_embed out_cpp symbol file)
  set(script ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake)
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out_cpp} -DSYMBOL=${symbol} -P ${script}
    DEPENDS ${file} ${script}
    COMMENT "Embedding ${file}")
endfunction()
