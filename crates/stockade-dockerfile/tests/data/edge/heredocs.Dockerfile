FROM alpine
RUN <<EOF
echo hi
EOF
RUN python3 <<EOF
print(1)
EOF
RUN cat <<EOF > /file
content
EOF
RUN <<A <<B
a
A
b
B
RUN <<-EOF
	echo tab
	EOF
RUN <<"EOF" <<'Q'
$x
EOF
$y
Q
COPY <<EOF /dest
FROM not-an-instruction
EOF
RUN echo "<<X" a<<Y
RUN 2<<E cat
z
E
