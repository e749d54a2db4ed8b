# sim/cli/embed_page.cmake — turns a text file into a C array, so that the binary carries it (the page of
# drsim serve is sim/cli/serve_page.html; the server reads no file to serve it).
# Usage: cmake -DIN=file -DOUT=file.c -DNAME=symbol -DHEADER=include -P embed_page.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* Generated from ${IN} by sim/cli/embed_page.cmake: do not edit. */\n#include \"${HEADER}\"\n\nconst char ${NAME}[] = {\n${bytes}0x00};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
