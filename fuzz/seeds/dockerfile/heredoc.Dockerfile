FROM eclipse-temurin:11-jre
ENV JAVA_TOOL_OPTIONS="-Xms256m -Xmx512m" LANG=C.UTF-8
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-"SCRIPT" /usr/local/bin/start.sh
	#!/bin/sh
	exec java $JAVA_OPTS -jar /app.jar "$@"
	SCRIPT
RUN <<ONE cat > /a && <<TWO cat > /b
first
ONE
second
TWO
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENTRYPOINT /usr/local/bin/start.sh \
    --server.port=8080 \
    # a comment inside a continued instruction
    --management.port=8081
