FROM openjdk:8u342-jre-slim
MAINTAINER someone@example.com
ENV JAVA_HOME /usr/local/openjdk-8
ENV JAVA_OPTS -server -Xms1g -Xmx2g -XX:+UseParallelGC
ENV A=1 B="two words" C='single $A' D=\$literal E=${A}${B}
ENV NESTED=${UNSET:-${ALSO_UNSET:-${A:-x}}}
ENV EMPTY= ALT=${A:+set} ALT2=${UNSET+set}
LABEL maintainer="team" description="a \"quoted\" label"
ENTRYPOINT exec java $JAVA_OPTS -jar /app.jar
