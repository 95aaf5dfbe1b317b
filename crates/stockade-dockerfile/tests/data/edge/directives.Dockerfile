# Syntax = x
# CHECK=skip=all
# foo=bar
# escape=`
FROM a
RUN x \
 y
